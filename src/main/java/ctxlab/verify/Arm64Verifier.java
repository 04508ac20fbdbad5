package ctxlab.verify;

import static ctxlab.verify.Arm64Trial.LE;

import ctxlab.abi.Arm64Layout;
import ctxlab.abi.Arm64MakeContext;
import ctxlab.abi.Memory;
import ctxlab.asm.Assembly;
import ctxlab.emu.Arm64Machine;
import ctxlab.emu.Arm64Reg;
import ctxlab.emu.EmulationException;
import ctxlab.emu.EmulationException.Kind;
import ctxlab.emu.UcConst;
import ctxlab.verify.Arm64Report.Violation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks an AArch64 context-switch routine {@code NAME(x0 = save, x1 = restore)} against AAPCS64 and
 * the Cem AArch64 context layout ({@link Arm64Layout}) by emulating it from random machine states
 * ({@link Arm64Trial}); the properties are {@link Arm64Property}.
 *
 * <p>Each iteration makes two switches: A -> B (B a random context, or every fourth time a fresh
 * one from {@link Arm64MakeContext}), then B -> A, which must land at A's return address with A's
 * registers. One machine serves the whole run; an instruction hook checks sp's alignment before
 * every instruction and records the pcs, a write hook checks every store against the save context.
 * When a property fails for the first time the state is replayed with a register snapshot per
 * instruction, to name the instruction to blame.
 *
 * <p>FPCR: the Cem AArch64 context holds it (AAPCS64 makes its mode fields preserved across calls).
 * A routine that never mentions FPCR is taken to be the design document's 168-byte choice: FPCR is
 * then left out of the properties and reported as the warning finding {@value #FPCR_FINDING} (a
 * strand's rounding mode leaks to the others, and a fresh strand inherits its creator's).
 */
public final class Arm64Verifier implements AutoCloseable {
    public static final long CODE_BASE = 0x40_0000L;
    public static final int BUDGET = 1000;
    public static final String DEFAULT_SYMBOL = "cem_swapcontext";
    public static final int DEFAULT_ITERATIONS = 2000;
    public static final String FPCR_FINDING = "fpcr-not-switched";

    /*
     * Arrival: every switch runs until LANDING. The return addresses are pads holding `b LANDING`;
     * the instruction hook sees which pad ran first, so no register is spent on telling them apart.
     */
    static final long PADS = 0x5e5e_0000_0000L, LANDING = PADS, RESUME = PADS + 0x100, CALLER_RETURN = PADS + 0x200;
    static final long B_RETURN = 0x5b5b_0000_0000L;
    static final long ZONE_BASE = 0x7ffd_e000_0000L, ZONE_STRIDE = 0x4000L, ZONE_SIZE = 0x2000L;

    static final Arm64Reg[] SET;
    /** Observed after a switch: x19-x29, x30, sp, d8-d15, FPCR. */
    static final Arm64Reg[] OBS = {Arm64Reg.X19, Arm64Reg.X20, Arm64Reg.X21, Arm64Reg.X22, Arm64Reg.X23,
            Arm64Reg.X24, Arm64Reg.X25, Arm64Reg.X26, Arm64Reg.X27, Arm64Reg.X28, Arm64Reg.X29, Arm64Reg.X30,
            Arm64Reg.SP, Arm64Reg.D8, Arm64Reg.D9, Arm64Reg.D10, Arm64Reg.D11, Arm64Reg.D12, Arm64Reg.D13,
            Arm64Reg.D14, Arm64Reg.D15, Arm64Reg.FPCR};
    static final int O_X30 = 11, O_SP = 12, O_D8 = 13, O_FPCR = 21;
    static final String[] NAMES = {"x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29",
            "x30", "sp", "d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15", "fpcr"};
    /** The context slot of each observed register. */
    static final Arm64Layout.Slot[] SLOT = Arm64Layout.Slot.values();
    static final int MAX_WRITES = 256;
    private static final Pattern MENTIONS_FPCR = Pattern.compile("(?i)\\bfpcr\\b");

    static {
        List<Arm64Reg> s = new ArrayList<>();
        for (int i = 0; i <= 30; i++) s.add(Arm64Reg.x(i));
        s.add(Arm64Reg.SP);
        for (int i = 0; i < 32; i++) s.add(Arm64Reg.d(i));
        s.add(Arm64Reg.FPCR);
        s.add(Arm64Reg.NZCV);
        SET = s.toArray(new Arm64Reg[0]);
    }

    private final Assembly assembly;
    private final String file, symbol;
    private final long entry, codeStart, codeEnd;
    private final int codeSize, instructionCount;
    private final boolean switchesFpcr;
    private final Arm64Machine machine;
    private final Memory memory;

    public Arm64Verifier(Assembly assembly, String file, String symbol) {
        this.assembly = assembly;
        this.file = file;
        this.symbol = symbol;
        long[] extent = assembly.extent(symbol);
        if (extent[1] <= extent[0]) throw new IllegalArgumentException(file + ": symbol '" + symbol + "' has no code after it");
        this.entry = assembly.base() + extent[0];
        this.codeSize = (int) (extent[1] - extent[0]);
        List<Assembly.Line> lines = assembly.linesOf(symbol);
        this.instructionCount = (int) lines.stream().filter(Assembly.Line::instruction).count();
        this.switchesFpcr = lines.stream().anyMatch(l -> l.instruction() && MENTIONS_FPCR.matcher(l.text()).find());
        this.codeStart = assembly.base();
        this.codeEnd = codeStart + pages(assembly.size());
        if ((codeStart & 0xFFF) != 0 || codeEnd > 0x1_0000_0000L) {
            throw new IllegalArgumentException("code must be assembled at a page-aligned base below 4 GiB (got " + hex(codeStart) + ")");
        }
        Arm64Machine m = Arm64Machine.create();
        try {
            // Zero bytes after the code are `udf #0`: running off the end faults there.
            byte[] image = Arrays.copyOf(assembly.code(), (int) (codeEnd - codeStart));
            m.map(codeStart, codeEnd - codeStart, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(codeStart, image);
            m.map(PADS, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            byte[] pads = new byte[0x1000];
            for (long pad : new long[] {RESUME, CALLER_RETURN}) {
                int at = (int) (pad - PADS);
                int b = 0x1400_0000 | (int) (((LANDING - pad) >> 2) & 0x03FF_FFFF);   // b LANDING
                Arm64Trial.LE.set(pads, at, (long) b & 0xFFFF_FFFFL);
            }
            m.write(PADS, pads);
            for (int z = 0; z < Arm64Trial.ZONES; z++) {
                m.map(ZONE_BASE + z * ZONE_STRIDE, ZONE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            }
            m.onInstruction(this::onInstruction);
            m.onMemoryWrite(this::onWrite);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        this.machine = m;
        this.memory = new Memory() {
            @Override public void writeLong(long a, long v) { machine.writeLong(a, v); }
            @Override public long readLong(long a) { return machine.readLong(a); }
            @Override public void writeInt(long a, int v) { machine.writeInt(a, v); }
            @Override public int readInt(long a) { return machine.readInt(a); }
        };
    }

    private static long pages(long size) {
        return Math.max(0x1000, (size + 0xFFF) & -0x1000L);
    }

    public int codeSize() {
        return codeSize;
    }

    public int instructionCount() {
        return instructionCount;
    }

    public boolean switchesFpcr() {
        return switchesFpcr;
    }

    // ------------------------------------------------------------------ hooks

    /** What the hooks saw during one switch. */
    private static final class Recording {
        final long[] pcs = new long[BUDGET + 16];
        int pcCount;
        final long[] wPc = new long[MAX_WRITES], wAddr = new long[MAX_WRITES];
        final int[] wSize = new int[MAX_WRITES];
        int wCount;
        long lo, hi;
        boolean badWrite;
        long badPc, badAddr;
        int badSize;
        boolean misaligned;
        long misPc, misSp;
        long arrival;               // first pad executed, or -1
        boolean tracing;
        final List<long[]> snaps = new ArrayList<>();

        void reset(long save, boolean trace) {
            pcCount = 0;
            wCount = 0;
            lo = save;
            hi = save + Arm64Layout.SIZE;
            badWrite = false;
            misaligned = false;
            arrival = -1;
            tracing = trace;
            snaps.clear();
        }

        long lastPc() {
            for (int i = Math.min(pcCount, pcs.length) - 1; i >= 0; i--) if (!isPad(pcs[i])) return pcs[i];
            return -1;
        }

        long executed() {
            long n = 0;
            for (int i = Math.min(pcCount, pcs.length) - 1; i >= 0; i--) if (!isPad(pcs[i])) n++;
            return n;
        }

        long lastWriteTo(long lo, long hi) {
            for (int i = Math.min(wCount, MAX_WRITES) - 1; i >= 0; i--) {
                if (wAddr[i] < hi && wAddr[i] + wSize[i] > lo) return wPc[i];
            }
            return -1;
        }
    }

    private final Recording rec1 = new Recording(), rec2 = new Recording();
    private Recording current = rec1;

    private void onInstruction(long pc, int size) {
        Recording r = current;
        int n = r.pcCount++;
        if (n < r.pcs.length) r.pcs[n] = pc;
        if (isPad(pc) && r.arrival < 0) r.arrival = pc;
        if (!r.misaligned) {
            long sp = machine.get(Arm64Reg.SP);
            if ((sp & 15) != 0) {
                r.misaligned = true;
                r.misPc = pc;
                r.misSp = sp;
            }
        }
        if (r.tracing) r.snaps.add(machine.get(OBS));
    }

    private void onWrite(long pc, long address, int size, long value) {
        Recording r = current;
        int n = r.wCount++;
        if (n < MAX_WRITES) {
            r.wPc[n] = pc;
            r.wAddr[n] = address;
            r.wSize[n] = size;
        }
        if (!r.badWrite && !(address >= r.lo && address + size <= r.hi)) {
            r.badWrite = true;
            r.badPc = pc;
            r.badAddr = address;
            r.badSize = size;
        }
    }

    private static boolean isPad(long pc) {
        return pc >= PADS && pc < PADS + 0x1000;
    }

    // ------------------------------------------------------------------ running

    public Arm64Report run(int iterations, long seed) {
        return run(iterations, seed, false);
    }

    /** @param stopAtFirst stop after the first state that violates a property (mutation testing) */
    public Arm64Report run(int iterations, long seed, boolean stopAtFirst) {
        if (iterations <= 0) throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        Map<Arm64Property, Violation> first = new EnumMap<>(Arm64Property.class);
        Map<Arm64Property, Long> evaluations = new EnumMap<>(Arm64Property.class);
        for (Arm64Property p : Arm64Property.values()) evaluations.put(p, 0L);
        String fpcrLeak = null;
        long leaks = 0, roundTrips = 0, switches = 0, minExec = Long.MAX_VALUE, maxExec = -1;
        int fresh = 0, done = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            Arm64Trial t = trial(seed, i);
            Outcome o = execute(t, seed, false);
            done++;
            if (t.fresh) fresh++;
            for (Arm64Property p : o.evaluated) evaluations.merge(p, 1L, Long::sum);
            switches += o.switches;
            for (int k = 0; k < o.arrivals; k++) {
                minExec = Math.min(minExec, o.executed[k]);
                maxExec = Math.max(maxExec, o.executed[k]);
            }
            if (o.roundTrip) roundTrips++;
            if (o.fpcrLeak != null) {
                leaks++;
                if (fpcrLeak == null) fpcrLeak = o.fpcrLeak;
            }
            if (o.problems.keySet().stream().anyMatch(p -> !first.containsKey(p))) {
                Outcome traced = execute(t, seed, true);
                for (Map<Arm64Property, Problem> m : List.of(traced.problems, o.problems)) {
                    m.forEach((p, pr) -> first.putIfAbsent(p, new Violation(p, pr.detail, pr.line, t.iteration, pr.text())));
                }
                if (stopAtFirst) break;
            }
        }
        long nanos = System.nanoTime() - t0;
        List<Finding> findings = new ArrayList<>();
        if (!switchesFpcr) {
            findings.add(new Finding(FPCR_FINDING, Finding.Severity.WARNING, "the routine never reads or writes FPCR"
                    + " (the 168-byte layout): AAPCS64 makes FPCR's mode fields (rounding, FZ, DN, AHP) preserved across"
                    + " calls, so one strand's rounding mode leaks into the others and a fresh strand inherits its"
                    + " creator's instead of the default 0" + (fpcrLeak == null ? "" : "; observed: " + fpcrLeak + " ("
                    + leaks + " of " + roundTrips + " round trips)") + ". The Cem AArch64 context keeps FPCR at 0xa8."));
        }
        String executed = maxExec < 0 ? "no switch arrived"
                : (minExec == maxExec ? Long.toString(minExec) : minExec + "-" + maxExec) + " executed per switch";
        findings.add(new Finding(Finding.CODE_SIZE, Finding.Severity.INFO, codeSize + " bytes, " + instructionCount
                + " instructions; " + executed));
        return new Arm64Report(file, symbol, seed, done, new ArrayList<>(first.values()), findings, evaluations, fresh,
                codeSize, instructionCount, maxExec < 0 ? -1 : minExec, maxExec, switches, nanos, switchesFpcr);
    }

    static Arm64Trial trial(long seed, int i) {
        return new Arm64Trial(seed, i, ZONE_BASE, ZONE_STRIDE, ZONE_SIZE, RESUME);
    }

    private static final class Outcome {
        final Map<Arm64Property, Problem> problems = new EnumMap<>(Arm64Property.class);
        final List<Arm64Property> evaluated = new ArrayList<>(16);
        final long[] executed = new long[2];
        int arrivals, switches;
        boolean roundTrip;
        String fpcrLeak;

        void problem(Problem p) {
            problems.putIfAbsent(p.property, p);
        }
    }

    /** One switch: where everything is and what must happen. */
    private record Frame(int number, Arm64Trial trial, long seed, long save, long restore, long entrySp, long resume,
                         long returnAddress) {
        String header() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("seed %d, iteration %d, switch %d of 2 (%s)%s%n", seed, trial.iteration, number,
                    number == 1 ? "A -> B" : "B -> A", number == 1 && trial.fresh ? ", B fresh from makecontext" : ""));
            sb.append(String.format("  call(save=x0=%s, restore=x1=%s) with sp=%s, lr=%s; must resume at %s%n",
                    hex(save), hex(restore), hex(entrySp), hex(returnAddress), hex(resume)));
            return sb.toString();
        }
    }

    private static final class Problem {
        final Arm64Property property;
        final Frame frame;
        String detail, line;
        final List<String> rows = new ArrayList<>();

        Problem(Arm64Property property, Frame frame) {
            this.property = property;
            this.frame = frame;
        }

        String text() {
            StringBuilder sb = new StringBuilder(frame.header());
            for (String r : rows) sb.append("  ").append(r).append('\n');
            sb.append("  offending instruction: ").append(line != null ? line : "unknown").append('\n');
            return sb.toString();
        }
    }

    private Outcome execute(Arm64Trial t, long seed, boolean trace) {
        Outcome o = new Outcome();
        machine.write(t.save, t.saveFill);
        machine.write(t.save2, t.save2Fill);
        byte[] restoreBytes;
        if (t.fresh) {
            Map<Arm64Layout.Slot, Long> presets = new EnumMap<>(Arm64Layout.Slot.class);
            for (int k = 0; k < 10; k++) presets.put(Arm64Layout.CALLEE_SAVED_X[k], t.presets[k]);
            for (int k = 0; k < 8; k++) presets.put(Arm64Layout.CALLEE_SAVED_D[k], t.presets[10 + k]);
            Arm64MakeContext.make(memory, t.restore, t.stackBase, t.stackSize, RESUME, presets);
            restoreBytes = machine.read(t.restore, Arm64Layout.SIZE);
        } else {
            restoreBytes = t.restoreBytes;
            machine.write(t.restore, restoreBytes);
        }
        machine.set(SET, state(t.ax, t.ad, t.afpcr, t.anzcv, t.save, t.restore, CALLER_RETURN, t.entrySp));
        Frame f1 = new Frame(1, t, seed, t.save, t.restore, t.entrySp, RESUME, CALLER_RETURN);
        long[] after1 = runSwitch(rec1, f1, trace, o);
        if (after1 == null) return o;
        byte[] saved = machine.read(t.save, Arm64Layout.SIZE);
        long[] entryA = observed(t.ax, t.ad, t.afpcr, CALLER_RETURN, t.entrySp);
        checkArrival(o, rec1, f1, after1, entryA, restoreBytes, saved);
        if (t.fresh) checkMakeContext(o, rec1, f1, after1);

        // B switches back to A from a frame below where it resumed, with its own register values.
        machine.set(SET, state(t.bx, t.bd, t.bfpcr, t.bnzcv,
                t.save2, t.save, B_RETURN, t.sp2));
        Frame f2 = new Frame(2, t, seed, t.save2, t.save, t.sp2, CALLER_RETURN, B_RETURN);
        long[] after2 = runSwitch(rec2, f2, trace, o);
        o.evaluated.add(Arm64Property.ROUNDTRIP);
        if (after2 == null) return o;
        byte[] saved2 = machine.read(t.save2, Arm64Layout.SIZE);
        checkArrival(o, rec2, f2, after2, observed(t.bx, t.bd, t.bfpcr, B_RETURN, t.sp2), saved, saved2);
        checkRoundTrip(o, rec2, f2, after2, entryA, saved);
        o.roundTrip = true;
        if (!switchesFpcr && after2[O_FPCR] != t.afpcr) {
            o.fpcrLeak = String.format("A set FPCR %s, B switched back with %s, A resumed with %s (seed %d, iteration %d)",
                    hex(t.afpcr), hex(t.bfpcr), hex(after2[O_FPCR]), seed, t.iteration);
        }
        return o;
    }

    /** The register file for {@link #SET}: x0 = save, x1 = restore, lr, sp. */
    private static long[] state(long[] x, long[] d, long fpcr, long nzcv, long save, long restore, long lr, long sp) {
        long[] v = new long[SET.length];
        System.arraycopy(x, 0, v, 0, 31);
        v[0] = save;
        v[1] = restore;
        v[30] = lr;
        v[31] = sp;
        System.arraycopy(d, 0, v, 32, 32);
        v[64] = fpcr;
        v[65] = nzcv;
        return v;
    }

    /** A register file in {@link #OBS} order. */
    private static long[] observed(long[] x, long[] d, long fpcr, long lr, long sp) {
        long[] v = new long[OBS.length];
        System.arraycopy(x, 19, v, 0, 11);
        v[O_X30] = lr;
        v[O_SP] = sp;
        System.arraycopy(d, 8, v, O_D8, 8);
        v[O_FPCR] = fpcr;
        return v;
    }

    /** Runs one switch; the observed registers on arrival, or null when it did not arrive. */
    private long[] runSwitch(Recording rec, Frame f, boolean trace, Outcome o) {
        current = rec;
        rec.reset(f.save, trace);
        EmulationException fault = null;
        o.switches++;
        try {
            machine.run(entry, LANDING, BUDGET + 1);
        } catch (EmulationException e) {
            fault = e;
        }
        long[] after = machine.get(OBS);
        o.evaluated.add(Arm64Property.MEMORY);
        o.evaluated.add(Arm64Property.TERMINATION);
        o.evaluated.add(Arm64Property.ALIGNMENT);
        if (rec.badWrite) o.problem(memoryProblem(f, rec.badPc, rec.badAddr, rec.badSize));
        if (rec.misaligned) {
            Problem p = new Problem(Arm64Property.ALIGNMENT, f);
            p.detail = "sp = " + hex(rec.misSp) + " (" + (rec.misSp & 15) + " mod 16) before " + describeOr(rec.misPc);
            p.line = describe(isPad(rec.misPc) ? rec.lastPc() : previous(rec, rec.misPc));
            p.rows.add("AAPCS64: sp mod 16 = 0 at every instruction (a misaligned sp-based access faults when checking is on)");
            o.problem(p);
        }
        Arm64Property wrong = f.number == 1 ? Arm64Property.RESUME : Arm64Property.ROUNDTRIP;
        if (fault == null) {
            if (rec.arrival == f.resume) {
                o.executed[o.arrivals++] = rec.executed();
                return after;
            }
            o.evaluated.add(wrong);
            long target = rec.arrival >= 0 ? rec.arrival : LANDING;
            o.problem(wrongTarget(wrong, rec, f, after, target));
            return null;
        }
        Kind k = fault.kind();
        if (k == Kind.UNMAPPED_WRITE || k == Kind.WRITE_PROT) {
            if (!rec.badWrite) o.problem(memoryProblem(f, fault.pc(), fault.address(), 0));
        } else if (k == Kind.UNMAPPED_FETCH || k == Kind.FETCH_PROT) {
            o.evaluated.add(wrong);
            o.problem(wrongTarget(wrong, rec, f, after, fault.address()));
        } else {
            o.problem(terminationProblem(rec, f, fault));
        }
        return null;
    }

    /** The instruction executed before {@code pc} (the one that left sp misaligned). */
    private long previous(Recording rec, long pc) {
        for (int i = Math.min(rec.pcCount, rec.pcs.length) - 1; i > 0; i--) if (rec.pcs[i] == pc) return rec.pcs[i - 1];
        return pc;
    }

    // ------------------------------------------------------------------ checks

    private void checkArrival(Outcome o, Recording rec, Frame f, long[] after, long[] entryRegs, byte[] restoreCtx,
                              byte[] saveCtx) {
        o.evaluated.add(Arm64Property.RESUME);
        o.evaluated.add(Arm64Property.RESTORE);
        o.evaluated.add(Arm64Property.DREGS);
        o.evaluated.add(Arm64Property.SAVE);
        Problem restore = new Problem(Arm64Property.RESTORE, f), dregs = new Problem(Arm64Property.DREGS, f);
        int n = switchesFpcr ? OBS.length : OBS.length - 1;
        for (int k = 0; k < n; k++) {
            long want = (long) LE.get(restoreCtx, SLOT[k].offset);
            // FPCR keeps only its implemented fields (msr ignores the rest): compare the mode fields a
            // context can carry. A save that stored garbage there is the save property's business.
            if (k == O_FPCR ? ((after[k] ^ want) & Arm64Trial.FPCR_MODES) != 0 : after[k] != want) {
                Problem p = k >= O_D8 && k < O_FPCR ? dregs : restore;
                diff(p, NAMES[k], entryRegs[k], want, after[k], NAMES[k] + " = " + hex(after[k]) + " on arrival, but restore->"
                        + NAMES[k] + " (" + hex2(SLOT[k].offset) + ") = " + hex(want), blameRegister(rec, after, k));
            }
        }
        if (restore.detail != null) o.problem(restore);
        if (dregs.detail != null) o.problem(dregs);
        Problem save = new Problem(Arm64Property.SAVE, f);
        for (int k = 0; k < n; k++) {
            long got = (long) LE.get(saveCtx, SLOT[k].offset);
            if (got != entryRegs[k]) {
                long slot = f.save + SLOT[k].offset;
                long pc = rec.lastWriteTo(slot, slot + 8);
                diff(save, "save->" + NAMES[k], entryRegs[k], entryRegs[k], got, "save->" + NAMES[k] + " ("
                        + hex2(SLOT[k].offset) + ") = " + hex(got) + ", but " + NAMES[k] + " was " + hex(entryRegs[k])
                        + " at entry", pc < 0 ? "(no instruction wrote save->" + NAMES[k] + ")" : describe(pc));
            }
        }
        if (save.detail != null) o.problem(save);
    }

    private void checkMakeContext(Outcome o, Recording rec, Frame f, long[] after) {
        o.evaluated.add(Arm64Property.MAKECONTEXT);
        Problem p = new Problem(Arm64Property.MAKECONTEXT, f);
        if ((after[O_SP] & 15) != 0) {
            diff(p, "sp", f.entrySp, after[O_SP] & ~15L, after[O_SP], "the fresh context's entry was reached with sp = "
                    + hex(after[O_SP]) + " (" + (after[O_SP] & 15) + " mod 16, AAPCS64 requires 0)", describe(rec.lastPc()));
        }
        if (switchesFpcr && after[O_FPCR] != Arm64MakeContext.DEFAULT_FPCR) {
            diff(p, "fpcr", f.trial.afpcr, 0, after[O_FPCR], "the fresh context's entry was reached with FPCR = "
                    + hex(after[O_FPCR]) + ", expected the default 0", blameRegister(rec, after, O_FPCR));
        }
        if (p.detail != null) o.problem(p);
    }

    private void checkRoundTrip(Outcome o, Recording rec, Frame f, long[] after, long[] a, byte[] saved) {
        Problem p = new Problem(Arm64Property.ROUNDTRIP, f);
        int n = switchesFpcr ? OBS.length : OBS.length - 1;
        for (int k = 0; k < n; k++) {
            if (k == O_X30) continue;     // lr is the arrival address, checked by arriving at all
            if (after[k] != a[k]) {
                long slot = (long) LE.get(saved, SLOT[k].offset);
                String line = slot != a[k]
                        ? blameSlot(rec1, f.restore + SLOT[k].offset, NAMES[k])
                        : blameRegister(rec, after, k);
                diff(p, NAMES[k], a[k], a[k], after[k], "A got back " + NAMES[k] + " = " + hex(after[k]) + " instead of its own "
                        + hex(a[k]) + (slot != a[k] ? " (its context held " + hex(slot) + ")" : ""), line);
            }
        }
        if (p.detail != null) o.problem(p);
    }

    // ------------------------------------------------------------------ problems

    private Problem memoryProblem(Frame f, long pc, long address, int size) {
        Problem p = new Problem(Arm64Property.MEMORY, f);
        p.detail = "write" + (size > 0 ? " of " + size + (size == 1 ? " byte" : " bytes") : "") + " to " + hex(address)
                + " (" + where(f, address) + ") by " + describeOr(pc);
        p.line = describe(pc);
        p.rows.add(String.format("allowed: the save context [%s, %s)", hex(f.save), hex(f.save + Arm64Layout.SIZE)));
        return p;
    }

    private Problem wrongTarget(Arm64Property property, Recording rec, Frame f, long[] after, long target) {
        Problem p = new Problem(property, f);
        if (f.number == 1 && target == f.returnAddress) {
            p.detail = "it returned to its own caller's lr " + hex(target) + " instead of restore->x30 = " + hex(f.resume);
        } else if (f.number == 2) {
            p.detail = "B -> A did not return to A's caller " + hex(f.resume) + " but went to " + hex(target);
        } else {
            p.detail = "control went to " + hex(target) + " instead of restore->x30 = " + hex(f.resume);
        }
        p.line = describe(rec.lastPc());
        p.rows.add(String.format("x30 = %s, sp = %s when it left", hex(after[O_X30]), hex(after[O_SP])));
        return p;
    }

    private Problem terminationProblem(Recording rec, Frame f, EmulationException e) {
        Problem p = new Problem(Arm64Property.TERMINATION, f);
        long last = rec.lastPc();
        boolean offTheEnd = e.pc() >= codeStart + assembly.size() && e.pc() < codeEnd;
        long pc = switch (e.kind()) {
            case UNMAPPED_READ, READ_PROT, CPU_EXCEPTION, INVALID_INSN -> inCode(e.pc()) && !offTheEnd ? e.pc() : last;
            default -> last;
        };
        String at = describeOr(pc);
        p.detail = switch (e.kind()) {
            case BUDGET_EXHAUSTED -> "did not reach the resume address within " + BUDGET + " instructions (last: " + at + ")";
            case UNMAPPED_READ, READ_PROT -> "read of unmapped memory at " + hex(e.address()) + " (" + where(f, e.address())
                    + ") by " + at;
            case CPU_EXCEPTION, INVALID_INSN -> offTheEnd ? "ran off the end of the code after " + at
                    + " (into the udf padding at " + hex(e.pc()) + ")" : "CPU exception (undefined instruction, brk, svc, ...) at " + at;
            default -> e.getMessage() + " (last: " + at + ")";
        };
        p.line = describe(pc);
        return p;
    }

    private boolean inCode(long a) {
        return a >= codeStart && a < codeEnd;
    }

    private static void diff(Problem p, String name, long before, long expected, long actual, String detail, String line) {
        boolean note = line != null && line.startsWith("(");
        if (p.detail == null) {
            p.detail = note ? detail + " " + line : detail;
            p.line = note ? null : line;
        }
        p.rows.add(String.format("%-12s before %-18s expected %-18s got %-18s  <-- %s", name, hex(before), hex(expected),
                hex(actual), line == null ? "differs" : line));
    }

    /** The last instruction after which observed register {@code idx} changed (only when tracing). */
    private String blameRegister(Recording rec, long[] after, int idx) {
        if (!rec.tracing) return null;
        int n = Math.min(rec.snaps.size(), Math.min(rec.pcCount, rec.pcs.length));
        for (int k = n - 1; k >= 0; k--) {
            long[] before = rec.snaps.get(k);
            long[] next = k + 1 < n ? rec.snaps.get(k + 1) : after;
            if (before[idx] != next[idx] && !isPad(rec.pcs[k])) return describe(rec.pcs[k]);
        }
        return "(no instruction wrote " + NAMES[idx] + ")";
    }

    private String blameSlot(Recording rec, long address, String slot) {
        long pc = rec.lastWriteTo(address, address + 8);
        return pc < 0 ? "(no instruction wrote save->" + slot + " in switch 1)" : describe(pc);
    }

    private String where(Frame f, long a) {
        if (a >= f.save && a < f.save + Arm64Layout.SIZE) return "save context + " + hex2(a - f.save);
        if (a >= f.restore && a < f.restore + Arm64Layout.SIZE) {
            long off = a - f.restore;
            return "restore context + " + hex2(off) + Arm64Layout.Slot.at(off).map(s -> " = restore->" + s.label()).orElse("");
        }
        if (a >= f.save + Arm64Layout.SIZE && a < f.save + Arm64Layout.SIZE + 512) return "save context + " + hex2(a - f.save)
                + ", past its " + Arm64Layout.SIZE + " bytes";
        if (a < f.save && a >= f.save - 512) return (f.save - a) + " bytes before the save context";
        if (a < f.entrySp && a >= f.entrySp - 4096) return "the caller's stack at sp - " + (f.entrySp - a)
                + " (AAPCS64 has no red zone)";
        if (a >= f.entrySp && a < f.entrySp + 4096) return "the caller's frame at sp + " + (a - f.entrySp);
        if (inCode(a)) return "the code, " + describe(a);
        return "not a context or stack of this switch";
    }

    private String describe(long pc) {
        return pc < 0 ? null : assembly.describe(pc);
    }

    private String describeOr(long pc) {
        return pc < 0 ? "(replay to see the instruction)" : assembly.describe(pc);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String hex2(long v) {
        return String.format("0x%02x", v);
    }

    /** Lower-case ids of the violated properties. */
    public static List<String> ids(Arm64Report r) {
        return r.violations().stream().map(v -> v.property().id().toLowerCase(Locale.ROOT)).toList();
    }

    @Override
    public void close() {
        machine.close();
    }
}
