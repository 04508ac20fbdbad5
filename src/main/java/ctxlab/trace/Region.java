package ctxlab.trace;

/**
 * A named piece of memory the trace talks about: a context, a stack, code, data.
 *
 * <p>Regions only name things; what is mapped is {@link TraceSetup.Mapping}'s business. A context
 * region is exactly {@link ctxlab.abi.ContextLayout#SIZE} bytes so that its slots can be named.
 */
public record Region(String name, long base, long size, Kind kind) {
    public enum Kind { CODE, STACK, CONTEXT, DATA }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address - base, size) < 0;
    }

    /** One past the last byte: for a stack, the top it grows down from. */
    public long end() {
        return base + size;
    }
}
