package ctxlab.emu;

import ctxlab.emu.Machine.InstructionHook;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A benchmark, not a test: prints the cost of calls, hooks and register access on the real engine.
 * Run: {@code scripts/bench-emu} (or java -cp target/classes:target/test-classes:… ctxlab.emu.MachinePerf).
 */
public final class MachinePerf {

    static final long CODE = 0x1000, STACK = 0x10000, STACK_TOP = 0x20000;

    /** 16 x add %rsi,%rax; ret = 17 instructions, straight line. */
    static byte[] snippet() {
        byte[] b = new byte[16 * 3 + 1];
        for (int i = 0; i < 16; i++) {
            b[3 * i] = 0x48;
            b[3 * i + 1] = 0x01;
            b[3 * i + 2] = (byte) 0xf0;
        }
        b[48] = (byte) 0xc3;
        return b;
    }

    static Machine machine(Consumer<Machine> setup) {
        Machine m = Machine.x86_64();
        setup.accept(m);
        m.map(CODE, 0x1000, UcConst.UC_PROT_ALL);
        m.map(STACK, STACK_TOP - STACK, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        m.write(CODE, snippet());
        return m;
    }

    static double nsPerCall(Machine m, Duration timeout) {
        int warm = 10_000, n = 50_000;
        for (int i = 0; i < warm; i++) m.call(CODE, STACK_TOP, 1000, timeout, i, 1);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) m.call(CODE, STACK_TOP, 1000, timeout, i, 1);
        return (System.nanoTime() - t0) / (double) n;
    }

    public static void main(String[] args) {
        long t0 = System.nanoTime();
        Machine first = Machine.x86_64();
        first.map(CODE, 0x1000, UcConst.UC_PROT_ALL);
        System.out.printf("[emu perf] Machine.x86_64()+map: %.1f ms%n", (System.nanoTime() - t0) / 1e6);
        first.close();
        t0 = System.nanoTime();
        for (int i = 0; i < 10; i++) machine(m -> {}).close();
        System.out.printf("[emu perf] Machine.x86_64()+2 maps+write+close (warm): %.1f ms%n",
                (System.nanoTime() - t0) / 1e7);

        long[] sink = {0};
        InstructionHook h = (a, s) -> sink[0] += a;
        for (int round = 1; round <= 2; round++) {
            try (Machine m = machine(x -> x.countInstructions(false))) {
                System.out.printf("[emu perf] round %d: call, 17 insns, no code hook (countInstructions(false)): %.0f ns%n",
                        round, nsPerCall(m, null));
            }
            try (Machine m = machine(x -> {})) {
                System.out.printf("[emu perf] round %d: call, 17 insns, counting code hook (default): %.0f ns%n",
                        round, nsPerCall(m, null));
            }
            try (Machine m = machine(x -> {})) {
                System.out.printf("[emu perf] round %d: call, 17 insns, counting + 5 s timeout (default call): %.0f ns%n",
                        round, nsPerCall(m, Duration.ofSeconds(5)));
            }
            try (Machine m = machine(x -> x.onInstruction(h))) {
                System.out.printf("[emu perf] round %d: call, 17 insns, counting + one Java instruction hook: %.0f ns%n",
                        round, nsPerCall(m, null));
            }
            try (Machine m = machine(x -> x.onMemoryWrite((pc, a, s, v) -> sink[0] += v))) {
                System.out.printf("[emu perf] round %d: call, 17 insns, counting + memory-write hook (no writes): %.0f ns%n",
                        round, nsPerCall(m, null));
            }
        }
        for (boolean count : new boolean[] {false, true}) {
            try (Machine m = machine(x -> x.countInstructions(count))) {
                m.write(CODE + 0x100, new byte[] {(byte) 0xeb, (byte) 0xfe});
                long budget = 1_000_000;
                for (int i = 0; i < 2; i++) {
                    t0 = System.nanoTime();
                    try {
                        m.call(CODE + 0x100, STACK_TOP, budget, null);
                    } catch (EmulationException expected) {
                        // budget exhausted
                    }
                }
                System.out.printf("[emu perf] tight loop, counting=%s: %.1f ns per instruction%n", count,
                        (System.nanoTime() - t0) / (double) budget);
            }
        }

        try (Machine m = machine(x -> {})) {
            m.call(CODE, STACK_TOP, 1, 2); // started: writes to executable pages now invalidate
            int n = 1_000_000;
            long acc = 0;
            for (int i = 0; i < n; i++) acc += m.get(Reg.RAX);
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) acc += m.get(Reg.RAX);
            double single = (System.nanoTime() - t0) / (double) n;
            Reg[] regs = {Reg.RBX, Reg.RBP, Reg.RSP, Reg.R12, Reg.R13, Reg.R14, Reg.R15, Reg.RIP,
                Reg.MXCSR, Reg.FPCW, Reg.RFLAGS, Reg.RAX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI};
            for (int i = 0; i < n / 10; i++) acc += m.get(regs)[0];
            t0 = System.nanoTime();
            for (int i = 0; i < n / 10; i++) acc += m.get(regs)[0];
            double batch = (System.nanoTime() - t0) / (double) (n / 10);
            t0 = System.nanoTime();
            for (int i = 0; i < n / 10; i++) for (Reg r : regs) acc += m.get(r);
            double loop = (System.nanoTime() - t0) / (double) (n / 10);
            for (int i = 0; i < n; i++) m.set(Reg.RAX, i);
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) m.set(Reg.RAX, i);
            double set = (System.nanoTime() - t0) / (double) n;
            System.out.printf("[emu perf] get(Reg): %.0f ns; set(Reg): %.0f ns; 16 x get(Reg): %.0f ns;"
                    + " get(16 regs) batch: %.0f ns (%d)%n", single, set, loop, batch, acc & 1);
            for (int i = 0; i < n; i++) m.writeLong(STACK, i);
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) m.writeLong(STACK, i);
            double wData = (System.nanoTime() - t0) / (double) n;
            t0 = System.nanoTime();
            for (int i = 0; i < n / 10; i++) m.writeLong(CODE + 0x800, i);
            double wCode = (System.nanoTime() - t0) / (double) (n / 10);
            System.out.printf("[emu perf] writeLong to data: %.0f ns; to an executable page (invalidation): %.0f ns%n",
                    wData, wCode);
        }
    }
}
