package ctxlab.selftest;

import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.MakeContext;
import java.util.List;
import java.util.Map;

/** The six scenarios of the Cem runtime's context test suite. */
public final class Scenarios {
    private Scenarios() {}

    /** The strand files the scenarios need, relative to the project root. */
    public static final List<String> STRAND_FILES = List.of(
            "asm/strands/simple.s", "asm/strands/pingpong.s", "asm/strands/chain.s",
            "asm/strands/stack.s", "asm/strands/fp.s");

    public static List<Scenario> all() {
        return List.of(new SimpleSwitch(), new MultipleSwitches(), new ContextToContext(),
                new StackPreservation(), new FloatingPoint(), new StackSizeValidation());
    }

    /** 1. main → strand → main. */
    static final class SimpleSwitch extends Scenario {
        @Override public String name() { return "simple-switch"; }
        @Override public String description() { return "main -> strand -> main"; }

        @Override
        void run(Backend b, Checks c) {
            runSimple(this, b, c, STACK_SIZE);
        }
    }

    static void runSimple(Scenario s, Backend b, Checks c, long stackSize) {
        long block = b.allocate(Scenario.BLOCK_SIZE);
        long marker = 0x0b0b0b0b0b0b0b0bL;
        MakeContext.Prepared p = Scenario.strand(b, block, Scenario.A, "simple_strand", stackSize,
                Map.of(Slot.R12, block, Slot.RBX, marker));
        s.call(b, "simple_main", block);
        c.equal("strand ran", 1, b.readLong(block + 0x100));
        c.equal("strand entry rsp", p.entryRsp(), b.readLong(block + 0x108));
        c.equal("strand entry rsp mod 16", 8, b.readLong(block + 0x108) & 15);
        c.equal("strand entry MXCSR", MakeContext.DEFAULT_MXCSR, b.readInt(block + 0x110));
        c.equal("strand entry rbx (preset by makeContext)", marker, b.readLong(block + 0x118));
        c.equal("main rsp after the round trip", b.readLong(block + 0x1b0), b.readLong(block + 0x1b8));
        c.equal("main MXCSR after the round trip (round up)", 0x5F80, b.readInt(block + 0x1c0));
        Scenario.mainRegistersPreserved(b, block, c, true);
    }

    /** 2. 1000 round trips with a counter. */
    static final class MultipleSwitches extends Scenario {
        static final long ROUNDS = 1000;
        @Override public String name() { return "multiple-switches"; }
        @Override public String description() { return "1000 round trips main <-> strand with a counter"; }

        @Override
        void run(Backend b, Checks c) {
            long block = b.allocate(BLOCK_SIZE);
            strand(b, block, A, "pingpong_strand", STACK_SIZE, Map.of(Slot.R12, block));
            call(b, "pingpong_main", block);
            c.equal("strand counter", ROUNDS, b.readLong(block + 0x100));
            c.equal("rounds where main saw the counter out of step", 0, b.readLong(block + 0x108));
            c.equal("rounds completed by main", ROUNDS, b.readLong(block + 0x110));
            c.equal("strand's rbx count across switches", ROUNDS, b.readLong(block + 0x118));
            mainRegistersPreserved(b, block, c, false);
            c.equal("main r13 (its round counter)", ROUNDS, b.readLong(block + 0x198));
        }
    }

    /** 3. main → A → B → C → main. */
    static final class ContextToContext extends Scenario {
        @Override public String name() { return "context-to-context"; }
        @Override public String description() { return "main -> A -> B -> C -> main, each leaving a mark"; }

        @Override
        void run(Backend b, Checks c) {
            long block = b.allocate(BLOCK_SIZE);
            long[][] chain = {{A, 'A', B}, {B, 'B', C}, {C, 'C', MAIN}};
            for (long[] link : chain) {
                strand(b, block, link[0], "chain_strand", STACK_SIZE, Map.of(
                        Slot.R12, block, Slot.RBX, link[1], Slot.R13, block + link[0], Slot.R14, block + link[2]));
            }
            call(b, "chain_main", block);
            c.equal("number of marks", 4, b.readLong(block + 0x100));
            char[] expected = {'A', 'B', 'C', 'M'};
            for (int i = 0; i < expected.length; i++) {
                c.equal("mark " + (i + 1) + " ('" + expected[i] + "')", expected[i], b.readLong(block + 0x108 + 8L * i));
            }
            mainRegistersPreserved(b, block, c, true);
        }
    }

    /** 4. Values in stack frames survive switches. */
    static final class StackPreservation extends Scenario {
        static final long SEED_A = 0x4141414100000000L, SEED_B = 0x4242424200000000L, SEED_MAIN = 0x4d41494e00000000L;
        @Override public String name() { return "stack-preservation"; }
        @Override public String description() { return "frames of A, B and main survive 6 rounds of switches"; }

        @Override
        void run(Backend b, Checks c) {
            long block = b.allocate(BLOCK_SIZE);
            strand(b, block, A, "stack_strand", STACK_SIZE,
                    Map.of(Slot.R12, block, Slot.RBX, SEED_A, Slot.R13, block + A, Slot.R14, 0x100L));
            strand(b, block, B, "stack_strand", STACK_SIZE,
                    Map.of(Slot.R12, block, Slot.RBX, SEED_B, Slot.R13, block + B, Slot.R14, 0x110L));
            call(b, "stack_main", block);
            c.equal("main rounds", 6, b.readLong(block + 0x120));
            c.equal("A: checks done", 5, b.readLong(block + 0x100));
            c.equal("B: checks done", 5, b.readLong(block + 0x110));
            c.equal("A: slots found changed", 0, b.readLong(block + 0x108));
            c.equal("B: slots found changed", 0, b.readLong(block + 0x118));
            c.equal("main: slots found changed", 0, b.readLong(block + 0x128));
            // And from outside: the frames hold the values now that both strands are suspended.
            long[][] frames = {{b.readLong(block + 0x130), SEED_A}, {b.readLong(block + 0x140), SEED_B}};
            for (long[] f : frames) {
                for (int i = 0; i < 8; i++) {
                    c.equal(String.format("stack slot %d at 0x%x", i, f[0] + 8L * i), f[1] + i, b.readLong(f[0] + 8L * i));
                }
            }
        }
    }

    /** 5. Each strand keeps its MXCSR rounding mode; the x87 control word is observed. */
    static final class FloatingPoint extends Scenario {
        static final double[] INPUTS = {2.5, -2.5, 1.5, -0.5};
        static final long[] DOWN = {2, -3, 1, -1}, UP = {3, -2, 2, 0}, NEAREST = {2, -2, 2, 0};
        static final int MXCSR_DOWN = 0x1F80 | (1 << 13), MXCSR_UP = 0x1F80 | (2 << 13);
        /** MXCSR exception status flags (IE DE ZE OE UE PE). */
        static final int MXCSR_FLAGS = 0x3F;
        static final int X87_SET_BY_A = 0x077F;

        @Override public String name() { return "floating-point"; }
        @Override public String description() { return "A rounds down, B up, main to nearest: each keeps its mode"; }

        @Override
        void run(Backend b, Checks c) {
            long block = b.allocate(BLOCK_SIZE);
            for (int i = 0; i < INPUTS.length; i++) b.writeLong(block + 0x200 + 8L * i, Double.doubleToRawLongBits(INPUTS[i]));
            b.writeInt(block + 0x220, MXCSR_DOWN);
            b.writeInt(block + 0x224, MXCSR_UP);
            strand(b, block, A, "fp_strand", STACK_SIZE, Map.of(Slot.R12, block, Slot.R13, block + A,
                    Slot.R14, 0x240L, Slot.R15, 0x2A0L, Slot.RBX, 1L));
            strand(b, block, B, "fp_strand", STACK_SIZE, Map.of(Slot.R12, block, Slot.R13, block + B,
                    Slot.R14, 0x260L, Slot.R15, 0x2B0L, Slot.RBX, 2L));
            call(b, "fp_main", block);
            for (int i = 0; i < INPUTS.length; i++) {
                c.equal("A (round down) cvtsd2si " + INPUTS[i], DOWN[i], b.readLong(block + 0x240 + 8L * i));
                c.equal("B (round up) cvtsd2si " + INPUTS[i], UP[i], b.readLong(block + 0x260 + 8L * i));
                c.equal("main (nearest) cvtsd2si " + INPUTS[i], NEAREST[i], b.readLong(block + 0x280 + 8L * i));
                // Control bits only: the status flags (bits 0-5) are caller-saved in the psABI, and a
                // real CPU sets PE (0x20) on these inexact conversions where Unicorn 2.0.1 does not.
                c.equal("A's MXCSR at turn " + i, MXCSR_DOWN, b.readInt(block + 0x2A0 + 4L * i) & ~MXCSR_FLAGS);
                c.equal("B's MXCSR at turn " + i, MXCSR_UP, b.readInt(block + 0x2B0 + 4L * i) & ~MXCSR_FLAGS);
            }
            int mainBefore = b.readInt(block + 0x2D0) & 0xFFFF;
            int mainAfterA = b.readInt(block + 0x2C0) & 0xFFFF;
            int bAtEntry = b.readInt(block + 0x2C8) & 0xFFFF;
            // The routine does not switch the x87 control word: A's fldcw leaks to main and B.
            c.equal("x87 control word main sees after A set it (not switched by the routine)", X87_SET_BY_A, mainAfterA);
            c.equal("x87 control word B inherits", X87_SET_BY_A, bAtEntry);
            c.note(String.format("x87 control word is not switched: main had 0x%04x, strand A set 0x%04x,"
                    + " main then saw 0x%04x and strand B started with 0x%04x", mainBefore, X87_SET_BY_A, mainAfterA, bAtEntry));
        }
    }

    /** 6. 4096-byte stacks are accepted (and work); 4095 and 0 are refused. */
    static final class StackSizeValidation extends Scenario {
        @Override public String name() { return "stack-size-validation"; }
        @Override public String description() { return "4096-byte stack accepted and used; 4095 and 0 rejected"; }

        @Override
        void run(Backend b, Checks c) {
            runSimple(this, b, c, MakeContext.MIN_STACK);
            long block = b.allocate(BLOCK_SIZE);
            for (long size : new long[] {MakeContext.MIN_STACK - 1, 0}) {
                try {
                    strand(b, block, A, "simple_strand", size, Map.of(Slot.R12, block));
                    c.that(false, "a stack of " + size + " bytes was accepted");
                } catch (MakeContext.StackTooSmallException e) {
                    c.that(e.getMessage().contains(size + " bytes") && e.getMessage().contains("at least 4096"),
                            "unclear message for " + size + " bytes: " + e.getMessage());
                }
            }
        }
    }
}
