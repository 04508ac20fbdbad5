package ctxlab.disasm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Thin FFM binding of the Capstone 4 C API (Debian {@code libcapstone4}): one method per C function,
 * same names, same argument order; {@code csh} and {@code size_t} → {@code long}, enums and
 * {@code int} → {@code int}, pointers → {@link MemorySegment}. Methods return the raw values; meaning
 * lives in {@link Disassembler}.
 *
 * <p>The library is looked up lazily ({@code libcapstone.so.4}, then {@code libcapstone.so}, or only
 * the value of the system property {@value #LIBRARY_PROPERTY}); when it is missing every method throws
 * {@link DisassemblerUnavailableException} naming the Debian package.
 */
@SuppressWarnings("restricted") // this class is the FFM binding: restricted methods are its job
public final class Capstone {
    private Capstone() {}

    static final String[] LIBRARY_NAMES = {"libcapstone.so.4", "libcapstone.so"};
    public static final String LIBRARY_PROPERTY = "ctxlab.capstone.library";
    public static final String PACKAGE = "libcapstone4";

    /** Whether the library can be loaded. Never throws. */
    public static boolean available() {
        return H.FAILURE == null;
    }

    public static void ensureAvailable() {
        if (H.FAILURE != null) {
            throw new DisassemblerUnavailableException("Capstone (" + String.join(" or ", names())
                    + ") cannot be loaded: install the Debian package " + PACKAGE + " (apt-get install " + PACKAGE + ")",
                    H.FAILURE);
        }
    }

    private static String[] names() {
        String override = System.getProperty(LIBRARY_PROPERTY);
        return override == null || override.isBlank() ? LIBRARY_NAMES : new String[] {override};
    }

    private static final class H {
        static final Throwable FAILURE;
        static final MethodHandle CS_VERSION, CS_OPEN, CS_CLOSE, CS_OPTION, CS_ERRNO, CS_STRERROR,
                CS_DISASM, CS_FREE, CS_REG_NAME;

        static {
            MethodHandle[] h = new MethodHandle[9];
            Throwable failure = null;
            try {
                SymbolLookup lib = load();
                Linker l = Linker.nativeLinker();
                int i = 0;
                h[i++] = bind(l, lib, "cs_version", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
                h[i++] = bind(l, lib, "cs_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "cs_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "cs_option", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
                h[i++] = bind(l, lib, "cs_errno", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
                h[i++] = bind(l, lib, "cs_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
                h[i++] = bind(l, lib, "cs_disasm", FunctionDescriptor.of(JAVA_LONG,
                        JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
                h[i++] = bind(l, lib, "cs_free", FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG));
                h[i++] = bind(l, lib, "cs_reg_name", FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_INT));
            } catch (Throwable t) {
                failure = t;
                java.util.Arrays.fill(h, null);
            }
            FAILURE = failure;
            int i = 0;
            CS_VERSION = h[i++]; CS_OPEN = h[i++]; CS_CLOSE = h[i++]; CS_OPTION = h[i++]; CS_ERRNO = h[i++];
            CS_STRERROR = h[i++]; CS_DISASM = h[i++]; CS_FREE = h[i++]; CS_REG_NAME = h[i++];
        }

        private static SymbolLookup load() {
            IllegalArgumentException last = null;
            for (String name : names()) {
                try {
                    return SymbolLookup.libraryLookup(name, Arena.global());
                } catch (IllegalArgumentException e) {
                    last = e;
                }
            }
            throw new IllegalStateException("cannot load " + String.join(" or ", names()), last);
        }

        private static MethodHandle bind(Linker l, SymbolLookup lib, String name, FunctionDescriptor d) {
            MemorySegment sym = lib.find(name)
                    .orElseThrow(() -> new IllegalStateException("symbol " + name + " missing from libcapstone"));
            return l.downcallHandle(sym, d);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** {@code unsigned int cs_version(int *major, int *minor)} */
    public static int cs_version(MemorySegment major, MemorySegment minor) {
        ensureAvailable();
        try {
            return (int) H.CS_VERSION.invokeExact(major, minor);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code cs_err cs_open(cs_arch arch, cs_mode mode, csh *handle)} */
    public static int cs_open(int arch, int mode, MemorySegment handle) {
        ensureAvailable();
        try {
            return (int) H.CS_OPEN.invokeExact(arch, mode, handle);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code cs_err cs_close(csh *handle)} */
    public static int cs_close(MemorySegment handle) {
        ensureAvailable();
        try {
            return (int) H.CS_CLOSE.invokeExact(handle);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code cs_err cs_option(csh handle, cs_opt_type type, size_t value)} */
    public static int cs_option(long handle, int type, long value) {
        ensureAvailable();
        try {
            return (int) H.CS_OPTION.invokeExact(handle, type, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code cs_err cs_errno(csh handle)} */
    public static int cs_errno(long handle) {
        ensureAvailable();
        try {
            return (int) H.CS_ERRNO.invokeExact(handle);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code const char *cs_strerror(cs_err code)}, as a Java string. */
    public static String cs_strerror(int code) {
        ensureAvailable();
        try {
            MemorySegment s = (MemorySegment) H.CS_STRERROR.invokeExact(code);
            return s.equals(MemorySegment.NULL) ? "unknown error " + code : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code size_t cs_disasm(csh handle, const uint8_t *code, size_t code_size, uint64_t address,
     * size_t count, cs_insn **insn)}
     */
    public static long cs_disasm(long handle, MemorySegment code, long codeSize, long address, long count,
                                 MemorySegment insn) {
        ensureAvailable();
        try {
            return (long) H.CS_DISASM.invokeExact(handle, code, codeSize, address, count, insn);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code void cs_free(cs_insn *insn, size_t count)} */
    public static void cs_free(MemorySegment insn, long count) {
        ensureAvailable();
        try {
            H.CS_FREE.invokeExact(insn, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code const char *cs_reg_name(csh handle, unsigned int reg_id)}, or null. */
    public static String cs_reg_name(long handle, int reg) {
        ensureAvailable();
        try {
            MemorySegment s = (MemorySegment) H.CS_REG_NAME.invokeExact(handle, reg);
            return s.equals(MemorySegment.NULL) ? null : s.reinterpret(64).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
