package ctxlab.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Lets the JVM report a crash of native strand code instead of vanishing.
 *
 * <p>The JVM handles SIGSEGV on the stack of the faulting thread. When a strand's rsp points into
 * a guard page or at garbage, the kernel has nowhere to push the signal frame and kills the
 * process outright: no hs_err file, no address. So the child gives the thread that runs native
 * code an alternate signal stack and adds SA_ONSTACK to the JVM's own handlers of the fatal
 * signals: the JVM's handler then runs on that stack, and for a fault in code it does not know,
 * writes its hs_err file (signal, si_addr, pc, registers) and exits. Faults the JVM expects
 * (implicit null checks, safepoint polls) are handled exactly as before, only on the alternate
 * stack for this one thread; other threads have no alternate stack, so for them nothing changes.
 */
final class CrashReporting {
    static final int SIGILL = 4, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11;
    static final int SA_ONSTACK = 0x08000000;
    /** glibc's struct sigaction on x86-64: handler 8, sa_mask 128, sa_flags 4 (+4), sa_restorer 8. */
    static final long SIGACTION_SIZE = 152, SA_FLAGS = 136;
    /** stack_t: ss_sp 8, ss_flags 4 (+4), ss_size 8. */
    static final long STACK_T_SIZE = 24;
    static final long ALT_STACK = 1 << 20;

    private static final MethodHandle SIGACTION = Libc.bind("sigaction", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS), false);
    private static final MethodHandle SIGALTSTACK = Libc.bind("sigaltstack", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS), false);

    private static boolean installed;

    private CrashReporting() {}

    /** For the calling thread (the one that will run native code); once per process. */
    static synchronized void install() {
        if (installed) return;
        installed = true;
        try (Arena a = Arena.ofConfined()) {
            Pages.Region alt = Pages.fenced(ALT_STACK);   // never unmapped: the process ends with it
            MemorySegment ss = a.allocate(STACK_T_SIZE);
            ss.set(ValueLayout.JAVA_LONG, 0, alt.base());
            ss.set(ValueLayout.JAVA_INT, 8, 0);
            ss.set(ValueLayout.JAVA_LONG, 16, alt.size());
            if ((int) SIGALTSTACK.invokeExact(ss, MemorySegment.NULL) != 0) throw new HostException("sigaltstack failed");
            for (int sig : new int[] {SIGSEGV, SIGBUS, SIGILL, SIGFPE}) {
                MemorySegment act = a.allocate(SIGACTION_SIZE);
                if ((int) SIGACTION.invokeExact(sig, MemorySegment.NULL, act) != 0) throw new HostException("sigaction failed");
                act.set(ValueLayout.JAVA_INT, SA_FLAGS, act.get(ValueLayout.JAVA_INT, SA_FLAGS) | SA_ONSTACK);
                if ((int) SIGACTION.invokeExact(sig, act, MemorySegment.NULL) != 0) throw new HostException("sigaction failed");
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
