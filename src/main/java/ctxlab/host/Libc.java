package ctxlab.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few libc functions the host backend needs, bound through FFM (no JNI, no C compiler).
 * Pointers travel as {@code long}: this code only ever runs on x86-64 Linux (LP64), which
 * {@link Host#require()} checks before anything here is touched.
 */
final class Libc {
    static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000;
    /** Map exactly here or fail (EEXIST) instead of replacing what is there (Linux 4.17+). */
    static final int MAP_FIXED_NOREPLACE = 0x100000;
    /** madvise advice (Linux 6.13+): a guard region inside a mapping, without splitting it into VMAs. */
    static final int MADV_GUARD_INSTALL = 102;
    static final int EINVAL = 22, ENOMEM = 12;
    static final int SC_PAGESIZE = 30;

    static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle MMAP = bind("mmap", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), true);
    private static final MethodHandle MPROTECT = bind("mprotect", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), true);
    private static final MethodHandle MADVISE = bind("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), true);
    private static final MethodHandle MUNMAP = bind("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), true);
    private static final MethodHandle SYSCONF = bind("sysconf", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT), false);
    private static final MethodHandle STRERROR = bind("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT), false);

    private static final MethodHandle PRCTL5 = bind("prctl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), false);
    private static final MethodHandle GETPPID = bind("getppid", FunctionDescriptor.of(ValueLayout.JAVA_INT), false);
    static final int PR_SET_PDEATHSIG = 1, SIGKILL = 9;

    private Libc() {}

    /** prctl(PR_SET_PDEATHSIG, SIGKILL): this process is killed when the thread that started it ends. */
    static void dieWithParent() {
        try {
            int r = (int) PRCTL5.invokeExact(PR_SET_PDEATHSIG, (long) SIGKILL, 0L, 0L, 0L);
            if (r != 0) throw new HostException("prctl(PR_SET_PDEATHSIG) failed");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long getppid() {
        try {
            return (int) GETPPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MethodHandle bind(String name, FunctionDescriptor fd, boolean errno) {
        MemorySegment f = symbol(name);
        return errno ? LINKER.downcallHandle(f, fd, CAPTURE_ERRNO) : LINKER.downcallHandle(f, fd);
    }

    static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new HostException("libc has no '" + name + "'"));
    }

    static long pageSize() {
        try {
            return (long) SYSCONF.invokeExact(SC_PAGESIZE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Anonymous private memory; the kernel picks the address. */
    static long mmap(long size, int prot, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            long p = (long) MMAP.invokeExact(state, 0L, size, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (p == -1L) throw new HostException("mmap of " + size + " bytes failed: " + error(state));
            return p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Anonymous private memory at exactly {@code address}, never over an existing mapping. */
    static long mmapAt(long address, long size, int prot) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            long p = (long) MMAP.invokeExact(state, address, size, prot,
                    MAP_FIXED_NOREPLACE | MAP_NORESERVE | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (p == -1L) throw new HostException(String.format("cannot map %d bytes at 0x%x: %s", size, address, error(state)));
            if (p != address) {
                munmap(p, size);   // a kernel without MAP_FIXED_NOREPLACE took it as a hint
                throw new HostException(String.format("cannot map %d bytes at 0x%x: the kernel offered 0x%x", size, address, p));
            }
            return p;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void mprotect(long address, long size, int prot) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int r = (int) MPROTECT.invokeExact(state, address, size, prot);
            if (r != 0) {
                throw new HostException(String.format("mprotect(0x%x, %d, %s) failed: %s", address, size, prot(prot), error(state)));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** madvise; returns 0 or the errno (the caller decides whether a missing advice is fatal). */
    static int madvise(long address, long size, int advice) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int r = (int) MADVISE.invokeExact(state, address, size, advice);
            return r == 0 ? 0 : (int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void munmap(long address, long size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(CALL_STATE);
            int r = (int) MUNMAP.invokeExact(state, address, size);
            if (r != 0) throw new HostException(String.format("munmap(0x%x, %d) failed: %s", address, size, error(state)));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static String error(MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        return strerror(errno) + " (errno " + errno + ")";
    }

    static String prot(int prot) {
        if (prot == PROT_NONE) return "PROT_NONE";
        StringBuilder b = new StringBuilder();
        if ((prot & PROT_READ) != 0) b.append("R");
        if ((prot & PROT_WRITE) != 0) b.append("W");
        if ((prot & PROT_EXEC) != 0) b.append("X");
        return b.toString();
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
