package ctxlab.emu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Thin FFM binding of the Unicorn 2 C API: one method per C function, same names, same argument
 * order, C types mapped as {@code uc_engine*}/pointers → {@link MemorySegment}, {@code uint64_t} and
 * {@code size_t} → {@code long}, {@code int}/enums/{@code uint32_t} → {@code int}. Methods return the
 * raw {@code uc_err}; meaning (and error handling) lives in {@link Machine}.
 *
 * <p>The library is looked up lazily ({@code libunicorn.so.2}, then {@code libunicorn.so}, or only the
 * value of the system property {@value #LIBRARY_PROPERTY} when set); when it is missing every method
 * throws {@link EmulatorUnavailableException}.
 *
 * <p>{@code uc_hook_add} and {@code uc_ctl} are variadic in C; they are bound with their fixed
 * parameters only ({@code Linker.Option.firstVariadicArg(N)} with N = number of fixed parameters,
 * meaning "no variadic arguments"), which covers the plain hook types and {@code uc_ctl} controls
 * without arguments such as {@link UcConst#UC_CTL_TB_FLUSH_WORD}.
 */
@SuppressWarnings("restricted") // this class is the FFM binding: restricted methods are its job
public final class Unicorn {
    private Unicorn() {}

    static final String[] LIBRARY_NAMES = {"libunicorn.so.2", "libunicorn.so"};
    /** System property naming the library (file name or path) to load instead of {@link #LIBRARY_NAMES}. */
    public static final String LIBRARY_PROPERTY = "ctxlab.unicorn.library";

    /**
     * The {@code uc_engine*} and {@code void *user_data} of the hooks that fire on every instruction or
     * memory access, received as plain 64-bit words (the same registers on LP64): the hooks never
     * dereference them, and an ADDRESS parameter makes a MemorySegment per call, which was a third of
     * everything {@code verify} allocated.
     */
    public static final ValueLayout HOOK_POINTER = JAVA_LONG;
    /** {@code void (*uc_cb_hookcode_t)(uc_engine*, uint64_t address, uint32_t size, void *user_data)} */
    public static final FunctionDescriptor HOOK_CODE_DESC =
            FunctionDescriptor.ofVoid(HOOK_POINTER, JAVA_LONG, JAVA_INT, HOOK_POINTER);
    /** {@code void (*uc_cb_hookmem_t)(uc_engine*, uc_mem_type, uint64_t address, int size, int64_t value, void*)} */
    public static final FunctionDescriptor HOOK_MEM_DESC =
            FunctionDescriptor.ofVoid(HOOK_POINTER, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, HOOK_POINTER);
    /** {@code bool (*uc_cb_eventmem_t)(uc_engine*, uc_mem_type, uint64_t address, int size, int64_t value, void*)} */
    public static final FunctionDescriptor HOOK_EVENTMEM_DESC =
            FunctionDescriptor.of(JAVA_BOOLEAN, HOOK_POINTER, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, HOOK_POINTER);

    /** Whether the library can be loaded. Never throws. */
    public static boolean available() {
        return H.FAILURE == null;
    }

    /** Throws {@link EmulatorUnavailableException} if the library cannot be loaded. */
    public static void ensureAvailable() {
        if (H.FAILURE != null) {
            throw new EmulatorUnavailableException(H.FAILURE.getMessage(), H.FAILURE);
        }
    }

    /** Lazy holder: initialised on first use; never throws from its initializer. */
    private static final class H {
        static final Throwable FAILURE;
        static final MethodHandle UC_VERSION, UC_OPEN, UC_CLOSE, UC_ERRNO, UC_STRERROR, UC_QUERY,
                UC_MEM_MAP, UC_MEM_UNMAP, UC_MEM_PROTECT, UC_MEM_READ, UC_MEM_WRITE,
                UC_REG_READ, UC_REG_WRITE, UC_REG_READ_BATCH, UC_REG_WRITE_BATCH,
                UC_EMU_START, UC_EMU_STOP, UC_HOOK_ADD, UC_HOOK_DEL, UC_CTL, UC_CTL_2L,
                UC_MEM_REGIONS, UC_FREE, UC_HOOK_ADD_INSN,
                UC_CONTEXT_ALLOC, UC_CONTEXT_SAVE, UC_CONTEXT_RESTORE, UC_CONTEXT_SIZE, UC_CONTEXT_FREE,
                UC_MEM_MAP_PTR;

        static {
            MethodHandle[] h = new MethodHandle[30];
            Throwable failure = null;
            try {
                SymbolLookup lib = load();
                Linker l = Linker.nativeLinker();
                Linker.Option critical = Linker.Option.critical(true);
                int i = 0;
                h[i++] = bind(l, lib, "uc_version", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
                h[i++] = bind(l, lib, "uc_open", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "uc_close", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "uc_errno", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "uc_strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
                h[i++] = bind(l, lib, "uc_query", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "uc_mem_map",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT));
                h[i++] = bind(l, lib, "uc_mem_unmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
                h[i++] = bind(l, lib, "uc_mem_protect",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT));
                // Short, non-blocking, never call back into Java: "critical" (heap segments allowed).
                h[i++] = bind(l, lib, "uc_mem_read",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG), critical);
                h[i++] = bind(l, lib, "uc_mem_write",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG), critical);
                h[i++] = bind(l, lib, "uc_reg_read", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS),
                        critical);
                h[i++] = bind(l, lib, "uc_reg_write", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS),
                        critical);
                h[i++] = bind(l, lib, "uc_reg_read_batch",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
                h[i++] = bind(l, lib, "uc_reg_write_batch",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT), critical);
                h[i++] = bind(l, lib, "uc_emu_start",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
                h[i++] = bind(l, lib, "uc_emu_stop", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "uc_hook_add", FunctionDescriptor.of(JAVA_INT,
                                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG),
                        Linker.Option.firstVariadicArg(7));
                h[i++] = bind(l, lib, "uc_hook_del", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
                h[i++] = bind(l, lib, "uc_ctl", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                        Linker.Option.firstVariadicArg(2));
                h[i++] = bind(l, lib, "uc_ctl", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG),
                        Linker.Option.firstVariadicArg(2));
                h[i++] = bind(l, lib, "uc_mem_regions", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
                h[i++] = bind(l, lib, "uc_free", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                // UC_HOOK_INSN takes the instruction id as its one variadic argument.
                h[i++] = bind(l, lib, "uc_hook_add", FunctionDescriptor.of(JAVA_INT,
                                ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT),
                        Linker.Option.firstVariadicArg(7));
                h[i++] = bind(l, lib, "uc_context_alloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
                h[i++] = bind(l, lib, "uc_context_save", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
                h[i++] = bind(l, lib, "uc_context_restore", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
                h[i++] = bind(l, lib, "uc_context_size", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
                h[i++] = bind(l, lib, "uc_context_free", FunctionDescriptor.of(JAVA_INT, ADDRESS));
                h[i++] = bind(l, lib, "uc_mem_map_ptr",
                        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS));
            } catch (Throwable t) {
                failure = t;
                java.util.Arrays.fill(h, null);
            }
            FAILURE = failure;
            int i = 0;
            UC_VERSION = h[i++]; UC_OPEN = h[i++]; UC_CLOSE = h[i++]; UC_ERRNO = h[i++];
            UC_STRERROR = h[i++]; UC_QUERY = h[i++];
            UC_MEM_MAP = h[i++]; UC_MEM_UNMAP = h[i++]; UC_MEM_PROTECT = h[i++];
            UC_MEM_READ = h[i++]; UC_MEM_WRITE = h[i++];
            UC_REG_READ = h[i++]; UC_REG_WRITE = h[i++]; UC_REG_READ_BATCH = h[i++]; UC_REG_WRITE_BATCH = h[i++];
            UC_EMU_START = h[i++]; UC_EMU_STOP = h[i++]; UC_HOOK_ADD = h[i++]; UC_HOOK_DEL = h[i++];
            UC_CTL = h[i++]; UC_CTL_2L = h[i++]; UC_MEM_REGIONS = h[i++]; UC_FREE = h[i++]; UC_HOOK_ADD_INSN = h[i++];
            UC_CONTEXT_ALLOC = h[i++]; UC_CONTEXT_SAVE = h[i++]; UC_CONTEXT_RESTORE = h[i++]; UC_CONTEXT_SIZE = h[i++];
            UC_CONTEXT_FREE = h[i++]; UC_MEM_MAP_PTR = h[i++];
        }

        private static SymbolLookup load() {
            IllegalArgumentException last = null;
            String override = System.getProperty(LIBRARY_PROPERTY);
            String[] names = override == null || override.isBlank() ? LIBRARY_NAMES : new String[] {override};
            for (String name : names) {
                try {
                    return SymbolLookup.libraryLookup(name, Arena.global());
                } catch (IllegalArgumentException e) {
                    last = e;
                }
            }
            throw new IllegalStateException("cannot load " + String.join(" or ", names), last);
        }

        private static MethodHandle bind(Linker l, SymbolLookup lib, String name, FunctionDescriptor d,
                                         Linker.Option... options) {
            MemorySegment sym = lib.find(name)
                    .orElseThrow(() -> new IllegalStateException("symbol " + name + " missing from libunicorn"));
            return l.downcallHandle(sym, d, options);
        }
    }

    private static void check() {
        if (H.FAILURE != null) {
            throw new EmulatorUnavailableException(H.FAILURE.getMessage(), H.FAILURE);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** {@code unsigned int uc_version(unsigned int *major, unsigned int *minor)}; pointers may be NULL. */
    public static int uc_version(MemorySegment major, MemorySegment minor) {
        check();
        try {
            return (int) H.UC_VERSION.invokeExact(major, minor);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_open(uc_arch, uc_mode, uc_engine **uc)} */
    public static int uc_open(int arch, int mode, MemorySegment ucOut) {
        check();
        try {
            return (int) H.UC_OPEN.invokeExact(arch, mode, ucOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_close(uc_engine *uc)} */
    public static int uc_close(MemorySegment uc) {
        check();
        try {
            return (int) H.UC_CLOSE.invokeExact(uc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_errno(uc_engine *uc)} */
    public static int uc_errno(MemorySegment uc) {
        check();
        try {
            return (int) H.UC_ERRNO.invokeExact(uc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code const char *uc_strerror(uc_err)}, decoded to a Java string. */
    public static String uc_strerror(int err) {
        check();
        try {
            MemorySegment p = (MemorySegment) H.UC_STRERROR.invokeExact(err);
            return p.equals(MemorySegment.NULL) ? "unknown error " + err : p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_query(uc_engine *uc, uc_query_type type, size_t *result)} */
    public static int uc_query(MemorySegment uc, int type, MemorySegment result) {
        check();
        try {
            return (int) H.UC_QUERY.invokeExact(uc, type, result);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)} */
    public static int uc_mem_map(MemorySegment uc, long address, long size, int perms) {
        check();
        try {
            return (int) H.UC_MEM_MAP.invokeExact(uc, address, size, perms);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_mem_map_ptr(uc_engine *uc, uint64_t address, size_t size, uint32_t perms, void *ptr)} */
    public static int uc_mem_map_ptr(MemorySegment uc, long address, long size, int perms, MemorySegment ptr) {
        check();
        try {
            return (int) H.UC_MEM_MAP_PTR.invokeExact(uc, address, size, perms, ptr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_mem_unmap(uc_engine *uc, uint64_t address, size_t size)} */
    public static int uc_mem_unmap(MemorySegment uc, long address, long size) {
        check();
        try {
            return (int) H.UC_MEM_UNMAP.invokeExact(uc, address, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_mem_protect(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)} */
    public static int uc_mem_protect(MemorySegment uc, long address, long size, int perms) {
        check();
        try {
            return (int) H.UC_MEM_PROTECT.invokeExact(uc, address, size, perms);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_mem_read(uc_engine *uc, uint64_t address, void *bytes, size_t size)}; heap segments allowed. */
    public static int uc_mem_read(MemorySegment uc, long address, MemorySegment bytes, long size) {
        check();
        try {
            return (int) H.UC_MEM_READ.invokeExact(uc, address, bytes, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_mem_write(uc_engine *uc, uint64_t address, const void *bytes, size_t size)}; heap segments allowed. */
    public static int uc_mem_write(MemorySegment uc, long address, MemorySegment bytes, long size) {
        check();
        try {
            return (int) H.UC_MEM_WRITE.invokeExact(uc, address, bytes, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_reg_read(uc_engine *uc, int regid, void *value)}; writes only the register's width. */
    public static int uc_reg_read(MemorySegment uc, int regid, MemorySegment value) {
        check();
        try {
            return (int) H.UC_REG_READ.invokeExact(uc, regid, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_reg_write(uc_engine *uc, int regid, const void *value)} */
    public static int uc_reg_write(MemorySegment uc, int regid, MemorySegment value) {
        check();
        try {
            return (int) H.UC_REG_WRITE.invokeExact(uc, regid, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_reg_read_batch(uc_engine *uc, int *regs, void **vals, int count)}; native segments only. */
    public static int uc_reg_read_batch(MemorySegment uc, MemorySegment regs, MemorySegment vals, int count) {
        check();
        try {
            return (int) H.UC_REG_READ_BATCH.invokeExact(uc, regs, vals, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_reg_write_batch(uc_engine *uc, int *regs, void *const *vals, int count)}; native segments only. */
    public static int uc_reg_write_batch(MemorySegment uc, MemorySegment regs, MemorySegment vals, int count) {
        check();
        try {
            return (int) H.UC_REG_WRITE_BATCH.invokeExact(uc, regs, vals, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout_us, size_t count)} */
    public static int uc_emu_start(MemorySegment uc, long begin, long until, long timeoutMicros, long count) {
        check();
        try {
            return (int) H.UC_EMU_START.invokeExact(uc, begin, until, timeoutMicros, count);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_emu_stop(uc_engine *uc)} */
    public static int uc_emu_stop(MemorySegment uc) {
        check();
        try {
            return (int) H.UC_EMU_STOP.invokeExact(uc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code uc_err uc_hook_add(uc_engine *uc, uc_hook *hh, int type, void *callback, void *user_data,
     * uint64_t begin, uint64_t end, ...)} without variadic arguments; {@code begin > end} = everywhere.
     */
    public static int uc_hook_add(MemorySegment uc, MemorySegment hh, int type, MemorySegment callback,
                                  MemorySegment userData, long begin, long end) {
        check();
        try {
            return (int) H.UC_HOOK_ADD.invokeExact(uc, hh, type, callback, userData, begin, end);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_hook_add} for {@code UC_HOOK_INSN}: the instruction id ({@code UC_X86_INS_*}) as the variadic argument. */
    public static int uc_hook_add_insn(MemorySegment uc, MemorySegment hh, MemorySegment callback,
                                       MemorySegment userData, long begin, long end, int insn) {
        check();
        try {
            return (int) H.UC_HOOK_ADD_INSN.invokeExact(uc, hh, UcConst.UC_HOOK_INSN, callback, userData, begin, end, insn);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_context_alloc(uc_engine *uc, uc_context **context)} */
    public static int uc_context_alloc(MemorySegment uc, MemorySegment contextOut) {
        check();
        try {
            return (int) H.UC_CONTEXT_ALLOC.invokeExact(uc, contextOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_context_save(uc_engine *uc, uc_context *context)} */
    public static int uc_context_save(MemorySegment uc, MemorySegment context) {
        check();
        try {
            return (int) H.UC_CONTEXT_SAVE.invokeExact(uc, context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_context_restore(uc_engine *uc, uc_context *context)} */
    public static int uc_context_restore(MemorySegment uc, MemorySegment context) {
        check();
        try {
            return (int) H.UC_CONTEXT_RESTORE.invokeExact(uc, context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code size_t uc_context_size(uc_engine *uc)}: the bytes of a context, header included. */
    public static long uc_context_size(MemorySegment uc) {
        check();
        try {
            return (long) H.UC_CONTEXT_SIZE.invokeExact(uc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_context_free(uc_context *context)} */
    public static int uc_context_free(MemorySegment context) {
        check();
        try {
            return (int) H.UC_CONTEXT_FREE.invokeExact(context);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code void (*uc_cb_hookintr_t)(uc_engine*, uint32_t intno, void *user_data)} */
    public static final FunctionDescriptor HOOK_INTR_DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, ADDRESS);
    /** {@code void (*uc_cb_insn_syscall_t)(uc_engine*, void *user_data)} (SYSCALL, SYSENTER) */
    public static final FunctionDescriptor HOOK_SYSCALL_DESC = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS);
    /** {@code uint32_t (*uc_cb_insn_in_t)(uc_engine*, uint32_t port, int size, void *user_data)} */
    public static final FunctionDescriptor HOOK_IN_DESC = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
    /** {@code void (*uc_cb_insn_out_t)(uc_engine*, uint32_t port, int size, uint32_t value, void *user_data)} */
    public static final FunctionDescriptor HOOK_OUT_DESC = FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    /** {@code sizeof(uc_x86_mmr)}: uint16_t selector; uint64_t base; uint32_t limit; uint32_t flags. */
    public static final long X86_MMR_SIZE = 24, X86_MMR_BASE = 8, X86_MMR_LIMIT = 16;

    /** {@code uc_err uc_hook_del(uc_engine *uc, uc_hook hh)} ({@code uc_hook} is a {@code size_t}). */
    public static int uc_hook_del(MemorySegment uc, long hh) {
        check();
        try {
            return (int) H.UC_HOOK_DEL.invokeExact(uc, hh);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code uc_err uc_ctl(uc_engine *uc, uc_control_type control, ...)} with two {@code uint64_t} variadic
     * arguments, e.g. {@code UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2), begin, end} (uc_ctl_remove_cache).
     */
    public static int uc_ctl(MemorySegment uc, int control, long arg1, long arg2) {
        check();
        try {
            return (int) H.UC_CTL_2L.invokeExact(uc, control, arg1, arg2);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code uc_err uc_mem_regions(uc_engine *uc, uc_mem_region **regions, uint32_t *count)}; the array
     * ({@link #MEM_REGION_SIZE} bytes per {@code {uint64_t begin, end (inclusive); uint32_t perms}}) must be
     * released with {@link #uc_free}.
     */
    public static int uc_mem_regions(MemorySegment uc, MemorySegment regionsOut, MemorySegment countOut) {
        check();
        try {
            return (int) H.UC_MEM_REGIONS.invokeExact(uc, regionsOut, countOut);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code sizeof(uc_mem_region)}: begin at 0, end at 8, perms at 16. */
    public static final long MEM_REGION_SIZE = 24;

    /** {@code uc_err uc_free(void *mem)} */
    public static int uc_free(MemorySegment mem) {
        check();
        try {
            return (int) H.UC_FREE.invokeExact(mem);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code uc_err uc_ctl(uc_engine *uc, uc_control_type control, ...)} without variadic arguments. */
    public static int uc_ctl(MemorySegment uc, int control) {
        check();
        try {
            return (int) H.UC_CTL.invokeExact(uc, control);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
