package ctxlab.host;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The host's second wall: a seccomp filter that kills the process when a system call comes from the
 * routine's code pages. The emulator already refuses {@code syscall}, {@code int n} and friends
 * ({@code Machine} runs code at user privilege); this catches whatever it might have missed, on the
 * real CPU, before the kernel acts on it.
 *
 * <p>The filter (classic BPF over {@code struct seccomp_data}) looks only at
 * {@code instruction_pointer}, which for a system call is the address after the instruction: calls
 * whose pointer lies in {@code [begin, end]} get {@code SECCOMP_RET_KILL_PROCESS} (the child dies of
 * SIGSYS and the parent reports it), every other call is allowed, so the JVM and libc run as before.
 * It is installed with {@code PR_SET_NO_NEW_PRIVS} (so no privilege is needed) and
 * {@code SECCOMP_FILTER_FLAG_TSYNC} (all threads of the child), through FFM; it cannot be removed,
 * which is why it is only ever installed in the crash-isolated child.
 */
public final class Seccomp {
    private Seccomp() {}

    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final long SYS_SECCOMP = 317;              // x86-64
    static final int SECCOMP_SET_MODE_FILTER = 1;
    static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
    static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    // struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
    static final int OFF_IP_LO = 8, OFF_IP_HI = 12;
    // BPF opcodes (linux/bpf_common.h)
    static final short LD_W_ABS = 0x20, JEQ_K = 0x15, JGE_K = 0x35, JGT_K = 0x25, RET_K = 0x06;

    private static final MethodHandle PRCTL = Libc.bind("prctl", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), true);
    private static final MethodHandle SYSCALL = Libc.bind("syscall", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), true);

    /** One BPF instruction: {@code struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }}. */
    record Insn(short code, int jt, int jf, int k) {}

    /**
     * The filter program for {@code [begin, end]} (inclusive: a syscall as the last instruction
     * reports the address right after it). Ranges that cross a 4 GiB boundary are split.
     */
    static List<Insn> program(long begin, long end) {
        if (Long.compareUnsigned(begin, end) > 0) throw new IllegalArgumentException("empty range");
        List<Insn> p = new ArrayList<>();
        long lo = begin;
        while (true) {
            long hi = lo >>> 32;
            long segEnd = Long.compareUnsigned(end >>> 32, hi) > 0 ? (hi << 32) | 0xffff_ffffL : end;
            // if (ip.hi == hi && ip.lo >= lo && ip.lo <= segEnd.lo) kill; else next segment
            p.add(new Insn(LD_W_ABS, 0, 0, OFF_IP_HI));
            p.add(new Insn(JEQ_K, 0, 4, (int) hi));
            p.add(new Insn(LD_W_ABS, 0, 0, OFF_IP_LO));
            p.add(new Insn(JGE_K, 0, 2, (int) lo));
            p.add(new Insn(JGT_K, 1, 0, (int) segEnd));
            p.add(new Insn(RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS));
            if (segEnd == end) break;
            lo = segEnd + 1;
        }
        p.add(new Insn(RET_K, 0, 0, SECCOMP_RET_ALLOW));
        return p;
    }

    /**
     * Installs the filter in this process (all threads). Linux x86-64 only; throws
     * {@link HostException} if the kernel refuses.
     */
    public static void killSyscallsFrom(long begin, long end) {
        Host.require();
        List<Insn> prog = program(begin, end);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(java.lang.foreign.Linker.Option.captureStateLayout());
            int r = (int) PRCTL.invokeExact(state, PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L);
            if (r != 0) throw new HostException("prctl(PR_SET_NO_NEW_PRIVS) failed: errno " + errno(state));
            MemorySegment filter = a.allocate(8L * prog.size(), 8);
            for (int i = 0; i < prog.size(); i++) {
                Insn in = prog.get(i);
                filter.set(ValueLayout.JAVA_SHORT, 8L * i, in.code());
                filter.set(ValueLayout.JAVA_BYTE, 8L * i + 2, (byte) in.jt());
                filter.set(ValueLayout.JAVA_BYTE, 8L * i + 3, (byte) in.jf());
                filter.set(ValueLayout.JAVA_INT, 8L * i + 4, in.k());
            }
            MemorySegment fprog = a.allocate(16, 8);       // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            fprog.set(ValueLayout.JAVA_SHORT, 0, (short) prog.size());
            fprog.set(ValueLayout.JAVA_LONG, 8, filter.address());
            long s = (long) SYSCALL.invokeExact(state, SYS_SECCOMP, (long) SECCOMP_SET_MODE_FILTER,
                    (long) SECCOMP_FILTER_FLAG_TSYNC, fprog.address());
            if (s != 0) throw new HostException("seccomp(SECCOMP_SET_MODE_FILTER) failed: " + (s > 0
                    ? "thread " + s + " could not be synchronised" : "errno " + errno(state)));
        } catch (HostException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private static int errno(MemorySegment state) {
        return state.get(ValueLayout.JAVA_INT, java.lang.foreign.Linker.Option.captureStateLayout()
                .byteOffset(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno")));
    }
}
