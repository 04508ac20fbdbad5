package ctxlab.verify;

import ctxlab.abi.ContextLayout;
import ctxlab.abi.MakeContext;
import ctxlab.abi.Memory;
import ctxlab.asm.Assembly;
import ctxlab.emu.EmulationException;
import ctxlab.emu.EmulationException.Kind;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a context-switch routine against the System V ABI and the Cem context layout by
 * emulating {@code call NAME(save, restore)} from random machine states (see {@link Property}).
 *
 * <p>Each iteration ({@link Trial}) makes two switches: A -> B (B either a random context or a fresh
 * one from {@code makeContext}), then B -> A, which must land back at A's caller. Two machines
 * serve a whole run, each set up once (code, landing pads and memory zones mapped, hooks installed
 * before the first run), so that an iteration only rewrites the words and registers it randomises:
 * <ul>
 * <li>the fast machine has only a write hook, which checks every store (even one that rewrites the
 *     value already there) against the allowed ranges; it runs almost every state;</li>
 * <li>the traced machine also has an instruction hook that records each pc and a register snapshot
 *     before each instruction. It runs every {@value #TRACE_EVERY}-th state (for the instruction
 *     counts and the CET finding) and replays any state where a property fails for the first time,
 *     to name the instruction to blame. A Java upcall per instruction would otherwise double the
 *     cost of every state.</li>
 * </ul>
 *
 * <p>Not thread-safe; confined to the thread that created it (as its machine is).
 */
public final class Verifier implements Checker {
    /** Where the code is assembled and mapped. */
    public static final long CODE_BASE = 0x40_0000L;
    /** Instructions one switch may execute before it counts as not terminating. */
    public static final int BUDGET = 1000;
    public static final String DEFAULT_SYMBOL = "cem_swapcontext";
    public static final int DEFAULT_ITERATIONS = 2000;

    /*
     * Arrival. Every switch runs until one fixed address, LANDING: Unicorn retranslates its code
     * whenever `until` changes between runs (measured: two translations per switch, 2-3x slower).
     * The return addresses are distinct landing pads, `movabs $tag, %r11; jmp LANDING`: r11 (caller-
     * saved, so no property looks at it) then tells which pad the routine went to, with no
     * per-instruction hook needed.
     */
    static final long PADS = 0x5e5e_0000_0000L;
    static final long LANDING = PADS;
    /** B's resume address (or a fresh context's entry). */
    static final long RESUME = PADS + 0x100;
    /** A's caller: where the B -> A switch must arrive. */
    static final long CALLER_RETURN = PADS + 0x200;
    static final long TAG = 0x7a67_0000_0000_0000L;
    /** B's own return address when it switches back (unmapped: a correct routine never goes there). */
    static final long B_RETURN = 0x5b5b_0000_0000L;
    /** Where a fresh strand's entry function would return to (unmapped). */
    static final long EXIT = 0x5e71_0000_0000L;
    /**
     * Contexts and stacks live above 4 GiB, where real stacks are (0x7ff...): a 32-bit move of a
     * pointer (movl 48(%rsi), %esp) must lose bits.
     */
    static final long ZONE_BASE = 0x7ffd_e000_0000L, ZONE_STRIDE = 0x4000L, ZONE_SIZE = 0x2000L;

    static final Reg[] GPRS = {Reg.RAX, Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.RBP, Reg.RSP,
            Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15};
    static final int G_RSI = 4, G_RDI = 5, G_RSP = 7, G_FLAGS = 16, G_MXCSR = 17, G_FPCW = 18;
    /** Registers set before a switch: {@link #GPRS}, rflags, MXCSR, FPCW (one batch call). */
    static final Reg[] SET;
    /** Registers read after a switch (one batch call), and traced per instruction when explaining. */
    static final Reg[] OBS = {Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15, Reg.RSP, Reg.RFLAGS,
            Reg.MXCSR, Reg.FPCW, Reg.R11};
    static final int O_RSP = 6, O_FLAGS = 7, O_MXCSR = 8, O_FPCW = 9, O_R11 = 10;
    /** Every {@code TRACE_EVERY}-th state runs on the traced machine (instruction counts, the CET instruction). */
    static final int TRACE_EVERY = 256;
    /** Callee-saved registers in context slot order: their index in {@link #GPRS}. */
    static final int[] CALLEE_GPR = {1, 6, 12, 13, 14, 15};
    static final String[] CALLEE = {"rbx", "rbp", "r12", "r13", "r14", "r15"};
    static final long DF = 1L << 10;
    static final int MAX_WRITES = 256;

    static {
        SET = Arrays.copyOf(GPRS, 19);
        SET[G_FLAGS] = Reg.RFLAGS;
        SET[G_MXCSR] = Reg.MXCSR;
        SET[G_FPCW] = Reg.FPCW;
    }

    private final Assembly assembly;
    private final byte[] code;
    private final String file;
    private final String symbol;
    private final long entry;
    private final long codeStart, codeEnd;   // the mapped code pages
    private final int codeSize;
    private final int instructionCount;
    private final boolean shadowStackAware;
    /** Write hook only: the bulk of the states. Replaced now and then, see {@link #REPLACE_AFTER_FETCHES}. */
    private Machine fast;
    /** Instruction hook too, with a register snapshot per instruction: samples and replays. */
    private Machine traced;
    /** The machine of the current iteration. */
    private Machine machine;
    private final Memory memory = new Memory() {
        @Override public void writeLong(long address, long value) { machine.writeLong(address, value); }
        @Override public long readLong(long address) { return machine.readLong(address); }
        @Override public void writeInt(long address, int value) { machine.writeInt(address, value); }
        @Override public int readInt(long address) { return machine.readInt(address); }
    };
    private final Recording rec1 = new Recording(), rec2 = new Recording();
    private Recording current = rec1;

    /**
     * @param assembly the assembled file (any base; {@link #CODE_BASE} is what the CLI uses)
     * @param file     the file's name as messages should show it
     * @param symbol   the routine; an {@link ctxlab.asm.AsmException} if there is no such symbol
     */
    public Verifier(Assembly assembly, String file, String symbol) {
        this.assembly = assembly;
        this.code = assembly.code();
        this.file = file;
        this.symbol = symbol;
        long[] extent = assembly.extent(symbol);
        if (extent[1] <= extent[0]) {
            throw new IllegalArgumentException(file + ": symbol '" + symbol + "' has no code after it");
        }
        this.entry = assembly.base() + extent[0];
        this.codeSize = (int) (extent[1] - extent[0]);
        List<Assembly.Line> lines = assembly.linesOf(symbol);
        this.instructionCount = (int) lines.stream().filter(Assembly.Line::instruction).count();
        this.shadowStackAware = lines.stream().anyMatch(l -> l.instruction()
                && l.text().strip().toLowerCase(Locale.ROOT).matches("(rdssp|incssp|rstorssp|saveprevssp|setssbsy|clrssbsy|wrss|wruss).*"));
        this.codeStart = assembly.base();
        this.codeEnd = codeStart + Machine.pages(assembly.size());
        if ((codeStart & (Machine.PAGE_SIZE - 1)) != 0 || codeEnd > 0x1_0000_0000L) {
            throw new IllegalArgumentException("code must be assembled at a page-aligned base below 4 GiB (got "
                    + hex(codeStart) + ")");
        }
        this.fast = newMachine(false);
        this.machine = fast;
    }

    /** A machine with the code, the landing pads and the zones mapped, and the hooks installed. */
    private Machine newMachine(boolean withTrace) {
        Machine m = Machine.x86_64();
        try {
            // hlt after the code: a routine that runs off its end stops there instead of executing
            // zero bytes (add %al,(%rax)) and being blamed for a stray write. Calls to undefined
            // symbols stop at named stubs.
            ctxlab.emu.Externals.load(m, assembly);
            m.map(PADS, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            byte[] pads = new byte[(int) Machine.PAGE_SIZE];
            Arrays.fill(pads, (byte) 0xF4);
            for (long pad : new long[] {RESUME, CALLER_RETURN}) {
                int at = (int) (pad - PADS);
                pads[at] = 0x49;                                       // movabs $tag, %r11
                pads[at + 1] = (byte) 0xBB;
                LittleEndian.putLong(pads, at + 2, TAG | pad);
                pads[at + 10] = (byte) 0xE9;                           // jmp rel32 LANDING
                LittleEndian.putInt(pads, at + 11, (int) (LANDING - (pad + 15)));
            }
            m.write(PADS, pads);
            for (int z = 0; z < Trial.ZONES; z++) {
                m.mapData(ZONE_BASE + z * ZONE_STRIDE, ZONE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            }
            if (withTrace) {
                m.onInstruction(this::onInstruction);
            } else {
                // The fast machine needs only the writes outside a switch's save context and red
                // zone (runSwitch sets those windows); the traced one logs every write, to blame.
                m.countInstructions(false);
                m.hookWritesOutsideWindows();
            }
            m.onMemoryWrite(this::onWrite);
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private Machine traced() {
        if (traced == null) traced = newMachine(true);
        return traced;
    }

    /**
     * Unicorn keeps a translation block (~200 bytes) for every run that ends fetching unmapped memory
     * until the engine is closed ({@link Machine#unmappedFetches}): a routine that jumps to a wild
     * address does so in every check, and 300,000 checks grew the process by ~58 MB (1,000,000:
     * ~200 MB). A machine with that many such runs behind it is closed and built afresh, with the same
     * harness: a new engine costs ~20 ms, paid once per 50,000 faulting checks, and memory stays flat.
     */
    static final long REPLACE_AFTER_FETCHES = 50_000;
    private long replaceAfter = REPLACE_AFTER_FETCHES;
    private int replaced;

    /** Tests: replace the machines after fewer faults, to see that nothing else changes. */
    Verifier replaceAfter(long fetches) {
        this.replaceAfter = fetches;
        return this;
    }

    /** How many times a machine was closed and built afresh. */
    int machinesReplaced() {
        return replaced;
    }

    private void renewMachines() {
        if (fast.unmappedFetches() >= replaceAfter) {
            Machine old = fast;
            fast = newMachine(false);
            old.close();
            replaced++;
        }
        if (traced != null && traced.unmappedFetches() >= replaceAfter) {
            traced.close();
            traced = null;   // built again when next needed
            replaced++;
        }
    }

    public int codeSize() {
        return codeSize;
    }

    public int instructionCount() {
        return instructionCount;
    }

    // ------------------------------------------------------------------------------ hooks

    /** What the hooks saw during one switch. Two of them, so that switch 1 is still there to explain switch 2. */
    private static final class Recording extends SwitchLog {
        /** The write log holds every write (traced machine); the fast one sees only writes outside lo/hi. */
        boolean allWrites;
        long lo1, hi1, lo2, hi2;     // allowed write ranges
        boolean bad;                 // first write outside them
        long badPc, badAddr;
        int badSize;

        Recording() {
            super(BUDGET, MAX_WRITES, PADS, Machine.PAGE_SIZE);
        }

        // Fields set one by one, not through a SwitchLog method: this runs twice per check.
        void reset(long save, long entryRsp, boolean trace) {
            allWrites = trace;
            pcCount = 0;
            wCount = 0;
            bad = false;
            lo1 = save;
            hi1 = save + ContextLayout.SIZE;
            lo2 = entryRsp - 128;
            hi2 = entryRsp;
            tracing = trace;
            snaps.clear();
        }

        /** The last instruction executed inside [start, end) (the assembled code), or -1. */
        long lastIn(long start, long end) {
            for (int i = kept() - 1; i >= 0; i--) {
                if (pcs[i] >= start && pcs[i] < end) return pcs[i];
            }
            return -1;
        }
    }

    private void onInstruction(long address, int size) {
        Recording r = current;
        int n = r.pcCount++;
        if (n < r.pcs.length) r.pcs[n] = address;
        if (r.tracing) r.snaps.add(traced.get(OBS));
    }

    private void onWrite(long pc, long address, int size, long value) {
        Recording r = current;
        int n = r.wCount++;
        if (n < MAX_WRITES) {
            r.wPc[n] = pc;
            r.wAddr[n] = address;
            r.wSize[n] = size;
        }
        if (!r.bad && !(within(address, size, r.lo1, r.hi1) || within(address, size, r.lo2, r.hi2))) {
            r.bad = true;
            r.badPc = pc;
            r.badAddr = address;
            r.badSize = size;
        }
    }

    private long lastInstruction(Recording rec) {
        return rec.lastIn(codeStart, codeStart + code.length);
    }

    private static boolean isPad(long pc) {
        return pc >= PADS && pc < PADS + Machine.PAGE_SIZE;
    }

    private static boolean within(long address, int size, long lo, long hi) {
        return address >= lo && address + size <= hi;
    }

    // ------------------------------------------------------------------------------ running

    /** {@link #run(int, long, boolean)} evaluating every iteration. */
    public Report run(int iterations, long seed) {
        return run(iterations, seed, false);
    }

    /**
     * Checks {@code iterations} random states derived from {@code seed}.
     *
     * @param stopAtFirst stop after the first iteration that violates a property (mutation testing)
     */
    public Report run(int iterations, long seed, boolean stopAtFirst) {
        if (iterations <= 0) throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        long t0 = System.nanoTime();
        Tally tally = stripe(iterations, seed, 0, 1, stopAtFirst);
        return report(tally, seed, t0);
    }

    /**
     * {@link #run(int, long)} with the iterations split over {@code threads} threads, each with a
     * Verifier (so a Unicorn engine) of its own: thread k checks iterations k, k + threads, ... and
     * this Verifier is thread 0. Iteration i always checks the state drawn from (seed, i) and samples
     * and replays exactly as alone, and the merge keeps for each property the violation of the lowest
     * iteration: the report is the same whatever the thread count (only the time differs).
     */
    public Report run(int iterations, long seed, int threads) {
        if (iterations <= 0) throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        int n = Stripes.count(threads, iterations);
        if (n == 1) return run(iterations, seed);
        long t0 = System.nanoTime();
        List<Tally> stripes = Stripes.run(threads, iterations, k -> {
            if (k == 0) return stripe(iterations, seed, 0, n, false);
            // A machine is confined to the thread that made it: each worker builds its own Verifier.
            try (Verifier v = new Verifier(assembly, file, symbol)) {
                v.explain = explain;
                v.replaceAfter = replaceAfter;
                return v.stripe(iterations, seed, k, n, false);
            }
        });
        Tally tally = stripes.get(0);
        for (int i = 1; i < stripes.size(); i++) tally.merge(stripes.get(i));
        return report(tally, seed, t0);
    }

    private static final Property[] PROPERTIES = Property.values();

    /** What a run (or one thread's share of it) counted: the shared counts, the x87 and CET findings. */
    private static final class Tally extends StripeTally<Property, Violation> {
        String x87;
        int x87Iteration = Integer.MAX_VALUE, cetIteration = Integer.MAX_VALUE;
        boolean cetSeen;
        long x87Count;
        long cetPc = Long.MIN_VALUE;

        Tally() {
            super(Property.class, Violation::iteration);
        }

        /** Measured on traced runs only (the fast machine does not see instructions). */
        void measured(Outcome o) {
            for (int k = 0; k < o.arrivals; k++) executed(o.executed[k]);
            if (o.cet && o.iteration < cetIteration) {
                cetPc = o.cetPc;
                cetIteration = o.iteration;
            }
        }

        /** Adds another thread's share: sums, extremes, and what the lowest iteration found. */
        void merge(Tally o) {
            super.merge(o);
            if (o.x87 != null && o.x87Iteration < x87Iteration) {
                x87 = o.x87;
                x87Iteration = o.x87Iteration;
            }
            if (o.cetIteration < cetIteration) {
                cetPc = o.cetPc;
                cetIteration = o.cetIteration;
            }
            cetSeen |= o.cetSeen;
            x87Count += o.x87Count;
        }
    }

    /** Iterations {@code start}, {@code start + step}, ... below {@code iterations}, on this Verifier's machines. */
    private Tally stripe(int iterations, long seed, int start, int step, boolean stopAtFirst) {
        Tally y = new Tally();
        for (int i = start; i < iterations; i += step) {
            if (check(y, seed, i) && stopAtFirst) break;
        }
        return y;
    }

    /**
     * Checks iteration {@code i} into the tally; true when it violated a property not seen before.
     * Its own method, not the body of {@link #stripe}'s loop, so that the JIT compiles it once it is
     * hot instead of waiting to replace {@code stripe}'s frame on the stack.
     */
    private boolean check(Tally y, long seed, int i) {
        Trial t = new Trial(seed, i, ZONE_BASE, ZONE_STRIDE, ZONE_SIZE);
        Outcome o = execute(t, seed, explain && i % TRACE_EVERY == 0);
        y.done++;
        if (t.fresh) y.fresh++;
        for (int k = 0; k < o.evaluated.length; k++) y.evaluations[k] += o.evaluated[k];
        y.switches += o.switches;
        if (o.roundTrip) y.roundTrips++;
        if (o.x87) {
            y.x87Count++;
            if (y.x87 == null) {
                y.x87 = x87Finding(t, seed, o.fpcwBack);
                y.x87Iteration = i;
            }
        }
        if (o.cet) y.cetSeen = true;
        boolean newViolation = false;
        for (Property p : o.problems.keySet()) newViolation |= !y.first.containsKey(p);
        if (newViolation) {
            // Replay on the traced machine to name the instruction to blame.
            Outcome traced = o.traced || !explain ? o : execute(t, seed, true);
            y.measured(traced);
            for (Map<Property, Problem> m : List.of(traced.problems, o.problems)) {
                m.forEach((p, pr) -> y.first.putIfAbsent(p, new Violation(p, pr.detail, pr.line, t.iteration, pr.text())));
            }
            return true;
        }
        if (o.traced) y.measured(o);
        return false;
    }

    private Report report(Tally y, long seed, long t0) {
        if (explain && y.cetSeen && y.cetPc == Long.MIN_VALUE) {
            // Stack switches were seen only on the fast machine: trace one to name the instruction.
            for (int i = 0; i < y.done && y.cetPc == Long.MIN_VALUE; i++) {
                y.measured(execute(new Trial(seed, i, ZONE_BASE, ZONE_STRIDE, ZONE_SIZE), seed, true));
            }
        }
        String cet = y.cetSeen ? cetFinding(y.cetPc == Long.MIN_VALUE ? -1 : y.cetPc) : null;
        long nanos = System.nanoTime() - t0;
        List<Finding> findings = new ArrayList<>();
        if (y.x87 != null) {
            findings.add(new Finding(Finding.X87, Finding.Severity.WARNING, y.x87 + " (" + y.x87Count + " of "
                    + y.roundTrips + " round trips). The psABI makes the x87 control word callee-saved;"
                    + " Boost.Context saves it with fnstcw/fldcw, and the spare bytes 0x3c-0x3f would hold it."));
        }
        if (cet != null) findings.add(new Finding(Finding.CET, Finding.Severity.WARNING, cet));
        String executed = y.executedPerSwitch("no traced switch arrived", " (traced sample)");
        findings.add(new Finding(Finding.CODE_SIZE, Finding.Severity.INFO, codeSize + " bytes, "
                + instructionCount + " instructions; " + executed));
        List<Violation> violations = new ArrayList<>(y.first.values());
        return new Report(file, symbol, seed, y.done, violations, findings, y.evaluationCounts(), y.fresh, codeSize,
                instructionCount, y.minExecuted(), y.maxExec, y.switches, nanos);
    }

    private boolean explain = true;

    /**
     * With {@code false}: no traced machine at all, so no instruction counts, no blamed lines and
     * no CET instruction; the verdict is the same. For mass runs such as mutation testing.
     */
    public Verifier explain(boolean explain) {
        this.explain = explain;
        return this;
    }


    /** What one iteration showed. */
    private static final class Outcome {
        final Map<Property, Problem> problems = new EnumMap<>(Property.class);
        /** How often each property was evaluated, by {@link Property#ordinal()}. */
        final int[] evaluated = new int[PROPERTIES.length];

        void evaluate(Property p) {
            evaluated[p.ordinal()]++;
        }
        final long[] executed = new long[2];
        int arrivals, switches;
        boolean roundTrip, traced;
        boolean x87, cet;
        long fpcwBack, cetPc;
        int iteration;

        void problem(Problem p) {
            problems.putIfAbsent(p.property, p);
        }
    }

    /** One switch: where everything is, and what must happen. */
    private record Frame(int number, Trial trial, long seed, long save, long restore, long entryRsp,
                         long restoreRsp, long resume, long returnAddress) {
        String header() {
            Trial t = trial;
            String who = number == 1 ? "A -> B" : "B -> A";
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("seed %d, iteration %d, switch %d of 2 (%s)%s%n", seed, t.iteration, number, who,
                    number == 1 && t.fresh ? ", B fresh from makeContext" : ""));
            sb.append(String.format("  call(save=%s, restore=%s) with rsp=%s ([rsp] = return address %s)%n",
                    hex(save), hex(restore), hex(entryRsp), hex(returnAddress)));
            if (number == 1) {
                sb.append(String.format("  restore.rsp = %s, [restore.rsp] = resume address %s%n", hex(restoreRsp), hex(resume)));
            } else {
                sb.append(String.format("  restore = A's context from switch 1: restore.rsp = %s; A's caller resumes at %s,"
                        + " stored at A's entry rsp %s%n", hex(restoreRsp), hex(resume), hex(t.entryRsp)));
            }
            return sb.toString();
        }
    }

    /** A property failing in one switch, with the differing values and the instruction to blame. */
    private static final class Problem {
        final Property property;
        final Frame frame;
        String detail;
        String line;
        String note;          // why there is no line to blame
        final List<String> rows = new ArrayList<>();

        Problem(Property property, Frame frame) {
            this.property = property;
            this.frame = frame;
        }

        String text() {
            return Counterexample.text(frame.header(), rows, line != null ? line : note != null ? "none " + note : "unknown");
        }
    }

    private Outcome execute(Trial t, long seed, boolean trace) {
        renewMachines();
        machine = trace ? traced() : fast;
        Outcome o = new Outcome();
        o.traced = trace;
        o.iteration = t.iteration;
        machine.write(t.save, t.saveFill);
        machine.write(t.save2, t.save2Fill);
        byte[] restoreBytes;
        if (t.fresh) {
            Map<ContextLayout.Slot, Long> presets = new EnumMap<>(ContextLayout.Slot.class);
            for (int k = 0; k < 6; k++) presets.put(ContextLayout.CALLEE_SAVED[k], t.presets[k]);
            MakeContext.make(memory, t.restore, t.stackBase, t.stackSize, RESUME, presets, EXIT);
            restoreBytes = machine.read(t.restore, ContextLayout.SIZE);
            machine.write(t.restoreRsp - 16, words(t.garbage[0], t.garbage[1]));
        } else {
            restoreBytes = t.restoreBytes;
            machine.write(t.restore, restoreBytes);
            machine.write(t.restoreRsp - 16, words(t.garbage[0], t.garbage[1], RESUME, t.garbage[2]));
        }
        machine.write(t.entryRsp, words(CALLER_RETURN, t.garbage[3]));
        long[] v = t.a.clone();
        v[G_RDI] = t.save;
        v[G_RSI] = t.restore;
        v[G_RSP] = t.entryRsp;
        machine.set(SET, v);

        Frame f1 = new Frame(1, t, seed, t.save, t.restore, t.entryRsp, LittleEndian.getLong(restoreBytes, 0x30), RESUME,
                CALLER_RETURN);
        long[] after1 = runSwitch(rec1, f1, trace, o);
        if (after1 == null) return o;
        byte[] saved = machine.read(t.save, ContextLayout.SIZE);
        checkArrival(o, rec1, f1, after1, t.a, restoreBytes, saved);
        if (t.fresh) checkMakeContext(o, rec1, f1, after1);
        if (!shadowStackAware && after1[O_RSP] != f1.entryRsp + 8) {
            o.cet = true;
            o.cetPc = rec1.lastPc();
        }

        // B switches back to A: from a frame below where it resumed, with its own register values.
        long[] v2 = t.b.clone();
        v2[G_RDI] = t.save2;
        v2[G_RSI] = t.save;
        v2[G_RSP] = t.rsp2;
        machine.writeLong(t.rsp2, B_RETURN);
        machine.set(SET, v2);
        long savedRsp = LittleEndian.getLong(saved, 0x30);
        Frame f2 = new Frame(2, t, seed, t.save2, t.save, t.rsp2, savedRsp, CALLER_RETURN, B_RETURN);
        long[] after2 = runSwitch(rec2, f2, trace, o);
        o.evaluate(Property.ROUNDTRIP);
        if (after2 == null) {
            // A fetch elsewhere was already reported as a round-trip failure by runSwitch.
            return o;
        }
        byte[] saved2 = machine.read(t.save2, ContextLayout.SIZE);
        checkArrival(o, rec2, f2, after2, t.b, saved, saved2);
        checkRoundTrip(o, rec2, f2, after2, t.a, saved);
        o.roundTrip = true;
        if (after2[O_FPCW] != t.a[G_FPCW]) {
            o.x87 = true;
            o.fpcwBack = after2[O_FPCW];
        }
        return o;
    }

    private static String x87Finding(Trial t, long seed, long back) {
        return String.format("x87 control word not preserved: A entered with FPCW %s, B switched back with %s,"
                + " A resumed with %s (seed %d, iteration %d)", hex4(t.a[G_FPCW]), hex4(t.b[G_FPCW]), hex4(back),
                seed, t.iteration);
    }

    /**
     * Runs one switch; returns the registers on arrival, or null (with the problems recorded) when it
     * did not arrive. Memory discipline and termination are evaluated here.
     */
    private long[] runSwitch(Recording rec, Frame f, boolean trace, Outcome o) {
        current = rec;
        rec.reset(f.save, f.entryRsp, trace);
        if (machine == fast) machine.writeWindows(rec.lo1, rec.hi1, rec.lo2, rec.hi2);
        EmulationException fault = null;
        o.switches++;
        try {
            // + 2: the landing pad's movabs and jmp.
            machine.run(entry, LANDING, BUDGET + 2, null);
        } catch (EmulationException e) {
            fault = e;
        }
        long[] after = machine.get(OBS);
        o.evaluate(Property.MEMORY);
        o.evaluate(Property.TERMINATION);
        if (rec.bad) {
            o.problem(memoryProblem(f, rec.badPc, rec.badAddr, rec.badSize));
        }
        Property wrongTarget = f.number == 1 ? Property.RESTORE : Property.ROUNDTRIP;
        if (fault == null) {
            long pad = (after[O_R11] & TAG) == TAG ? after[O_R11] & ~TAG : -1;
            if (pad == f.resume) {
                if (trace) o.executed[o.arrivals++] = rec.executed();
                return after;
            }
            if (wrongTarget == Property.RESTORE) o.evaluate(wrongTarget);
            long target = pad >= 0 ? pad : LANDING;
            o.problem(wrongTarget(wrongTarget, rec, f, after, target, "arrived at " + hex(target)));
            return null;
        }
        Kind k = fault.kind();
        if (k == Kind.UNMAPPED_WRITE || k == Kind.WRITE_PROT) {
            if (!rec.bad) o.problem(memoryProblem(f, fault.pc(), fault.address(), 0));
        } else if (leftTheCode(fault)) {
            if (wrongTarget == Property.RESTORE) o.evaluate(wrongTarget);
            long target = fault.kind() == Kind.OTHER ? fault.pc() : fault.address();
            o.problem(wrongTarget(wrongTarget, rec, f, after, target, fault.getMessage()));
        } else {
            o.problem(terminationProblem(rec, f, fault));
        }
        return null;
    }

    /** Control went somewhere that is not code (fetch fault, or a stop outside the code pages). */
    private boolean leftTheCode(EmulationException e) {
        return e.kind() == Kind.UNMAPPED_FETCH || e.kind() == Kind.FETCH_PROT
                || (e.kind() == Kind.OTHER && !inCode(e.pc() - 1));
    }

    private boolean inCode(long address) {
        return address >= codeStart && address < codeEnd;
    }

    // ------------------------------------------------------------------------------ the checks

    /** Properties 1, 2 and 5 (and MXCSR legality) for a switch that arrived. */
    private void checkArrival(Outcome o, Recording rec, Frame f, long[] after, long[] entryRegs,
                              byte[] restoreCtx, byte[] saveCtx) {
        o.evaluate(Property.RESTORE);
        o.evaluate(Property.SAVE);
        o.evaluate(Property.FLAGS);

        // 1. Restore: registers from the restore context, rsp just above the popped resume address.
        Problem restore = new Problem(Property.RESTORE, f);
        for (int k = 0; k < 6; k++) {
            long want = LittleEndian.getLong(restoreCtx, 8 * k);
            if (after[k] != want) {
                diff(restore, CALLEE[k], entryRegs[CALLEE_GPR[k]], want, after[k],
                        CALLEE[k] + " = " + hex(after[k]) + " on arrival, but restore->" + CALLEE[k] + " = " + hex(want),
                        blameRegister(rec, after, k, "no instruction wrote " + CALLEE[k]));
            }
        }
        long wantRsp = f.restoreRsp + 8;
        if (after[O_RSP] != wantRsp) {
            diff(restore, "rsp", f.entryRsp, wantRsp, after[O_RSP],
                    "rsp = " + hex(after[O_RSP]) + " on arrival, expected restore.rsp + 8 = " + hex(wantRsp),
                    describe(rec.lastPc()));
        }
        long wantMxcsr = Integer.toUnsignedLong(LittleEndian.getInt(restoreCtx, 0x38));
        if (after[O_MXCSR] != wantMxcsr) {
            diff(restore, "mxcsr", entryRegs[G_MXCSR], wantMxcsr, after[O_MXCSR],
                    "MXCSR = " + hex(after[O_MXCSR]) + " on arrival, but restore->mxcsr = " + hex(wantMxcsr),
                    blameRegister(rec, after, O_MXCSR, "no instruction loaded MXCSR"));
        }
        if (restore.detail != null) o.problem(restore);

        // MXCSR bits 16-31 are reserved: ldmxcsr of such a value raises #GP on a real CPU (Unicorn lets it pass).
        if ((after[O_MXCSR] & ~0xFFFFL) != 0) {
            Problem p = new Problem(Property.TERMINATION, f);
            diff(p, "mxcsr", entryRegs[G_MXCSR], after[O_MXCSR] & 0xFFFF, after[O_MXCSR],
                    "MXCSR = " + hex(after[O_MXCSR]) + " has reserved bits 16-31 set: the instruction that loaded it"
                            + " raises #GP on a real CPU", blameRegister(rec, after, O_MXCSR, null));
            o.problem(p);
        }

        // 2. Save: the entry state in the save context.
        Problem save = new Problem(Property.SAVE, f);
        for (int k = 0; k < 6; k++) {
            long want = entryRegs[CALLEE_GPR[k]];
            long got = LittleEndian.getLong(saveCtx, 8 * k);
            if (got != want) {
                diff(save, "save->" + CALLEE[k], want, want, got,
                        "save->" + CALLEE[k] + " (" + hex2(8 * k) + ") = " + hex(got) + ", but " + CALLEE[k]
                                + " was " + hex(want) + " at entry", blameSlot(rec, f.save + 8 * k, 8, "save->" + CALLEE[k]));
            }
        }
        long gotRsp = LittleEndian.getLong(saveCtx, 0x30);
        if (gotRsp != f.entryRsp) {
            diff(save, "save->rsp", f.entryRsp, f.entryRsp, gotRsp,
                    "save->rsp (0x30) = " + hex(gotRsp) + ", but rsp was " + hex(f.entryRsp)
                            + " at entry (pointing at the return address)", blameSlot(rec, f.save + 0x30, 8, "save->rsp"));
        }
        long gotMxcsr = Integer.toUnsignedLong(LittleEndian.getInt(saveCtx, 0x38));
        if (gotMxcsr != entryRegs[G_MXCSR]) {
            diff(save, "save->mxcsr", entryRegs[G_MXCSR], entryRegs[G_MXCSR], gotMxcsr,
                    "save->mxcsr (0x38) = " + hex(gotMxcsr) + ", but MXCSR was " + hex(entryRegs[G_MXCSR]) + " at entry",
                    blameSlot(rec, f.save + 0x38, 4, "save->mxcsr"));
        }
        if (save.detail != null) o.problem(save);

        // 5. Flags: DF clear on arrival.
        if ((after[O_FLAGS] & DF) != 0) {
            Problem p = new Problem(Property.FLAGS, f);
            diff(p, "rflags", entryRegs[G_FLAGS], after[O_FLAGS] & ~DF, after[O_FLAGS],
                    "DF is set on arrival (rflags " + hex(after[O_FLAGS]) + ")",
                    blame(rec.lastWriter(after, O_FLAGS, DF, false), "no instruction set DF"));
            o.problem(p);
        }
    }

    /** 7. A fresh context is entered like a called function: rsp ≡ 8 (mod 16), default MXCSR. */
    private void checkMakeContext(Outcome o, Recording rec, Frame f, long[] after) {
        o.evaluate(Property.MAKECONTEXT);
        Problem p = new Problem(Property.MAKECONTEXT, f);
        if ((after[O_RSP] & 15) != 8) {
            diff(p, "rsp", f.entryRsp, (after[O_RSP] & ~15L) | 8, after[O_RSP],
                    "the fresh context's entry was reached with rsp = " + hex(after[O_RSP]) + " (" + (after[O_RSP] & 15)
                            + " mod 16, a called function expects 8)", describe(rec.lastPc()));
        }
        if (after[O_MXCSR] != MakeContext.DEFAULT_MXCSR) {
            diff(p, "mxcsr", f.trial.a[G_MXCSR], MakeContext.DEFAULT_MXCSR, after[O_MXCSR],
                    "the fresh context's entry was reached with MXCSR = " + hex(after[O_MXCSR]) + ", expected "
                            + hex(MakeContext.DEFAULT_MXCSR), blameRegister(rec, after, O_MXCSR, "no instruction loaded MXCSR"));
        }
        if (p.detail != null) o.problem(p);
    }

    /** 3. Back at A's caller with A's callee-saved registers, rsp + 8 and MXCSR. */
    private void checkRoundTrip(Outcome o, Recording rec, Frame f, long[] after, long[] a, byte[] saved) {
        Problem p = new Problem(Property.ROUNDTRIP, f);
        for (int k = 0; k < 6; k++) {
            long want = a[CALLEE_GPR[k]];
            if (after[k] != want) {
                long slot = LittleEndian.getLong(saved, 8 * k);
                String line = slot != want
                        ? blameSlot(rec1, f.restore + 8 * k, 8, "save->" + CALLEE[k] + " in switch 1")
                        : blameRegister(rec, after, k, "no instruction wrote " + CALLEE[k]);
                diff(p, CALLEE[k], want, want, after[k], "A got back " + CALLEE[k] + " = " + hex(after[k])
                        + " instead of its own " + hex(want) + (slot != want ? " (its context held " + hex(slot) + ")" : ""), line);
            }
        }
        long wantRsp = f.trial.entryRsp + 8;
        if (after[O_RSP] != wantRsp) {
            diff(p, "rsp", f.trial.entryRsp, wantRsp, after[O_RSP], "A got back rsp = " + hex(after[O_RSP])
                    + " instead of " + hex(wantRsp) + " (its entry rsp + 8)", describe(rec.lastPc()));
        }
        if (after[O_MXCSR] != a[G_MXCSR]) {
            diff(p, "mxcsr", a[G_MXCSR], a[G_MXCSR], after[O_MXCSR], "A got back MXCSR = " + hex(after[O_MXCSR])
                    + " instead of its own " + hex(a[G_MXCSR]), blameRegister(rec, after, O_MXCSR, "no instruction loaded MXCSR"));
        }
        if (p.detail != null) o.problem(p);
    }

    /**
     * The switch arrived on another stack (rsp is not the entry rsp + 8) and no shadow-stack
     * instruction was used: {@code pc} is the instruction that transferred control.
     */
    private String cetFinding(long pc) {
        if (pc < 0) {
            return "switches stacks without switching the CET shadow stack: with shadow stacks enabled, the"
                    + " return address popped on the new stack does not match the shadow stack's, which raises #CP";
        }
        if (isRet(pc)) {
            return "returns with ret (" + describe(pc) + ") after switching rsp to the restored stack: the address it"
                    + " pops is not the caller's return address that `call` pushed on the CET shadow stack, so with"
                    + " shadow stacks enabled the CPU raises #CP; a CET-aware switch also switches shadow stacks"
                    + " (rdsspq, rstorssp, saveprevssp)";
        }
        return "switches stacks without switching the CET shadow stack (last instruction " + describe(pc) + "): the"
                + " shadow stack keeps the caller's return address, so the resumed strand's next ret raises #CP"
                + " with shadow stacks enabled";
    }

    private boolean isRet(long pc) {
        if (!inCode(pc) || pc - codeStart >= code.length) return false;
        int i = (int) (pc - codeStart);
        while (i < code.length && (code[i] == (byte) 0xF2 || code[i] == (byte) 0xF3)) i++;  // bnd / rep prefixes
        return i < code.length && (code[i] == (byte) 0xC3 || code[i] == (byte) 0xC2);
    }

    // ------------------------------------------------------------------------------ problems

    private Problem memoryProblem(Frame f, long pc, long address, int size) {
        Problem p = new Problem(Property.MEMORY, f);
        p.detail = "write" + (size > 0 ? " of " + size + (size == 1 ? " byte" : " bytes") : "") + " to " + hex(address) + " (" + where(f, address)
                + ") by " + describe(pc);
        p.line = describe(pc);
        p.rows.add(String.format("allowed: the save context [%s, %s) and the red zone [%s, %s)", hex(f.save),
                hex(f.save + ContextLayout.SIZE), hex(f.entryRsp - 128), hex(f.entryRsp)));
        return p;
    }

    private Problem wrongTarget(Property property, Recording rec, Frame f, long[] after, long target, String how) {
        Problem p = new Problem(property, f);
        String why;
        if (f.number == 1 && target == f.returnAddress) {
            why = "it returned to its own caller's return address " + hex(target) + " instead of the resume address "
                    + hex(f.resume) + " at restore.rsp";
        } else if (f.number == 2) {
            why = "B -> A did not return to A's caller " + hex(f.resume) + " but went to " + hex(target)
                    + " (A's context had rsp = " + hex(f.restoreRsp) + "; A's entry rsp was " + hex(f.trial.entryRsp) + ")";
        } else {
            why = "control went to " + hex(target) + " instead of the resume address " + hex(f.resume)
                    + " stored at restore.rsp = " + hex(f.restoreRsp);
        }
        p.detail = why;
        p.line = describe(rec.lastPc());
        p.rows.add(String.format("rsp = %s when it left (%s)", hex(after[O_RSP]), how));
        return p;
    }

    private Problem terminationProblem(Recording rec, Frame f, EmulationException e) {
        Problem p = new Problem(Property.TERMINATION, f);
        long last = lastInstruction(rec);   // traced runs only; -1 on the fast machine
        boolean offTheEnd = e.kind() == Kind.OTHER && inCode(e.pc() - 1) && e.pc() - 1 >= codeStart + code.length;
        long pc = switch (e.kind()) {
            // Unicorn reports the faulting instruction for these (a privileged or kernel-entering
            // instruction did not execute: the machine puts pc back on it)...
            case UNMAPPED_READ, READ_PROT, INVALID_INSN, PRIVILEGED -> inCode(e.pc()) ? e.pc() : last;
            case EXTERNAL -> e.pc();   // the call or jump to the undefined symbol
            // ... and the address after a trap (int3, hlt), so the trace knows better.
            case CPU_EXCEPTION -> last >= 0 ? last : inCode(e.pc()) ? e.pc() : -1;
            case OTHER -> offTheEnd ? last : last >= 0 ? last : e.pc() - 1;
            default -> last;
        };
        String at = pc < 0 ? "(replay to see the instruction)" : describe(pc);
        p.detail = switch (e.kind()) {
            case BUDGET_EXHAUSTED -> "did not reach the resume address within " + BUDGET + " instructions (last: " + at + ")";
            case UNMAPPED_READ, READ_PROT -> "read of unmapped memory at " + hex(e.address()) + " (" + where(f, e.address())
                    + ") by " + at;
            case INVALID_INSN -> "invalid instruction at " + at;
            case EXTERNAL -> e.getMessage() + ", a symbol the code does not define: the switch leaves its code";
            case PRIVILEGED -> "an instruction user code cannot execute, at " + at + " (" + e.getMessage() + ")";
            case CPU_EXCEPTION -> "CPU exception (trap or fault, e.g. int3, #DE, #GP) raised by " + at;
            case OTHER -> offTheEnd ? "ran off the end of the code after " + at + " (into the hlt padding at "
                    + hex(e.pc() - 1) + ")" : "the CPU halted (hlt) at " + at;
            default -> e.getMessage() + " (last: " + at + ")";
        };
        p.line = pc < 0 ? null : describe(pc);
        return p;
    }

    /**
     * Adds a differing value to the problem; the first one gives the detail and the line.
     * {@code line} is {@code file:line: text}, or a parenthesised note when no instruction is to
     * blame (then the JSON "line" is null and the note goes into the detail).
     */
    private static void diff(Problem p, String name, long before, long expected, long actual, String detail, String line) {
        boolean note = line != null && line.startsWith("(");
        if (!note && before == actual && before != expected && !name.startsWith("save->")) detail += " (unchanged since entry)";
        if (p.detail == null) {
            p.detail = note ? detail + " " + line : detail;
            p.line = note ? null : line;
            p.note = note ? line : null;
        }
        p.rows.add(Counterexample.row(name, before, expected, actual, line));
    }

    /** Names the last instruction that changed register {@code idx} (only when tracing). */
    private String blameRegister(Recording rec, long[] after, int idx, String none) {
        if (!rec.tracing) return null;
        long pc = rec.lastWriter(after, idx, -1L, false);
        return pc < 0 ? (none == null ? null : "(" + none + ")") : describe(pc);
    }

    private String blame(long pc, String none) {
        return pc < 0 ? (none == null ? null : "(" + none + ")") : describe(pc);
    }

    private String blameSlot(Recording rec, long address, int width, String slot) {
        long pc = rec.lastWriteTo(address, address + width);
        if (pc < 0 && !rec.allWrites) return null;   // not logged on the fast machine: unknown
        return pc < 0 ? "(no instruction wrote " + slot + ")" : describe(pc);
    }

    /** Names an address by what lives there in this switch. */
    private String where(Frame f, long a) {
        Trial t = f.trial;
        if (a >= f.save && a < f.save + 64) return "save context + " + hex2(a - f.save);
        if (a >= f.restore && a < f.restore + 64) {
            long off = a - f.restore;
            return "restore context + " + hex2(off) + ContextLayout.Slot.at(off).map(s -> " = restore->" + s.label()).orElse(" (spare)");
        }
        if (a >= f.save + 64 && a < f.save + 64 + 512) return "save context + " + hex2(a - f.save) + ", past its 64 bytes";
        if (a < f.save && a >= f.save - 512) return (f.save - a) + " bytes before the save context";
        if (a >= f.entryRsp && a < f.entryRsp + 8) return "the caller's return address at entry rsp";
        if (a > f.entryRsp && a < f.entryRsp + 512) return "the caller's frame at entry rsp + " + (a - f.entryRsp);
        if (a < f.entryRsp - 128 && a >= f.entryRsp - 4096) return "entry rsp - " + (f.entryRsp - a) + ", below the red zone";
        if (Math.abs(a - f.restoreRsp) < 4096) return "the restore stack at restore.rsp " + (a >= f.restoreRsp ? "+ " : "- ")
                + Math.abs(a - f.restoreRsp);
        long other = f.number == 1 ? t.save2 : t.restore;
        if (a >= other && a < other + 64) return "another context";
        if (inCode(a)) return "the code, " + describe(a);
        return "not a context or stack of this switch";
    }

    private String describe(long pc) {
        return pc < 0 ? null : assembly.describe(pc);
    }

    // ------------------------------------------------------------------------------ helpers

    private static byte[] words(long... w) {
        byte[] b = new byte[8 * w.length];
        for (int i = 0; i < w.length; i++) LittleEndian.putLong(b, 8 * i, w[i]);
        return b;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static String hex2(long v) {
        return String.format("0x%02x", v);
    }

    private static String hex4(long v) {
        return String.format("0x%04x", v);
    }

    @Override
    public void close() {
        try {
            fast.close();
        } finally {
            if (traced != null) traced.close();
        }
    }
}
