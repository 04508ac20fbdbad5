package ctxlab.trace;

/**
 * A named piece of memory the trace talks about: a context, a stack, code, data.
 *
 * <p>Regions only name things; what is mapped is {@link TraceSetup.Mapping}'s business. A context
 * region is exactly {@link TraceLayout#size()} bytes so that its slots can be named.
 */
public record Region(String name, long base, long size, Kind kind, int prot) {
    public enum Kind { CODE, STACK, CONTEXT, DATA }

    /** Protection not known (a name inside a mapping, such as a context in a block). */
    public static final int UNKNOWN = -1;

    public Region(String name, long base, long size, Kind kind) {
        this(name, base, size, kind, UNKNOWN);
    }

    /** "rw-", "r-x", or "" when unknown. */
    public String protText() {
        if (prot < 0) return "";
        return ((prot & 1) != 0 ? "r" : "-") + ((prot & 2) != 0 ? "w" : "-") + ((prot & 4) != 0 ? "x" : "-");
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address - base, size) < 0;
    }

    /** One past the last byte: for a stack, the top it grows down from. */
    public long end() {
        return base + size;
    }
}
