package ctxlab.verify;


import ctxlab.abi.Arch;
import ctxlab.abi.Convention;
import ctxlab.abi.Convention.Holds;
import ctxlab.abi.Convention.ResumePc;
import ctxlab.abi.Convention.Role;
import ctxlab.abi.Convention.Slot;
import ctxlab.abi.Convention.StorageKind;
import ctxlab.abi.Convention.Value;
import ctxlab.abi.Conventions;
import ctxlab.abi.FreshLayout;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks an AArch64 context-switch routine against AAPCS64 and an arm64 {@link Convention}: Cem's
 * {@code cem_swapcontext(x0 = save, x1 = restore)} with its 176-byte struct ({@code cem-arm64}, the
 * default), a frame on the suspending stack as Boost.Context's {@code jump_fcontext(to, data)}
 * ({@code boost-fcontext-arm64}), or a user's own file. It emulates the routine from random
 * machine states ({@link Arm64Trial}); the properties are {@link Arm64Property}.
 *
 * <p>Each iteration makes two switches: A -> B (B a random context, or every fourth time a fresh
 * one from the convention's layout or maker routine), then B -> A, which must land at A's return
 * address with A's registers. An instruction hook checks sp's alignment before every instruction
 * and records the pcs, a write hook checks every store against the save storage. When a property
 * fails for the first time the state is replayed with a register snapshot per instruction, to name
 * the instruction to blame. Memory the previous state wrote is zeroed first, so a state is the same
 * on any machine: {@link #run(int, long, int)} splits the states over threads with the same report.
 *
 * <p>FPCR: the Cem AArch64 context holds it (AAPCS64 makes its mode fields preserved across calls).
 * A routine that never mentions FPCR is taken to be the design document's 168-byte choice: a
 * convention's FPCR slot is then left out of the properties and reported as the warning finding
 * {@value #FPCR_FINDING} (a strand's rounding mode leaks to the others, and a fresh strand inherits
 * its creator's).
 */
public final class Arm64Verifier implements AutoCloseable {
    public static final long CODE_BASE = 0x40_0000L;
    /** Where a maker routine from another file (--maker FILE:SYMBOL) is loaded. */
    public static final long MAKER_BASE = ConventionVerifier.MAKER_BASE;
    public static final int BUDGET = 1000;
    public static final long MAKER_BUDGET = 100_000;
    public static final String DEFAULT_SYMBOL = "cem_swapcontext";
    public static final int DEFAULT_ITERATIONS = 2000;
    public static final String FPCR_FINDING = "fpcr-not-switched";
    /** Unicorn keeps memory per run that fetched unmapped memory until uc_close: a fresh engine after this many. */
    static final int REPLACE_AFTER_UNMAPPED_FETCHES = ConventionVerifier.REPLACE_AFTER_UNMAPPED_FETCHES;

    /*
     * Arrival: every switch runs until LANDING. The return addresses are pads holding `b LANDING`;
     * the instruction hook sees which pad ran first, so no register is spent on telling them apart.
     */
    static final long PADS = 0x5e5e_0000_0000L, LANDING = PADS, RESUME = PADS + 0x100, CALLER_RETURN = PADS + 0x200;
    static final long B_RETURN = 0x5b5b_0000_0000L, EXIT = 0x5e71_0000_0000L;
    static final long ZONE_BASE = 0x7ffd_e000_0000L, ZONE_STRIDE = 0x4000L, ZONE_SIZE = 0x2000L;
    /** The maker's own stack: a sixth zone, outside the shuffled five. */
    static final int SCRATCH = Arm64Trial.ZONES, ALL_ZONES = Arm64Trial.ZONES + 1;

    static final Arm64Reg[] SET;
    /** Index into {@link #SET} by {@link Arm64Reg#ordinal()}. */
    private static final int[] SET_AT = new int[Arm64Reg.values().length];
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
        Arrays.fill(SET_AT, -1);
        for (int i = 0; i < SET.length; i++) SET_AT[SET[i].ordinal()] = i;
    }

    private final Convention conv;
    private final Assembly assembly;
    private final String file, symbol;
    private final long entry, codeStart, codeEnd;
    private final int codeSize, instructionCount;
    private final boolean switchesFpcr, frame, hasFresh;
    private final int size;
    private final ConventionVerifier.MakerCode maker;
    private final long makerEntry;
    /** Observed after a switch (and per instruction when tracing): what the convention's checks read. */
    private final Arm64Reg[] obs;
    /** Index into {@link #obs} by {@link Arm64Reg#ordinal()}, -1 when not observed. */
    private final int[] at = new int[Arm64Reg.values().length];
    private final int oSp, oX30, oFpcr;
    /**
     * Per slot (in the convention's order), the {@link #obs} index of the register it holds when
     * restore and save check it (FPCR only when switched; d registers are the dregs property), else -1.
     */
    private final int[] checked;
    private final Slot resumeSlot;
    private Arm64Machine machine;
    private long unmappedFetches;
    /** Per zone, the span written since the last state (zeroed before the next one). */
    private final long[] dirtyLo = new long[ALL_ZONES], dirtyHi = new long[ALL_ZONES];

    /** Cem's AArch64 switch under {@code cem-arm64}, fresh contexts from its layout. */
    public Arm64Verifier(Assembly assembly, String file, String symbol) {
        this(Conventions.byName(Conventions.DEFAULT_ARM64).orElseThrow(), assembly, file, symbol, null);
    }

    /**
     * @param maker the maker to run for fresh contexts; null: the convention's maker if the
     *              assembly defines it, else its declarative layout, else no fresh contexts
     */
    public Arm64Verifier(Convention conv, Assembly assembly, String file, String symbol, ConventionVerifier.MakerCode maker) {
        if (conv.arch() != Arch.ARM64) {
            throw new IllegalArgumentException("convention " + conv.name() + " is for " + conv.arch().id() + " routines, not arm64");
        }
        this.conv = conv;
        this.assembly = assembly;
        this.file = file;
        this.symbol = symbol;
        long[] extent = assembly.extent(symbol);
        if (extent[1] <= extent[0]) throw new IllegalArgumentException(file + ": symbol '" + symbol + "' has no code after it");
        this.entry = assembly.base() + extent[0];
        this.codeSize = (int) (extent[1] - extent[0]);
        List<Assembly.Line> lines = assembly.linesOf(symbol);
        this.instructionCount = (int) lines.stream().filter(Assembly.Line::instruction).count();
        this.switchesFpcr = switchesFpcr(lines);
        this.codeStart = assembly.base();
        this.codeEnd = codeStart + pages(assembly.size());
        if ((codeStart & 0xFFF) != 0 || codeEnd > 0x1_0000_0000L) {
            throw new IllegalArgumentException("code must be assembled at a page-aligned base below 4 GiB (got " + hex(codeStart) + ")");
        }
        this.maker = maker = ConventionVerifier.MakerCode.resolve(conv, assembly, file, maker);
        this.makerEntry = maker == null ? 0 : maker.assembly().address(maker.symbol());
        this.hasFresh = maker != null || (conv.fresh() != null && conv.fresh().layout() != null);
        this.frame = conv.storage().kind() == StorageKind.FRAME;
        this.size = conv.storage().size();
        if (conv.hasArgument(Role.SAVE_HANDLE_AT)) {
            throw new IllegalArgumentException("convention " + conv.name() + ": 'save-handle-at' is not supported for arm64 yet");
        }

        Set<Arm64Reg> o = new LinkedHashSet<>();
        for (Slot s : conv.slots()) {
            if (s.holds() == Holds.FPCR && !switchesFpcr) continue;
            if (s.holdsRegisterValue()) o.add(s.register(Arm64Reg.class));
        }
        o.add(Arm64Reg.X30);
        o.add(Arm64Reg.SP);
        o.addAll(conv.preserved(Arm64Reg.class));
        o.addAll(conv.arrival(Arm64Reg.class).keySet());
        if (conv.fresh() != null) o.addAll(conv.fresh().entry().arguments(Arm64Reg.class).keySet());
        o.add(Arm64Reg.FPCR);
        obs = o.toArray(new Arm64Reg[0]);
        Arrays.fill(at, -1);
        for (int i = 0; i < obs.length; i++) at[obs[i].ordinal()] = i;
        oSp = at[Arm64Reg.SP.ordinal()];
        oX30 = at[Arm64Reg.X30.ordinal()];
        oFpcr = at[Arm64Reg.FPCR.ordinal()];
        checked = new int[conv.slots().size()];
        for (int i = 0; i < checked.length; i++) {
            Slot s = conv.slots().get(i);
            checked[i] = s.holdsRegisterValue() && !(s.holds() == Holds.FPCR && !switchesFpcr) ? at[s.reg().ordinal()] : -1;
        }
        resumeSlot = conv.slotHolding(Holds.RESUME).orElse(null);
        Arrays.fill(dirtyLo, Long.MAX_VALUE);
        this.machine = newMachine();
    }

    private Arm64Machine newMachine() {
        Arm64Machine m = Arm64Machine.create();
        try {
            load(m, assembly);
            if (maker != null && maker.assembly() != assembly) load(m, maker.assembly());
            m.map(PADS, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            byte[] pads = new byte[0x1000];
            for (long pad : new long[] {RESUME, CALLER_RETURN}) {
                int a = (int) (pad - PADS);
                int b = 0x1400_0000 | (int) (((LANDING - pad) >> 2) & 0x03FF_FFFF);   // b LANDING
                LittleEndian.putLong(pads, a, (long) b & 0xFFFF_FFFFL);
            }
            m.write(PADS, pads);
            for (int z = 0; z < ALL_ZONES; z++) {
                m.map(ZONE_BASE + z * ZONE_STRIDE, ZONE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            }
            m.onInstruction(this::onInstruction);
            m.onMemoryWrite(this::onWrite);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** The code, page-padded: zero bytes after it are {@code udf #0}, so running off the end faults there. */
    private static void load(Arm64Machine m, Assembly a) {
        long start = a.base(), end = start + pages(a.size());
        m.map(start, end - start, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
        m.write(start, Arrays.copyOf(a.code(), (int) (end - start)));
    }

    private static long pages(long size) {
        return Math.max(0x1000, (size + 0xFFF) & -0x1000L);
    }

    public Convention convention() {
        return conv;
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

    /** Whether {@code symbol}'s code reads or writes FPCR: when not, its FPCR slot is not judged (the 168-byte choice). */
    public static boolean switchesFpcr(Assembly assembly, String symbol) {
        return switchesFpcr(assembly.linesOf(symbol));
    }

    private static boolean switchesFpcr(List<Assembly.Line> lines) {
        return lines.stream().anyMatch(l -> l.instruction() && MENTIONS_FPCR.matcher(l.text()).find());
    }

    /** Whether fresh contexts are checked, and how: "maker make_fcontext (file)", "layout of cem-arm64", or null. */
    public String freshSource() {
        if (maker != null) return "maker " + maker.symbol() + " (" + maker.file() + ")";
        return hasFresh ? "layout of " + conv.name() : null;
    }

    /** What {@code p} means under {@code c}, in one line (the text output's property table). */
    public static String summary(Arm64Property p, Convention c) {
        String storage = c.storage().kind() == StorageKind.FRAME ? "frame" : "context";
        List<String> x = new ArrayList<>(), d = new ArrayList<>();
        for (Slot s : c.registerSlots()) {
            Arm64Reg r = s.register(Arm64Reg.class);
            (r.name().startsWith("D") ? d : x).add(Arch.name(r));
        }
        return switch (p) {
            case RESTORE -> String.join(", ", x) + " and sp come from the restore " + storage
                    + (c.arrival(Arm64Reg.class).isEmpty() ? "" : "; arrival values " + String.join(", ",
                    c.arrival(Arm64Reg.class).keySet().stream().map(Arch::name).sorted().toList()))
                    + (c.slotHolding(Holds.FPCR).isPresent() ? " (FPCR when the routine switches it)" : "");
            case DREGS -> d.isEmpty() ? "no d registers in the convention" : String.join(", ", d)
                    + " (the low 64 bits of v8-v15) come from the restore " + storage;
            case RESUME -> c.resume().pc() == ResumePc.LR ? "control arrives at the restored lr (restore->x30)"
                    : "control arrives at the restore " + storage + "'s resume slot";
            case SAVE -> "the save " + storage + " holds the entry registers" + (c.slotHolding(Holds.RSP).isPresent() ? ", sp" : "")
                    + (c.slotHolding(Holds.RESUME).map(Slot::savedReturnAddress).orElse(false) ? " and the return address (lr)" : "");
            case ROUNDTRIP -> "A -> B -> A gives A back " + String.join(", ", c.preserved(Arm64Reg.class).stream().map(Arch::name).toList())
                    + " and sp, at its own return address";
            case MEMORY -> "writes only into the " + c.storage().size() + "-byte save " + storage + " (AAPCS64 has no red zone)";
            case ALIGNMENT -> Arm64Property.ALIGNMENT.summary();
            case TERMINATION -> Arm64Property.TERMINATION.summary();
            case MAKECONTEXT -> c.fresh() == null ? "no fresh context described" : "a fresh context's entry sees sp = "
                    + c.fresh().entry().rspMod16() + " (mod 16)" + (c.fresh().entry().controlWords() && c.slotHolding(Holds.FPCR).isPresent()
                    ? " and FPCR 0 (the default)" : "") + (c.fresh().entry().args().isEmpty() ? "" : ", its arguments");
        };
    }

    // ------------------------------------------------------------------ hooks

    /** What the hooks saw during one switch (or one maker call). */
    private static final class Recording extends SwitchLog {
        final long[] lo = new long[4], hi = new long[4];
        int allowed;
        boolean badWrite;
        long badPc, badAddr;
        int badSize;
        boolean checkAlignment = true;
        boolean misaligned;
        long misPc, misSp;
        long arrival;               // first pad executed, or -1

        Recording() {
            super(BUDGET, MAX_WRITES, PADS, 0x1000);
        }

        void reset(boolean trace) {
            pcCount = 0;
            wCount = 0;
            allowed = 0;
            badWrite = false;
            misaligned = false;
            checkAlignment = true;
            arrival = -1;
            tracing = trace;
            snaps.clear();
        }

        void allow(long from, long to) {
            lo[allowed] = from;
            hi[allowed++] = to;
        }
    }

    private final Recording rec1 = new Recording(), rec2 = new Recording(), recMaker = new Recording();
    private Recording current = rec1;

    private void onInstruction(long pc, int size) {
        Recording r = current;
        int n = r.pcCount++;
        if (n < r.pcs.length) r.pcs[n] = pc;
        if (isPad(pc) && r.arrival < 0) r.arrival = pc;
        if (!r.misaligned && r.checkAlignment) {
            long sp = machine.get(Arm64Reg.SP);
            if ((sp & 15) != 0) {
                r.misaligned = true;
                r.misPc = pc;
                r.misSp = sp;
            }
        }
        if (r.tracing) r.snaps.add(machine.get(obs));
    }

    private void onWrite(long pc, long address, int size, long value) {
        dirty(address, size);
        Recording r = current;
        int n = r.wCount++;
        if (n < MAX_WRITES) {
            r.wPc[n] = pc;
            r.wAddr[n] = address;
            r.wSize[n] = size;
        }
        if (r.badWrite) return;
        for (int i = 0; i < r.allowed; i++) if (address >= r.lo[i] && address + size <= r.hi[i]) return;
        r.badWrite = true;
        r.badPc = pc;
        r.badAddr = address;
        r.badSize = size;
    }

    private void dirty(long address, long length) {
        if (address < ZONE_BASE || length <= 0) return;
        int z = (int) ((address - ZONE_BASE) / ZONE_STRIDE);
        if (z >= ALL_ZONES) return;
        long zl = ZONE_BASE + z * ZONE_STRIDE;
        long a = Math.max(address, zl), b = Math.min(address + length, zl + ZONE_SIZE);
        if (a >= b) return;
        dirtyLo[z] = Math.min(dirtyLo[z], a);
        dirtyHi[z] = Math.max(dirtyHi[z], b);
    }

    /** Zeroes what the last state wrote, so nothing of it reaches this one. */
    private void clean() {
        for (int z = 0; z < ALL_ZONES; z++) {
            if (dirtyHi[z] > dirtyLo[z]) machine.write(dirtyLo[z], new byte[(int) (dirtyHi[z] - dirtyLo[z])]);
            dirtyLo[z] = Long.MAX_VALUE;
            dirtyHi[z] = 0;
        }
    }

    private void write(long address, byte[] bytes) {
        machine.write(address, bytes);
        dirty(address, bytes.length);
    }

    private static boolean isPad(long pc) {
        return pc >= PADS && pc < PADS + 0x1000;
    }

    // ------------------------------------------------------------------ running

    public Arm64Report run(int iterations, long seed) {
        return run(iterations, seed, 1);
    }

    /**
     * The iterations split over {@code threads} threads, each with a verifier (so a Unicorn engine)
     * of its own; the report is the same whatever the thread count (only the time differs).
     */
    public Arm64Report run(int iterations, long seed, int threads) {
        if (iterations <= 0) throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        long t0 = System.nanoTime();
        List<Tally> stripes = Stripes.run(threads, iterations, k -> {
            int n = Stripes.count(threads, iterations);
            if (k == 0) return stripe(iterations, seed, 0, n, false);
            try (Arm64Verifier v = new Arm64Verifier(conv, assembly, file, symbol, maker)) {
                return v.stripe(iterations, seed, k, n, false);
            }
        });
        Tally t = stripes.get(0);
        for (int i = 1; i < stripes.size(); i++) t.merge(stripes.get(i));
        return report(t, seed, iterations, System.nanoTime() - t0);
    }

    /** Stops after the first state that violates a property (mutation testing); one thread. */
    public Arm64Report run(int iterations, long seed, boolean stopAtFirst) {
        if (!stopAtFirst) return run(iterations, seed);
        long t0 = System.nanoTime();
        Tally t = stripe(iterations, seed, 0, 1, true);
        return report(t, seed, t.done, System.nanoTime() - t0);
    }

    /** What one stripe found: the shared counts, and the first FPCR leak seen. */
    private static final class Tally extends StripeTally<Arm64Property, Violation> {
        String fpcrLeak;
        int fpcrLeakIteration = Integer.MAX_VALUE;
        long leaks;

        Tally() {
            super(Arm64Property.class, Violation::iteration);
        }

        void merge(Tally o) {
            super.merge(o);
            if (o.fpcrLeakIteration < fpcrLeakIteration) {
                fpcrLeak = o.fpcrLeak;
                fpcrLeakIteration = o.fpcrLeakIteration;
            }
            leaks += o.leaks;
        }
    }

    private Tally stripe(int iterations, long seed, int start, int step, boolean stopAtFirst) {
        Tally tally = new Tally();
        for (int i = start; i < iterations; i += step) {
            if (unmappedFetches >= REPLACE_AFTER_UNMAPPED_FETCHES) {
                machine.close();
                machine = newMachine();
                unmappedFetches = 0;
                Arrays.fill(dirtyLo, Long.MAX_VALUE);
                Arrays.fill(dirtyHi, 0);
            }
            Arm64Trial t = trial(seed, i);
            Outcome o = execute(t, seed, false);
            tally.done++;
            if (t.fresh) tally.fresh++;
            for (Arm64Property p : o.evaluated) tally.evaluations[p.ordinal()]++;
            tally.switches += o.switches;
            for (int k = 0; k < o.arrivals; k++) tally.executed(o.executed[k]);
            if (o.roundTrip) tally.roundTrips++;
            if (o.fpcrLeak != null) {
                tally.leaks++;
                if (tally.fpcrLeak == null) {
                    tally.fpcrLeak = o.fpcrLeak;
                    tally.fpcrLeakIteration = i;
                }
            }
            if (o.problems.keySet().stream().anyMatch(p -> !tally.first.containsKey(p))) {
                Outcome traced = execute(t, seed, true);
                for (Map<Arm64Property, Problem> m : List.of(traced.problems, o.problems)) {
                    m.forEach((p, pr) -> tally.first.putIfAbsent(p, new Violation(p, pr.detail, pr.line, t.iteration, pr.text())));
                }
                if (stopAtFirst) break;
            }
        }
        return tally;
    }

    private Arm64Report report(Tally t, long seed, int iterations, long nanos) {
        List<Finding> findings = new ArrayList<>();
        Slot fpcrSlot = conv.slotHolding(Holds.FPCR).orElse(null);
        if (!switchesFpcr && fpcrSlot != null) {
            findings.add(new Finding(FPCR_FINDING, Finding.Severity.WARNING, "the routine never reads or writes FPCR"
                    + " (the 168-byte layout): AAPCS64 makes FPCR's mode fields (rounding, FZ, DN, AHP) preserved across"
                    + " calls, so one strand's rounding mode leaks into the others and a fresh strand inherits its"
                    + " creator's instead of the default 0" + (t.fpcrLeak == null ? "" : "; observed: " + t.fpcrLeak + " ("
                    + t.leaks + " of " + t.roundTrips + " round trips)") + ". The " + conv.name() + " context keeps FPCR at "
                    + hex(fpcrSlot.offset()) + "."));
        }
        if (!hasFresh) {
            findings.add(new Finding("no-fresh-context", Finding.Severity.INFO, "convention " + conv.name()
                    + " has no declarative layout and no maker routine was found ("
                    + (conv.fresh() != null && conv.fresh().maker() != null ? "no " + conv.fresh().maker().symbol() + " in the file; "
                    + "give one with --maker FILE:SYMBOL" : "none described") + "): makecontext was not checked"));
        }
        String executed = t.executedPerSwitch("no switch arrived", "");
        findings.add(new Finding(Finding.CODE_SIZE, Finding.Severity.INFO, codeSize + " bytes, " + instructionCount
                + " instructions; " + executed));
        List<Violation> violations = new ArrayList<>();
        for (Arm64Property p : Arm64Property.values()) if (t.first.containsKey(p)) violations.add(t.first.get(p));
        return new Arm64Report(file, symbol, seed, iterations, violations, findings, t.evaluationCounts(), t.fresh,
                codeSize, instructionCount, t.minExecuted(), t.maxExec, t.switches, nanos, switchesFpcr);
    }

    Arm64Trial trial(long seed, int i) {
        return new Arm64Trial(seed, i, ZONE_BASE, ZONE_STRIDE, ZONE_SIZE, RESUME, conv, hasFresh);
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
                         long returnAddress, boolean frameStorage) {
        String header() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("seed %d, iteration %d, switch %d of 2 (%s)%s%n", seed, trial.iteration, number,
                    number == 1 ? "A -> B" : "B -> A", number == 1 && trial.fresh ? ", B fresh" : ""));
            if (frameStorage) {
                sb.append(String.format("  call(to=x0=%s) with sp=%s, lr=%s; saves at %s; must resume at %s%n",
                        hex(restore), hex(entrySp), hex(returnAddress), hex(save), hex(resume)));
            } else {
                sb.append(String.format("  call(save=x0=%s, restore=x1=%s) with sp=%s, lr=%s; must resume at %s%n",
                        hex(save), hex(restore), hex(entrySp), hex(returnAddress), hex(resume)));
            }
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
            return Counterexample.text(frame.header(), rows, line != null ? line : "unknown");
        }
    }

    private Outcome execute(Arm64Trial t, long seed, boolean trace) {
        Outcome o = new Outcome();
        clean();
        write(t.save, t.saveFill);
        write(t.save2, t.save2Fill);
        long arg0 = t.presets[0], arg1 = t.presets[1];
        long restore = t.restore;
        byte[] restoreBytes;
        if (t.fresh) {
            Long made = makeFresh(t, seed, arg0, arg1, o);
            if (made == null) return o;
            restore = made;
            restoreBytes = machine.read(restore, size);
        } else {
            restoreBytes = t.restoreBytes;
            write(restore, restoreBytes);
        }
        long[] in1 = state(t.ax, t.ad, t.afpcr, t.anzcv, CALLER_RETURN, t.entrySp);
        arguments(in1, t.save, restore, t.data1);
        machine.set(SET, in1);
        Frame f1 = new Frame(1, t, seed, t.save, restore, t.entrySp, RESUME, CALLER_RETURN, frame);
        long[] after1 = runSwitch(rec1, f1, trace, o);
        if (after1 == null) return o;
        byte[] saved = machine.read(t.save, size);
        long[] entryA = observed(in1);
        long expectSp1 = frame ? restore + size : spSlot(restoreBytes);
        checkArrival(o, rec1, f1, after1, entryA, restoreBytes, saved, expectSp1, t.save, t.data1, arg0, arg1,
                t.fresh && maker != null);
        if (t.fresh) checkMakeContext(o, rec1, f1, after1, t.save, t.data1, arg0, arg1);

        // B switches back to A from a frame below where it resumed, with its own register values.
        long[] in2 = state(t.bx, t.bd, t.bfpcr, t.bnzcv, B_RETURN, t.sp2);
        arguments(in2, t.save2, t.save, t.data2);
        machine.set(SET, in2);
        Frame f2 = new Frame(2, t, seed, t.save2, t.save, t.sp2, CALLER_RETURN, B_RETURN, frame);
        long[] after2 = runSwitch(rec2, f2, trace, o);
        o.evaluated.add(Arm64Property.ROUNDTRIP);
        if (after2 == null) return o;
        byte[] saved2 = machine.read(t.save2, size);
        long expectSp2 = frame ? t.save + size : spSlot(saved);
        checkArrival(o, rec2, f2, after2, observed(in2), saved, saved2, expectSp2, t.save2, t.data2, arg0, arg1, false);
        checkRoundTrip(o, rec2, f2, after2, entryA, saved);
        o.roundTrip = true;
        if (!switchesFpcr && oFpcr >= 0 && conv.slotHolding(Holds.FPCR).isPresent() && after2[oFpcr] != t.afpcr) {
            o.fpcrLeak = String.format("A set FPCR %s, B switched back with %s, A resumed with %s (seed %d, iteration %d)",
                    hex(t.afpcr), hex(t.bfpcr), hex(after2[oFpcr]), seed, t.iteration);
        }
        return o;
    }

    /** The sp a struct convention resumes with: its sp slot (+ rspPlus). */
    private long spSlot(byte[] context) {
        return conv.slotHolding(Holds.RSP).map(s -> LittleEndian.getLong(context, s.offset()) + conv.resume().rspPlus()).orElse(0L);
    }

    /** Sets the convention's argument registers in a {@link #SET} register file. */
    private void arguments(long[] v, long save, long restore, long data) {
        for (var e : conv.arguments(Arm64Reg.class).entrySet()) {
            v[SET_AT[e.getKey().ordinal()]] = switch (e.getValue()) {
                case SAVE -> save;
                case RESTORE -> restore;
                case DATA -> data;
                case SAVE_HANDLE_AT -> 0;
            };
        }
    }

    /** The register file for {@link #SET}: lr, sp; the arguments are set by {@link #arguments}. */
    private static long[] state(long[] x, long[] d, long fpcr, long nzcv, long lr, long sp) {
        long[] v = new long[SET.length];
        System.arraycopy(x, 0, v, 0, 31);
        v[30] = lr;
        v[31] = sp;
        System.arraycopy(d, 0, v, 32, 32);
        v[64] = fpcr;
        v[65] = nzcv;
        return v;
    }

    /** A {@link #SET} register file in {@link #obs} order. */
    private long[] observed(long[] set) {
        long[] v = new long[obs.length];
        for (int i = 0; i < obs.length; i++) v[i] = set[SET_AT[obs[i].ordinal()]];
        return v;
    }

    /** A fresh context for B: its handle, or null with the problem recorded. */
    private Long makeFresh(Arm64Trial t, long seed, long arg0, long arg1, Outcome o) {
        long top = t.stackBase + t.stackSize;
        if (maker == null) {
            var in = new FreshLayout.Inputs(top, RESUME, EXIT, arg0, arg1);
            long anchor = FreshLayout.anchor(conv, in);
            long handle = frame ? anchor : t.restore;
            int words = 8 * conv.fresh().layout().stack().size();
            if (!(frame ? inZones(anchor, size + words) : inZones(anchor - 16, 16 + words)) || !inZones(handle, size)) {
                throw new ctxlab.abi.ConventionException(conv.source(), "the fresh layout puts "
                        + (frame ? "the frame" : "sp") + " at " + hex(anchor) + ", outside the fresh stack (top " + hex(top) + ")");
            }
            return FreshLayout.place(conv, this::write, in, t.restore).handle();
        }
        var mk = conv.fresh().maker();
        List<Arm64Reg> order = List.of(Arm64Reg.X0, Arm64Reg.X1, Arm64Reg.X2, Arm64Reg.X3, Arm64Reg.X4, Arm64Reg.X5,
                Arm64Reg.X6, Arm64Reg.X7);
        long[] args = new long[order.size()];
        int n = 0;
        for (int i = 0; i < order.size(); i++) {
            String what = mk.arguments(Arm64Reg.class).get(order.get(i));
            if (what == null) continue;
            n = i + 1;
            args[i] = switch (what) {
                case "top" -> top;
                case "stack" -> t.stackBase;
                case "size" -> t.stackSize;
                case "entry" -> RESUME;
                default -> t.restore;   // context
            };
        }
        long makerSp = ZONE_BASE + SCRATCH * ZONE_STRIDE + ZONE_SIZE - 64;
        current = recMaker;
        recMaker.reset(false);
        recMaker.checkAlignment = false;
        recMaker.allow(ZONE_BASE + SCRATCH * ZONE_STRIDE, makerSp);
        recMaker.allow(t.stackBase, top);
        if (!frame) recMaker.allow(t.restore, t.restore + size);
        machine.set(Arm64Reg.FPCR, 0);
        Frame f = new Frame(1, t, seed, t.save, t.restore, t.entrySp, RESUME, CALLER_RETURN, frame);
        o.evaluated.add(Arm64Property.MAKECONTEXT);
        try {
            machine.call(makerEntry, makerSp, MAKER_BUDGET, Arrays.copyOf(args, n));
        } catch (EmulationException e) {
            if (e.kind() == Kind.UNMAPPED_FETCH) unmappedFetches++;
            Problem p = new Problem(Arm64Property.MAKECONTEXT, f);
            p.detail = "the maker " + maker.symbol() + " did not return: " + e.getMessage();
            p.line = inCode(e.pc()) ? describe(e.pc()) : null;
            o.problem(p);
            return null;
        }
        if (recMaker.badWrite) {
            Problem p = new Problem(Arm64Property.MAKECONTEXT, f);
            p.detail = String.format("the maker %s wrote %d bytes at %s, outside the fresh stack, the context and its own frame%s",
                    maker.symbol(), recMaker.badSize, hex(recMaker.badAddr), recMaker.badAddr >= makerSp
                            && recMaker.badAddr < makerSp + 64 ? " (into its caller's frame, above its sp)" : "");
            p.line = describe(recMaker.badPc);
            o.problem(p);
            return null;
        }
        long handle = mk.ret() != null ? machine.get(mk.returns(Arm64Reg.class)) : t.restore;
        if (!inZones(handle, size)) {
            Problem p = new Problem(Arm64Property.MAKECONTEXT, f);
            p.detail = "the maker " + maker.symbol() + " returned " + hex(handle) + ", which is not on the fresh stack";
            o.problem(p);
            return null;
        }
        return handle;
    }

    /** Runs one switch; the observed registers on arrival, or null when it did not arrive. */
    private long[] runSwitch(Recording rec, Frame f, boolean trace, Outcome o) {
        current = rec;
        rec.reset(trace);
        rec.allow(f.save, f.save + size);
        EmulationException fault = null;
        o.switches++;
        try {
            machine.run(entry, LANDING, BUDGET + 1);
        } catch (EmulationException e) {
            fault = e;
        }
        long[] after = machine.get(obs);
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
            if (k == Kind.UNMAPPED_FETCH) unmappedFetches++;
            o.evaluated.add(wrong);
            o.problem(wrongTarget(wrong, rec, f, after, fault.address()));
        } else {
            o.problem(terminationProblem(rec, f, fault));
        }
        return null;
    }

    /** The instruction executed before {@code pc} (the one that left sp misaligned). */
    private long previous(Recording rec, long pc) {
        for (int i = rec.kept() - 1; i > 0; i--) if (rec.pcs[i] == pc) return rec.pcs[i - 1];
        return pc;
    }

    // ------------------------------------------------------------------ checks

    /**
     * @param entryRegs  the switching side's registers at entry ({@link #obs} order)
     * @param expectSp   the sp the convention resumes with
     * @param from       the switching side's handle (what a {@code from} arrival value is)
     * @param madeByMaker B is fresh from a maker routine: its register slots are whatever the maker left
     */
    private void checkArrival(Outcome o, Recording rec, Frame f, long[] after, long[] entryRegs, byte[] restoreCtx,
                              byte[] saveCtx, long expectSp, long from, long data, long arg0, long arg1, boolean madeByMaker) {
        o.evaluated.add(Arm64Property.RESUME);
        o.evaluated.add(Arm64Property.RESTORE);
        o.evaluated.add(Arm64Property.DREGS);
        o.evaluated.add(Arm64Property.SAVE);
        Problem restore = new Problem(Arm64Property.RESTORE, f), dregs = new Problem(Arm64Property.DREGS, f);
        String storage = frame ? "frame" : "restore";
        for (int i = 0; i < checked.length; i++) {
            Slot s = conv.slots().get(i);
            int k;
            long want;
            if (s.holds() == Holds.RSP) {
                k = oSp;
                want = expectSp;
            } else if (checked[i] >= 0) {
                k = checked[i];
                want = LittleEndian.getLong(restoreCtx, s.offset());
            } else {
                continue;
            }
            // FPCR keeps only its implemented fields (msr ignores the rest): compare the mode fields a
            // context can carry. A save that stored garbage there is the save property's business.
            boolean differs = s.holds() == Holds.FPCR ? ((after[k] ^ want) & Arm64Trial.FPCR_MODES) != 0 : after[k] != want;
            if (differs) {
                String name = Arch.name(obs[k]);
                Problem p = obs[k].name().startsWith("D") ? dregs : restore;
                diff(p, name, entryRegs[k], want, after[k], name + " = " + hex(after[k]) + " on arrival, but " + storage + "->"
                        + s.name() + " (" + hex2(s.offset()) + ") = " + hex(want), blameRegister(rec, after, k));
            }
        }
        if (frame && after[oSp] != expectSp) {
            diff(restore, "sp", entryRegs[oSp], expectSp, after[oSp], "sp = " + hex(after[oSp]) + " on arrival, but the"
                    + " convention resumes with the end of the restored frame, " + hex(expectSp), blameRegister(rec, after, oSp));
        }
        for (var e : conv.arrival(Arm64Reg.class).entrySet()) {
            int k = at[e.getKey().ordinal()];
            long want = value(e.getValue(), from, data, arg0, arg1);
            if (after[k] != want) {
                String name = Arch.name(e.getKey());
                diff(restore, name, entryRegs[k], want, after[k], "arrived with " + name + " = " + hex(after[k])
                        + ", but the convention hands over " + describe(e.getValue()) + " = " + hex(want), blameRegister(rec, after, k));
            }
        }
        if (madeByMaker) restore.detail = null;   // checked by makecontext's own rules
        if (restore.detail != null) o.problem(restore);
        if (dregs.detail != null) o.problem(dregs);
        Problem save = new Problem(Arm64Property.SAVE, f);
        String sname = frame ? "frame" : "save";
        for (int i = 0; i < checked.length; i++) {
            Slot s = conv.slots().get(i);
            long want;
            String what;
            if (s.holds() == Holds.RSP) {
                want = entryRegs[oSp] + s.rspAdjust();
                what = "sp";
            } else if (s.holds() == Holds.RESUME) {
                if (!s.savedReturnAddress()) continue;
                want = entryRegs[oX30];
                what = "lr";
            } else if (checked[i] >= 0) {
                int k = checked[i];
                want = entryRegs[k];
                what = Arch.name(obs[k]);
            } else {
                continue;
            }
            long got = LittleEndian.getLong(saveCtx, s.offset());
            if (got != want) {
                long slot = f.save + s.offset();
                long pc = rec.lastWriteTo(slot, slot + 8);
                diff(save, sname + "->" + s.name(), want, want, got, sname + "->" + s.name() + " (" + hex2(s.offset()) + ") = "
                        + hex(got) + ", but " + what + " was " + hex(want) + " at entry",
                        pc < 0 ? "(no instruction wrote " + sname + "->" + s.name() + ")" : describe(pc));
            }
        }
        if (save.detail != null) o.problem(save);
    }

    private void checkMakeContext(Outcome o, Recording rec, Frame f, long[] after, long from, long data, long arg0, long arg1) {
        if (maker == null) o.evaluated.add(Arm64Property.MAKECONTEXT);   // a maker's run counted it already
        Problem p = new Problem(Arm64Property.MAKECONTEXT, f);
        var e = conv.fresh().entry();
        if ((after[oSp] & 15) != e.rspMod16()) {
            diff(p, "sp", f.entrySp, after[oSp] & ~15L, after[oSp], "the fresh context's entry was reached with sp = "
                    + hex(after[oSp]) + " (" + (after[oSp] & 15) + " mod 16, AAPCS64 requires " + e.rspMod16() + ")",
                    describe(rec.lastPc()));
        }
        if (e.controlWords() && switchesFpcr && conv.slotHolding(Holds.FPCR).isPresent() && after[oFpcr] != 0) {
            diff(p, "fpcr", f.trial.afpcr, 0, after[oFpcr], "the fresh context's entry was reached with FPCR = "
                    + hex(after[oFpcr]) + ", expected the default 0", blameRegister(rec, after, oFpcr));
        }
        for (var a : e.arguments(Arm64Reg.class).entrySet()) {
            int k = at[a.getKey().ordinal()];
            long want = value(a.getValue(), from, data, arg0, arg1);
            if (after[k] != want) {
                String name = Arch.name(a.getKey());
                diff(p, name, want, want, after[k], "the fresh context's entry function got " + name + " = " + hex(after[k])
                        + ", expected " + hex(want) + " (" + describe(a.getValue()) + ")", blameRegister(rec, after, k));
            }
        }
        if (p.detail != null) o.problem(p);
    }

    private void checkRoundTrip(Outcome o, Recording rec, Frame f, long[] after, long[] a, byte[] saved) {
        Problem p = new Problem(Arm64Property.ROUNDTRIP, f);
        List<Integer> ks = new ArrayList<>();
        for (Arm64Reg r : conv.preserved(Arm64Reg.class)) {
            if (r == Arm64Reg.FPCR && !switchesFpcr) continue;
            ks.add(at[r.ordinal()]);
        }
        ks.add(oSp);
        ks.sort(null);
        for (int k : ks) {
            if (after[k] != a[k]) {
                Slot s = slotOf(obs[k]);
                long slot = s == null ? a[k] : LittleEndian.getLong(saved, s.offset());
                if (s != null && s.holds() == Holds.RSP) slot += conv.resume().rspPlus();
                if (frame && k == oSp) slot = a[k];
                String name = Arch.name(obs[k]);
                String line = slot != a[k]
                        ? blameSlot(rec1, f.restore + s.offset(), s.name())
                        : blameRegister(rec, after, k);
                diff(p, name, a[k], a[k], after[k], "A got back " + name + " = " + hex(after[k]) + " instead of its own "
                        + hex(a[k]) + (slot != a[k] ? " (its context held " + hex(slot) + ")" : ""), line);
            }
        }
        if (p.detail != null) o.problem(p);
    }

    private Slot slotOf(Arm64Reg r) {
        if (r == Arm64Reg.SP) return conv.slotHolding(Holds.RSP).orElse(null);
        for (Slot s : conv.slots()) if (s.reg() == r) return s;
        return null;
    }

    private static long value(Value v, long from, long data, long arg0, long arg1) {
        return ConventionVerifier.value(v, from, data, arg0, arg1);
    }

    private static String describe(Value v) {
        return ConventionVerifier.describe(v);
    }

    // ------------------------------------------------------------------ problems

    private Problem memoryProblem(Frame f, long pc, long address, int size) {
        Problem p = new Problem(Arm64Property.MEMORY, f);
        p.detail = "write" + (size > 0 ? " of " + size + (size == 1 ? " byte" : " bytes") : "") + " to " + hex(address)
                + " (" + where(f, address) + ") by " + describeOr(pc);
        p.line = describe(pc);
        p.rows.add(String.format("allowed: the save %s [%s, %s)", frame ? "frame" : "context", hex(f.save), hex(f.save + this.size)));
        return p;
    }

    private Problem wrongTarget(Arm64Property property, Recording rec, Frame f, long[] after, long target) {
        Problem p = new Problem(property, f);
        String source = conv.resume().pc() == ResumePc.LR ? "restore->x30"
                : (frame ? "frame" : "restore") + "->" + (resumeSlot != null ? resumeSlot.name() : "resume");
        if (f.number == 1 && target == f.returnAddress) {
            p.detail = "it returned to its own caller's lr " + hex(target) + " instead of " + source + " = " + hex(f.resume);
        } else if (f.number == 2) {
            p.detail = "B -> A did not return to A's caller " + hex(f.resume) + " but went to " + hex(target);
        } else {
            p.detail = "control went to " + hex(target) + " instead of " + source + " = " + hex(f.resume);
        }
        p.line = describe(rec.lastPc());
        p.rows.add(String.format("x30 = %s, sp = %s when it left", hex(after[oX30]), hex(after[oSp])));
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
        String a = describeOr(pc);
        p.detail = switch (e.kind()) {
            case BUDGET_EXHAUSTED -> "did not reach the resume address within " + BUDGET + " instructions (last: " + a + ")";
            case UNMAPPED_READ, READ_PROT -> "read of unmapped memory at " + hex(e.address()) + " (" + where(f, e.address())
                    + ") by " + a;
            case CPU_EXCEPTION, INVALID_INSN -> offTheEnd ? "ran off the end of the code after " + a
                    + " (into the udf padding at " + hex(e.pc()) + ")" : "CPU exception (undefined instruction, brk, svc, ...) at " + a;
            default -> e.getMessage() + " (last: " + a + ")";
        };
        p.line = describe(pc);
        return p;
    }

    private boolean inCode(long a) {
        if (a >= codeStart && a < codeEnd) return true;
        return maker != null && a >= maker.assembly().base() && a < maker.assembly().base() + maker.assembly().size();
    }

    private static boolean inZones(long address, long size) {
        for (int z = 0; z < ALL_ZONES; z++) {
            long lo = ZONE_BASE + z * ZONE_STRIDE;
            if (address >= lo && address + size <= lo + ZONE_SIZE) return true;
        }
        return false;
    }

    private static void diff(Problem p, String name, long before, long expected, long actual, String detail, String line) {
        boolean note = line != null && line.startsWith("(");
        if (p.detail == null) {
            p.detail = note ? detail + " " + line : detail;
            p.line = note ? null : line;
        }
        p.rows.add(Counterexample.row(name, before, expected, actual, line));
    }

    /** The last instruction after which observed register {@code idx} changed (only when tracing). */
    private String blameRegister(Recording rec, long[] after, int idx) {
        if (!rec.tracing) return null;
        long pc = rec.lastWriter(after, idx, -1L, true);
        return pc < 0 ? "(no instruction wrote " + Arch.name(obs[idx]) + ")" : describe(pc);
    }

    private String blameSlot(Recording rec, long address, String slot) {
        long pc = rec.lastWriteTo(address, address + 8);
        return pc < 0 ? "(no instruction wrote " + (frame ? "frame" : "save") + "->" + slot + " in switch 1)" : describe(pc);
    }

    private String where(Frame f, long a) {
        String ctx = frame ? "frame" : "context";
        if (a >= f.save && a < f.save + size) return "save " + ctx + " + " + hex2(a - f.save);
        if (a >= f.restore && a < f.restore + size) {
            long off = a - f.restore;
            return "restore " + ctx + " + " + hex2(off) + conv.slotAt(off).map(s -> " = restore->" + s.name()).orElse("");
        }
        if (a >= f.save + size && a < f.save + size + 512) return "save " + ctx + " + " + hex2(a - f.save)
                + ", past its " + size + " bytes";
        if (a < f.save && a >= f.save - 512) return (f.save - a) + " bytes before the save " + ctx;
        if (a < f.entrySp && a >= f.entrySp - 4096) return "the caller's stack at sp - " + (f.entrySp - a)
                + " (AAPCS64 has no red zone)";
        if (a >= f.entrySp && a < f.entrySp + 4096) return "the caller's frame at sp + " + (a - f.entrySp);
        if (inCode(a)) return "the code, " + describe(a);
        return "not a context or stack of this switch";
    }

    private String describe(long pc) {
        if (pc < 0) return null;
        if (maker != null && maker.assembly() != assembly && pc >= maker.assembly().base()
                && pc < maker.assembly().base() + maker.assembly().size()) {
            return maker.assembly().describe(pc);
        }
        return assembly.describe(pc);
    }

    private String describeOr(long pc) {
        return pc < 0 ? "(replay to see the instruction)" : describe(pc);
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
