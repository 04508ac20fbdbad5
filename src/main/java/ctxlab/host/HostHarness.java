package ctxlab.host;

import ctxlab.emu.Reg;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The native half of a differential test-vector run ({@code ctxlab vectors --host}): runs a
 * routine once from given registers, on memory mapped at the vector's own addresses, and returns
 * every register it ends with (asm/host/harness.s).
 *
 * <p>How a vector runner uses it: {@link #mapAt} the vector's memory regions at the addresses
 * Unicorn uses and copy the vector's bytes in; write {@link #landing()} wherever the vector has
 * the address that ends the run (Unicorn's {@code Machine.SENTINEL}: the return address at the
 * initial rsp for a call, the resume address on the restored stack for a switch); {@link #run};
 * then compare registers and memory with Unicorn's, reading {@code landing()} back as the
 * sentinel. Only vectors safe on real hardware belong here, and the runner should run them in
 * the crash-isolated child: a vector that faults kills the process.
 */
public final class HostHarness implements AutoCloseable {
    static final long IN = 0x000, IN_MXCSR = 0x080, IN_FPCW = 0x084, TARGET = 0x088, IN_RFLAGS = 0x090;
    static final long OUT = 0x100, OUT_MXCSR = 0x180, OUT_FPCW = 0x184, OUT_RFLAGS = 0x188;
    /**
     * The rflags bits a run starts from: CF PF AF ZF SF DF OF. The others are the system's (IF is
     * always set in user mode, TF would trap, AC would fault on the unaligned contexts vectors use).
     */
    public static final long RFLAGS_LOADED = 0xCD5;
    /** rflags as user code sees them with no status flag set: bit 1 (reserved, always 1) and IF. */
    public static final long RFLAGS_CLEAR = 0x202;
    static final long SYS_ARCH_PRCTL = 158, ARCH_SET_GS = 0x1001, ARCH_GET_GS = 0x1004;

    /** The general registers in the harness block's order (the first 16 of {@link Reg}). */
    public static final List<Reg> GPRS = List.of(Reg.RAX, Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.RBP, Reg.RSP,
            Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15);

    /**
     * Registers going in or coming out: the 16 general ones in {@link #GPRS} order, MXCSR, x87
     * control word, rflags (going in, only {@link #RFLAGS_LOADED} bits count).
     */
    public record Registers(long[] gprs, int mxcsr, int fpcw, long rflags) {
        public Registers {
            if (gprs.length != 16) throw new IllegalArgumentException("16 general registers, not " + gprs.length);
            gprs = gprs.clone();
        }

        /** With no status flag set and DF clear. */
        public Registers(long[] gprs, int mxcsr, int fpcw) {
            this(gprs, mxcsr, fpcw, RFLAGS_CLEAR);
        }

        @Override
        public long[] gprs() {
            return gprs.clone();
        }

        public long get(Reg r) {
            int i = GPRS.indexOf(r);
            if (i < 0) throw new IllegalArgumentException(r + " is not a general register");
            return gprs[i];
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Registers r && Arrays.equals(gprs, r.gprs) && mxcsr == r.mxcsr && fpcw == r.fpcw && rflags == r.rflags;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(gprs) * 31 + mxcsr * 17 + fpcw + Long.hashCode(rflags) * 7;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < 16; i++) b.append(GPRS.get(i).name().toLowerCase()).append(String.format("=0x%x ", gprs[i]));
            return b.append(String.format("mxcsr=0x%x fpcw=0x%x rflags=0x%x", mxcsr, fpcw, rflags)).toString();
        }
    }

    private final MethodHandle harness;
    private final MethodHandle syscall = Libc.LINKER.downcallHandle(Libc.symbol("syscall"),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1));
    private final long landing;
    private final Pages.Region block = Pages.fenced(4096);
    private final List<Pages.Region> mapped = new ArrayList<>();

    public HostHarness(HostCode code) {
        harness = code.function("host_harness", FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG));
        landing = code.address("host_harness_landing");
    }

    /** Where the vector's final return or resume address must point. */
    public long landing() {
        return landing;
    }

    /** Gives a range {@link #mapAt} mapped the vector's protection (UC_PROT_* bits, which are Linux's PROT_* bits). */
    public void protect(long address, long size, int prot) {
        Libc.mprotect(address, Pages.roundUp(size), prot);
    }

    /** Read-write memory at exactly {@code address} (page-aligned), for the vector's memory. */
    public MemorySegment mapAt(long address, long size) {
        if ((address & (Pages.PAGE - 1)) != 0) throw new IllegalArgumentException(String.format("0x%x is not page-aligned", address));
        long usable = Pages.roundUp(size);
        Libc.mmapAt(address, usable, Libc.PROT_READ | Libc.PROT_WRITE);
        mapped.add(new Pages.Region(address, usable, address, usable));
        return HostMemory.ALL.asSlice(address, usable);
    }

    /** Jumps to {@code routine} with the registers {@code in} (its [rsp] is its return address) until it reaches the landing. */
    public Registers run(long routine, Registers in) {
        MemorySegment b = HostMemory.ALL.asSlice(block.base(), block.size());
        long[] g = in.gprs();
        for (int i = 0; i < 16; i++) b.set(ValueLayout.JAVA_LONG, IN + 8L * i, g[i]);
        b.set(ValueLayout.JAVA_INT, IN_MXCSR, in.mxcsr());
        b.set(ValueLayout.JAVA_SHORT, IN_FPCW, (short) in.fpcw());
        b.set(ValueLayout.JAVA_LONG, TARGET, routine);
        b.set(ValueLayout.JAVA_LONG, IN_RFLAGS, in.rflags() & RFLAGS_LOADED);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(8);
            check((long) syscall.invokeExact(SYS_ARCH_PRCTL, ARCH_GET_GS, old.address()), "ARCH_GET_GS");
            check((long) syscall.invokeExact(SYS_ARCH_PRCTL, ARCH_SET_GS, block.base()), "ARCH_SET_GS");
            try {
                harness.invokeExact(block.base());
            } finally {
                check((long) syscall.invokeExact(SYS_ARCH_PRCTL, ARCH_SET_GS, old.get(ValueLayout.JAVA_LONG, 0)), "ARCH_SET_GS");
            }
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        long[] out = new long[16];
        for (int i = 0; i < 16; i++) out[i] = b.get(ValueLayout.JAVA_LONG, OUT + 8L * i);
        return new Registers(out, b.get(ValueLayout.JAVA_INT, OUT_MXCSR), b.get(ValueLayout.JAVA_SHORT, OUT_FPCW) & 0xFFFF,
                b.get(ValueLayout.JAVA_LONG, OUT_RFLAGS));
    }

    private static void check(long r, String what) {
        if (r != 0) throw new HostException("arch_prctl(" + what + ") failed");
    }

    @Override
    public void close() {
        for (Pages.Region r : mapped) r.unmap();
        mapped.clear();
        block.unmap();
    }
}
