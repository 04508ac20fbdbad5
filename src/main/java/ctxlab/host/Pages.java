package ctxlab.host;

/**
 * Page-granular host memory: plain regions fenced by unmapped space, and stacks with a guard page
 * below them.
 *
 * <p>Guard pages: {@code mprotect(PROT_NONE)} on the page under each stack splits the mapping
 * into two VMAs per stack, and Linux caps a process at {@code vm.max_map_count} VMAs (65,530 by
 * default), so 100,000 guarded strands would not fit. Linux 6.13 added
 * {@code madvise(MADV_GUARD_INSTALL)}: a guard region inside a mapping that faults on any access
 * exactly like PROT_NONE but costs no VMA. It is used where the kernel has it; elsewhere the
 * guard falls back to {@code mprotect(PROT_NONE)}.
 */
public final class Pages {
    public static final long PAGE = 4096;

    /** How guard pages are made on this host, decided at the first stack. */
    public enum GuardMethod {
        MADV_GUARD_INSTALL("madvise(MADV_GUARD_INSTALL)"), MPROTECT("mprotect(PROT_NONE)");

        public final String label;

        GuardMethod(String label) {
            this.label = label;
        }
    }

    private static volatile GuardMethod guardMethod =
            "mprotect".equals(System.getProperty("ctxlab.host.guard")) ? GuardMethod.MPROTECT : null;

    private Pages() {}

    public static long roundUp(long size) {
        return Math.max(PAGE, (size + PAGE - 1) & -PAGE);
    }

    /**
     * A mapping: {@code [mapping, mapping + mappingSize)} is what to unmap, {@code [base, base + size)}
     * what may be used.
     */
    public record Region(long mapping, long mappingSize, long base, long size) {
        public long top() {
            return base + size;
        }

        public void unmap() {
            Libc.munmap(mapping, mappingSize);
        }
    }

    /** Zeroed read-write pages with an inaccessible page on each side. */
    public static Region fenced(long size) {
        long usable = roundUp(size);
        long total = usable + 2 * PAGE;
        long m = Libc.mmap(total, Libc.PROT_NONE, Libc.MAP_NORESERVE);
        try {
            Libc.mprotect(m + PAGE, usable, Libc.PROT_READ | Libc.PROT_WRITE);
        } catch (RuntimeException e) {
            Libc.munmap(m, total);
            throw e;
        }
        return new Region(m, total, m + PAGE, usable);
    }

    /**
     * A stack of at least {@code size} bytes (whole pages) with a guard page right below it: a
     * strand that overflows faults on the guard instead of writing into whatever lies below.
     */
    public static Region stack(long size) {
        long usable = roundUp(size);
        long total = usable + PAGE;
        long m = Libc.mmap(total, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_NORESERVE);
        try {
            guard(m);
        } catch (RuntimeException e) {
            Libc.munmap(m, total);
            throw e;
        }
        return new Region(m, total, m + PAGE, usable);
    }

    /** Makes the page at {@code page} a guard page. */
    static void guard(long page) {
        GuardMethod method = guardMethod;
        if (method != GuardMethod.MPROTECT) {
            int errno = Libc.madvise(page, PAGE, Libc.MADV_GUARD_INSTALL);
            if (errno == 0) {
                guardMethod = GuardMethod.MADV_GUARD_INSTALL;
                return;
            }
            if (errno != Libc.EINVAL || method == GuardMethod.MADV_GUARD_INSTALL) {
                throw new HostException(String.format("madvise(0x%x, MADV_GUARD_INSTALL) failed: %s", page, Libc.strerror(errno)));
            }
            guardMethod = GuardMethod.MPROTECT;   // kernel older than 6.13
        }
        Libc.mprotect(page, PAGE, Libc.PROT_NONE);
    }

    /** The guard method in use (after the first stack; the preferred one before). */
    public static GuardMethod guardMethod() {
        GuardMethod m = guardMethod;
        return m == null ? GuardMethod.MADV_GUARD_INSTALL : m;
    }
}
