package ctxlab.selftest;

import ctxlab.abi.Arm64Layout.Slot;
import ctxlab.abi.Arm64MakeContext;
import ctxlab.abi.MakeContext;
import ctxlab.abi.Memory;
import ctxlab.asm.AssemblyCache;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.emu.Arm64Machine;
import ctxlab.emu.EmulationException;
import ctxlab.emu.UcConst;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The six scenarios of the Cem runtime's context tests for AArch64, in Unicorn, with the strand
 * bodies of {@code asm/strands-arm64/*.s} assembled together with the routine under test. The
 * scenarios are the x86-64 ones ({@link Scenarios}) with AArch64 registers: strands receive
 * their parameters in preset x19-x28 (and d8), FPCR plays MXCSR's part.
 *
 * <p>Scenario block (4 KiB): contexts main 0x000, A 0x0c0, B 0x180, C 0x240; results from 0x400
 * (each strand file's header lists them).
 */
public final class Arm64Selftest {
    public static final long CODE_BASE = 0x40_0000L;
    public static final String SWITCH = "cem_swapcontext";
    public static final List<String> STRAND_FILES = List.of("asm/strands-arm64/simple.s", "asm/strands-arm64/pingpong.s",
            "asm/strands-arm64/chain.s", "asm/strands-arm64/stack.s", "asm/strands-arm64/fp.s");
    static final long MAIN = 0x000, A = 0x0c0, B = 0x180, C = 0x240;
    static final long BLOCK_SIZE = 4096, STACK_SIZE = 64 * 1024;
    static final long HEAP = 0x7f00_0000_0000L;
    static final long BUDGET = 5_000_000;
    static final long FPCR_UP = 0x40_0000L, FPCR_DOWN = 0x80_0000L;

    private Arm64Selftest() {}

    public static List<SourceFile> sources(Path root, Path switchFile, Function<Path, String> display) {
        List<Path> paths = new ArrayList<>();
        paths.add(switchFile);
        for (String s : STRAND_FILES) paths.add(root.resolve(s).normalize());
        List<SourceFile> files = new ArrayList<>();
        for (Path p : paths) files.add(new SourceFile(display.apply(p), SourceFile.read(p).text()));
        return files;
    }

    /** The same with the routine already read (a preprocessed .S, an ELF file's routine as words). */
    public static List<SourceFile> sources(Path root, SourceFile routine, Function<Path, String> display) {
        List<SourceFile> files = new ArrayList<>();
        files.add(routine);
        for (String s : STRAND_FILES) {
            Path p = root.resolve(s).normalize();
            files.add(new SourceFile(display.apply(p), SourceFile.read(p).text()));
        }
        return files;
    }

    /** The routine (checked alone first, so a missing symbol is named as such) and the strand bodies as one unit. */
    public static Assembly assemble(List<SourceFile> sources) {
        AssemblyCache.assembleArm64(List.of(sources.get(0)), CODE_BASE).symbol(SWITCH);
        return AssemblyCache.assembleArm64(sources, CODE_BASE);
    }

    public static List<Outcome> run(Assembly assembly) {
        List<Outcome> out = new ArrayList<>();
        for (Case c : cases()) {
            try (Env env = new Env(assembly)) {
                out.add(c.execute(env));
            }
        }
        return out;
    }

    /** Where a main routine returns to when a {@link Second} engine runs it too (unmapped in Unicorn). */
    public static final long SECOND_RETURN = 0x5e5e_0000_0000L;

    /** A mapped region of a scenario's machine (the code excepted) and its bytes. */
    public record Region(long address, byte[] bytes) {}

    /**
     * A second engine (qemu-aarch64): runs one call of a scenario's main routine, {@code entry(x0)}
     * with sp and lr as given, from the regions as they are just before Unicorn's run of the same
     * call, and returns their bytes after it, in the same order.
     *
     * @throws Backend.ScenarioFault when the call does not return
     */
    public interface Second {
        List<byte[]> call(List<Region> before, long entry, long sp, long lr, long x0);
    }

    /**
     * A scenario run by both engines: {@code outcome}'s checks judge the second engine's results;
     * {@code differences} are the bytes in which they differ from Unicorn's, one line each ({@code
     * compared}: false when the second engine's call did not return, so there was nothing to compare).
     */
    public record Paired(Outcome outcome, List<String> differences, boolean compared) {}

    /** The six scenarios, every main routine call run by Unicorn and by {@code second}. */
    public static List<Paired> run(Assembly assembly, Second second) {
        List<Paired> out = new ArrayList<>();
        for (Case c : cases()) {
            try (Env env = new Env(assembly)) {
                env.second = second;
                out.add(new Paired(c.execute(env), List.copyOf(env.differences), env.compared));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ the emulated environment

    /** One machine per scenario: the code, a heap of guarded allocations, calls with a fresh main stack. */
    static final class Env implements Memory, AutoCloseable {
        final Assembly assembly;
        final Arm64Machine m = Arm64Machine.create();
        final long switchAddress;
        long next = HEAP, switches, last = -1;
        /** Every allocation, for a {@link Second} engine: {address, size}. */
        final List<long[]> regions = new ArrayList<>();
        Second second;
        final List<String> differences = new ArrayList<>();
        /** Whether the second engine's call returned, so that its bytes could be compared. */
        boolean compared;

        Env(Assembly assembly) {
            this.assembly = assembly;
            this.switchAddress = assembly.address(SWITCH);
            long size = Math.max(0x1000, (assembly.size() + 0xFFF) & -0x1000L);
            m.map(CODE_BASE, size, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(CODE_BASE, assembly.code());
            m.onInstruction((pc, s) -> {
                last = pc;
                if (pc == switchAddress) switches++;
            });
        }

        /** Zeroed memory with an unmapped page after it. */
        long allocate(long size) {
            long bytes = Math.max(0x1000, (size + 0xFFF) & -0x1000L);
            long at = next;
            m.map(at, bytes, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            next = at + bytes + 0x1000;
            regions.add(new long[] {at, bytes});
            return at;
        }

        List<Region> snapshot() {
            return regions.stream().map(r -> new Region(r[0], m.read(r[0], (int) r[1]))).toList();
        }

        long symbol(String name) {
            return assembly.address(name);
        }

        /** Calls {@code symbol(block)} on a fresh 64 KiB stack; returns instructions executed. */
        long call(String symbol, long block) {
            long stack = allocate(STACK_SIZE);
            if (second != null) return twice(symbol, block, stack);
            try {
                return m.call(symbol(symbol), stack + STACK_SIZE, BUDGET, block).instructions();
            } catch (EmulationException e) {
                String where = assembly.describe(e.pc());
                throw new Backend.ScenarioFault(switch (e.kind()) {
                    case BUDGET_EXHAUSTED -> "did not return within " + BUDGET + " instructions (last: " + where + ")";
                    case UNMAPPED_FETCH, FETCH_PROT -> "jumped to " + hex(e.address()) + ", which is not code (after "
                            + assembly.describe(last) + ")";
                    default -> e.getMessage() + " at " + where;
                }, e);
            }
        }

        /**
         * The call in Unicorn and in the second engine from the same bytes; the second engine's
         * bytes then replace Unicorn's, so that the scenario's checks judge them.
         */
        private long twice(String symbol, long block, long stack) {
            List<Region> before = snapshot();
            long n = -1;
            String unicornFault = null;
            try {
                // As Arm64Machine.call, with a return address both engines can map (the sentinel
                // lies beyond a 47-bit address space, and main keeps lr on its stack).
                m.set(new ctxlab.emu.Arm64Reg[] {ctxlab.emu.Arm64Reg.X0, ctxlab.emu.Arm64Reg.X30, ctxlab.emu.Arm64Reg.SP},
                        new long[] {block, SECOND_RETURN, stack + STACK_SIZE});
                n = m.run(symbol(symbol), SECOND_RETURN, BUDGET).instructions();
            } catch (EmulationException e) {
                unicornFault = e.getMessage() + " at " + assembly.describe(e.pc());
            }
            List<Region> unicorn = snapshot();
            List<byte[]> other = second.call(before, symbol(symbol), stack + STACK_SIZE, SECOND_RETURN, block);
            compared = true;
            if (unicornFault != null) differences.add("Unicorn: " + unicornFault + "; the second engine returned");
            for (int i = 0; i < unicorn.size(); i++) {
                byte[] u = unicorn.get(i).bytes(), o = other.get(i);
                for (int at = 0; at < u.length; at += 8) {
                    if (!java.util.Arrays.equals(u, at, at + 8, o, at, at + 8) && differences.size() < 20) {
                        differences.add(String.format("0x%x: expected 0x%016x (unicorn), got 0x%016x", unicorn.get(i).address() + at,
                                le(u, at), le(o, at)));
                    }
                }
                m.write(unicorn.get(i).address(), o);
            }
            return n;
        }

        private static long le(byte[] b, int at) {
            long v = 0;
            for (int k = 7; k >= 0; k--) v = v << 8 | (b[at + k] & 0xFF);
            return v;
        }

        Arm64MakeContext.Prepared strand(long block, long context, String entry, long stackSize, Map<Slot, Long> regs) {
            MakeContext.checkStack(stackSize);
            long stack = allocate(stackSize);
            return Arm64MakeContext.make(this, block + context, stack, stackSize, symbol(entry), regs);
        }

        @Override public void writeLong(long a, long v) { m.writeLong(a, v); }
        @Override public long readLong(long a) { return m.readLong(a); }
        @Override public void writeInt(long a, int v) { m.writeInt(a, v); }
        @Override public int readInt(long a) { return m.readInt(a); }

        @Override
        public void close() {
            m.close();
        }
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ------------------------------------------------------------------ the scenarios

    abstract static class Case {
        abstract String name();

        abstract void run(Env env, Checks c, long[] instructions);

        Outcome execute(Env env) {
            Checks c = new Checks();
            long[] instructions = {0};
            long t0 = System.nanoTime();
            try {
                run(env, c, instructions);
            } catch (Backend.ScenarioFault e) {
                c.failures.add(e.getMessage());
            } catch (EmulationException e) {
                // A result the checks follow (a frame address) points nowhere: the results are wrong.
                c.failures.add("reading the results: " + e.getMessage());
            }
            return new Outcome(name(), c.failures.isEmpty(), env.switches, instructions[0],
                    Duration.ofNanos(System.nanoTime() - t0), List.copyOf(c.failures), List.copyOf(c.notes));
        }
    }

    static List<Case> cases() {
        return List.of(
                simple("simple-switch", STACK_SIZE),
                new Case() {
                    String name() { return "multiple-switches"; }
                    void run(Env e, Checks c, long[] n) {
                        long block = e.allocate(BLOCK_SIZE);
                        e.strand(block, A, "pingpong_strand", STACK_SIZE, Map.of(Slot.X19, block));
                        n[0] += e.call("pingpong_main", block);
                        c.equal("strand counter", 1000, e.readLong(block + 0x400));
                        c.equal("rounds where main saw the counter out of step", 0, e.readLong(block + 0x408));
                        c.equal("rounds completed by main", 1000, e.readLong(block + 0x410));
                        c.equal("strand's x20 count across switches", 1000, e.readLong(block + 0x418));
                        mainRegisters(e, block, c, new long[] {block, 0x2020, 1000, 0, 0x2323, 0x2424, 0x2525, 0x2626, 0x2727, 0x2828});
                    }
                },
                new Case() {
                    String name() { return "context-to-context"; }
                    void run(Env e, Checks c, long[] n) {
                        long block = e.allocate(BLOCK_SIZE);
                        long[][] chain = {{A, 'A', B}, {B, 'B', C}, {C, 'C', MAIN}};
                        for (long[] l : chain) {
                            e.strand(block, l[0], "chain_strand", STACK_SIZE, Map.of(Slot.X19, block, Slot.X20, l[1],
                                    Slot.X21, block + l[0], Slot.X22, block + l[2]));
                        }
                        n[0] += e.call("chain_main", block);
                        c.equal("number of marks", 4, e.readLong(block + 0x400));
                        char[] want = {'A', 'B', 'C', 'M'};
                        for (int i = 0; i < 4; i++) c.equal("mark " + (i + 1) + " ('" + want[i] + "')", want[i], e.readLong(block + 0x408 + 8L * i));
                        mainRegisters(e, block, c, new long[] {block, 0x2020, 0x2121, 0x2222, 0x2323, 0x2424, 0x2525, 0x2626, 0x2727, 0x2828});
                    }
                },
                new Case() {
                    static final long SEED_A = 0x4141_4141_0000_0000L, SEED_B = 0x4242_4242_0000_0000L;
                    String name() { return "stack-preservation"; }
                    void run(Env e, Checks c, long[] n) {
                        long block = e.allocate(BLOCK_SIZE);
                        e.strand(block, A, "stack_strand", STACK_SIZE, Map.of(Slot.X19, block, Slot.X20, SEED_A,
                                Slot.X21, block + A, Slot.X22, 0x400L, Slot.X23, block + B, Slot.X24, 0x440L));
                        e.strand(block, B, "stack_strand", STACK_SIZE, Map.of(Slot.X19, block, Slot.X20, SEED_B,
                                Slot.X21, block + B, Slot.X22, 0x410L, Slot.X23, block + MAIN, Slot.X24, 0x450L));
                        n[0] += e.call("stack_main", block);
                        c.equal("main rounds", 6, e.readLong(block + 0x420));
                        c.equal("A: checks done", 5, e.readLong(block + 0x400));
                        c.equal("B: checks done", 5, e.readLong(block + 0x410));
                        c.equal("A: slots found changed", 0, e.readLong(block + 0x408));
                        c.equal("B: slots found changed", 0, e.readLong(block + 0x418));
                        c.equal("main: slots found changed", 0, e.readLong(block + 0x428));
                        long[][] frames = {{e.readLong(block + 0x440), SEED_A}, {e.readLong(block + 0x450), SEED_B}};
                        for (long[] f : frames) {
                            c.equal("frame address mod 16", 0, f[0] & 15);
                            for (int i = 0; i < 8; i++) {
                                c.equal(String.format("stack slot %d at 0x%x", i, f[0] + 8L * i), f[1] + i, e.readLong(f[0] + 8L * i));
                            }
                        }
                    }
                },
                new Case() {
                    static final double[] INPUTS = {2.5, -2.5, 1.5, -0.5};
                    static final long[] DOWN = {2, -3, 1, -1}, UP = {3, -2, 2, 0}, NEAREST = {2, -2, 2, 0};
                    String name() { return "floating-point"; }
                    void run(Env e, Checks c, long[] n) {
                        long block = e.allocate(BLOCK_SIZE);
                        for (int i = 0; i < 4; i++) e.writeLong(block + 0x500 + 8L * i, Double.doubleToRawLongBits(INPUTS[i]));
                        e.strand(block, A, "fp_strand", STACK_SIZE, Map.of(Slot.X19, block, Slot.X20, block + A,
                                Slot.X21, 0x540L, Slot.X22, 0x5a0L, Slot.X23, FPCR_DOWN, Slot.X24, block + B));
                        e.strand(block, B, "fp_strand", STACK_SIZE, Map.of(Slot.X19, block, Slot.X20, block + B,
                                Slot.X21, 0x560L, Slot.X22, 0x5c0L, Slot.X23, FPCR_UP, Slot.X24, block + MAIN));
                        n[0] += e.call("fp_main", block);
                        for (int i = 0; i < 4; i++) {
                            c.equal("A (round down) frinti " + INPUTS[i], DOWN[i], e.readLong(block + 0x540 + 8L * i));
                            c.equal("B (round up) frinti " + INPUTS[i], UP[i], e.readLong(block + 0x560 + 8L * i));
                            c.equal("main (nearest) frinti " + INPUTS[i], NEAREST[i], e.readLong(block + 0x580 + 8L * i));
                            c.equal("A's FPCR at turn " + i, FPCR_DOWN, e.readLong(block + 0x5a0 + 8L * i));
                            c.equal("B's FPCR at turn " + i, FPCR_UP, e.readLong(block + 0x5c0 + 8L * i));
                            c.equal("main's FPCR at turn " + i, 0, e.readLong(block + 0x5e0 + 8L * i));
                        }
                    }
                },
                new Case() {
                    final Case simple = simple("stack-size-validation", MakeContext.MIN_STACK);
                    String name() { return "stack-size-validation"; }
                    void run(Env e, Checks c, long[] n) {
                        simple.run(e, c, n);
                        long block = e.allocate(BLOCK_SIZE);
                        for (long size : new long[] {MakeContext.MIN_STACK - 1, 0}) {
                            try {
                                e.strand(block, A, "simple_strand", size, Map.of(Slot.X19, block));
                                c.that(false, "a stack of " + size + " bytes was accepted");
                            } catch (MakeContext.StackTooSmallException ex) {
                                c.that(ex.getMessage().contains(size + " bytes") && ex.getMessage().contains("at least 4096"),
                                        "unclear message for " + size + " bytes: " + ex.getMessage());
                            }
                        }
                    }
                });
    }

    static Case simple(String name, long stackSize) {
        return new Case() {
            String name() { return name; }
            void run(Env e, Checks c, long[] n) {
                long block = e.allocate(BLOCK_SIZE);
                long marker = 0x0b0b_0b0b_0b0b_0b0bL, d8 = Double.doubleToRawLongBits(-0.25);
                Arm64MakeContext.Prepared p = e.strand(block, A, "simple_strand", stackSize,
                        Map.of(Slot.X19, block, Slot.X20, marker, Slot.D8, d8));
                n[0] += e.call("simple_main", block);
                c.equal("strand ran", 1, e.readLong(block + 0x430));
                c.equal("strand entry sp", p.entrySp(), e.readLong(block + 0x410));
                c.equal("strand entry sp mod 16", 0, e.readLong(block + 0x410) & 15);
                c.equal("strand entry FPCR (default)", 0, e.readLong(block + 0x418));
                c.equal("strand entry x20 (preset by makecontext)", marker, e.readLong(block + 0x420));
                c.equal("strand entry d8 (preset by makecontext)", d8, e.readLong(block + 0x428));
                c.equal("main sp after the round trip", e.readLong(block + 0x400), e.readLong(block + 0x408));
                c.equal("main x29 (its frame pointer) after the round trip", e.readLong(block + 0x400), e.readLong(block + 0x4d0));
                c.equal("main FPCR after the round trip (round up)", FPCR_UP, e.readLong(block + 0x4e0));
                c.equal("main d8 after the round trip", Double.doubleToRawLongBits(1.5), e.readLong(block + 0x4d8));
                mainRegisters(e, block, c, new long[] {block, 0x2020, 0x2121, 0x2222, 0x2323, 0x2424, 0x2525, 0x2626, 0x2727, 0x2828});
            }
        };
    }

    /** main's x19-x28 stored at block+0x480 after its switches. */
    static void mainRegisters(Env e, long block, Checks c, long[] want) {
        for (int i = 0; i < 10; i++) c.equal("main x" + (19 + i) + " after switching", want[i], e.readLong(block + 0x480 + 8L * i));
    }
}
