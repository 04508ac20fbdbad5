package ctxlab.selftest;

import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.MakeContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One test of the Cem runtime's {@code test_context} suite. Its machine code lives in
 * {@code asm/strands/NAME.s}; the Java side lays out the scenario block (see
 * {@code asm/strands/README.md}), builds strand contexts with {@link MakeContext}, calls the
 * scenario's main routine and checks the results left in memory.
 */
public abstract class Scenario {
    /** Offsets in the scenario block: the four contexts. */
    static final long MAIN = 0x000, A = 0x040, B = 0x080, C = 0x0C0;
    static final long BLOCK_SIZE = 4096;
    static final long STACK_SIZE = 64 * 1024;

    /** Values the *_main routines load into their callee-saved registers before switching. */
    static final long MAIN_RBX = 0x1111111111111111L, MAIN_RBP = 0x5555555555555555L,
            MAIN_R13 = 0x3333333333333333L, MAIN_R14 = 0x4444444444444444L, MAIN_R15 = 0x6666666666666666L;

    private long instructions;
    private long switches;

    public abstract String name();

    public abstract String description();

    /** Runs the scenario; everything it finds wrong goes into {@code checks}. */
    abstract void run(Backend backend, Checks checks);

    public final Outcome execute(Backend backend) {
        instructions = 0;
        switches = 0;
        Checks checks = new Checks();
        long start = System.nanoTime();
        try {
            run(backend, checks);
        } catch (Backend.ScenarioFault e) {
            checks.failures.add(e.getMessage());
        }
        Duration time = Duration.ofNanos(System.nanoTime() - start);
        return new Outcome(name(), checks.failures.isEmpty(), switches, instructions, time,
                List.copyOf(checks.failures), List.copyOf(checks.notes));
    }

    /** Calls a routine and adds up what it cost. */
    final void call(Backend backend, String symbol, long... args) {
        Backend.Run run = backend.call(symbol, args);
        instructions = instructions < 0 || run.instructions() < 0 ? -1 : instructions + run.instructions();
        switches = switches < 0 || run.switches() < 0 ? -1 : switches + run.switches();
    }

    /** A new strand in the context at {@code block + context}, on a stack of its own. */
    static MakeContext.Prepared strand(Backend backend, long block, long context, String entry,
                                       long stackSize, Map<Slot, Long> registers) {
        MakeContext.checkStack(stackSize);
        long stack = backend.allocate(stackSize);
        return MakeContext.make(backend, block + context, stack, stackSize, backend.symbol(entry), registers, 0);
    }

    /** Main's callee-saved registers, stored at block+0x180 by every *_main after its switches. */
    static void mainRegistersPreserved(Backend backend, long block, Checks checks, boolean r13Counts) {
        checks.equal("main rbx after switching", MAIN_RBX, backend.readLong(block + 0x180));
        checks.equal("main rbp after switching", MAIN_RBP, backend.readLong(block + 0x188));
        checks.equal("main r12 after switching", block, backend.readLong(block + 0x190));
        if (r13Counts) checks.equal("main r13 after switching", MAIN_R13, backend.readLong(block + 0x198));
        checks.equal("main r14 after switching", MAIN_R14, backend.readLong(block + 0x1a0));
        checks.equal("main r15 after switching", MAIN_R15, backend.readLong(block + 0x1a8));
    }
}
