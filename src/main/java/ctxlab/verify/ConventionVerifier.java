package ctxlab.verify;

import ctxlab.abi.Convention;
import ctxlab.abi.Convention.Holds;
import ctxlab.abi.Convention.ResumePc;
import ctxlab.abi.Convention.ResumeRsp;
import ctxlab.abi.Convention.Role;
import ctxlab.abi.Convention.Slot;
import ctxlab.abi.Convention.StorageKind;
import ctxlab.abi.Convention.Value;
import ctxlab.asm.Assembly;
import ctxlab.emu.EmulationException;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Verifies a switch routine against any {@link Convention}: from random machine states, A switches
 * to B (a suspended context laid out by the convention, or every fourth time a fresh one made by
 * the convention's maker or layout), then B switches back to A; the seven {@link Property
 * properties} are evaluated over what the convention declares: the slots it restores and saves, the
 * registers a round trip preserves, the values every arrival sees, where the routine may write, and
 * what a fresh context's entry function sees.
 *
 * <p>The harness: the routine's code at {@link #CODE_BASE} (hlt after it), a maker from another
 * file at {@link #MAKER_BASE}, a page of landing pads (each loads a tag into r11 and jumps to one
 * landing address, so the run ends wherever control arrives and the tag says where), and six
 * read-write zones filled with random bytes before every state: A's save struct, B's restore
 * struct, A's stack, B's stack, B's save struct, a scratch stack for the maker.
 *
 * <p>A violation's instruction is found by re-running its state on a second machine that records
 * every instruction and write (the fast machine records nothing but stray writes).
 */
public final class ConventionVerifier implements Checker {
    public static final long CODE_BASE = Verifier.CODE_BASE;
    public static final long MAKER_BASE = 0x80_0000L;
    public static final int BUDGET = 2000;
    public static final long MAKER_BUDGET = 100_000;

    static final long PADS = 0x5e5e_0000_0000L, LANDING = PADS, RESUME = PADS + 0x100, CALLER = PADS + 0x200;
    static final long TAG = 0x7a67_0000_0000_0000L;
    /** B's own return address (never reached) and a fresh entry's return address (a fault if taken). */
    static final long B_RETURN = 0x5b5b_0000_0000L, EXIT = 0x5e71_0000_0000L;
    static final long ZONES = 0x7ffd_e000_0000L, ZONE_STRIDE = 0x4000L, ZONE_SIZE = 0x2000L;
    static final int Z_SAVE_A = 0, Z_RESTORE_B = 1, Z_STACK_A = 2, Z_STACK_B = 3, Z_SAVE_B = 4, Z_SCRATCH = 5;
    static final long FRESH_STACK = 0x1000;
    /** The thread control block %fs points at; the stack guard is at +0x28 as in glibc. */
    static final long TLS = 0x7ffd_d000_0000L;
    static final int MXCSR_DEFAULT = 0x1F80, FPCW_DEFAULT = 0x037F;
    private static final long DF = 1L << 10;

    /** What is observed: every register by {@link Reg#ordinal()} up to FPCW. */
    private static final Reg[] OBS = Arrays.copyOfRange(Reg.values(), 0, Reg.FPCW.ordinal() + 1);
    private static final Reg[] IN;
    static {
        List<Reg> in = new ArrayList<>(Arrays.asList(OBS));
        in.remove(Reg.RIP);
        IN = in.toArray(new Reg[0]);
    }

    /** A maker routine: in the switch's own assembly, or in another one (--maker FILE:SYMBOL). */
    public record MakerCode(Assembly assembly, String symbol, String file) {
        /**
         * The maker a verifier runs: the one given ({@code --maker}), else the convention's maker
         * routine when the routine's own file defines it, else none. A maker given for a convention
         * that describes none is bad input.
         */
        static MakerCode resolve(Convention conv, Assembly assembly, String file, MakerCode given) {
            MakerCode maker = given;
            if (maker == null && conv.fresh() != null && conv.fresh().maker() != null && conv.fresh().maker().symbol() != null
                    && assembly.symbols().containsKey(conv.fresh().maker().symbol())) {
                maker = new MakerCode(assembly, conv.fresh().maker().symbol(), file);
            }
            if (maker != null && (conv.fresh() == null || conv.fresh().maker() == null)) {
                throw new IllegalArgumentException("convention " + conv.name() + " describes no maker routine (no fresh.maker):"
                        + " --maker cannot be used with it");
            }
            return maker;
        }
    }

    private final Convention conv;
    private final Assembly assembly;
    private final String file;
    private final String symbol;
    private final long entry;
    private final int codeSize;
    private final int instructionCount;
    private final MakerCode maker;
    private final long makerEntry;
    private final boolean hasFresh;
    /** The routine reads or writes through %fs (so a tls-guard slot is in use). */
    private final boolean usesTls;
    private final Slot guardSlot;
    private final Dirty fastDirty = new Dirty(), tracedDirty = new Dirty();
    private Machine fast;
    /** Unicorn keeps ~200 bytes per run that fetched unmapped memory until uc_close: a fresh engine after this many. */
    static final int REPLACE_AFTER_UNMAPPED_FETCHES = 50_000;
    private Machine traced;

    // --- the state of the switch being run (read by the write hook)
    private final long[] allowLo = new long[6], allowHi = new long[6];
    private int allowed;
    private boolean badWrite;
    private long badPc, badAddr;
    private int badSize;
    private Recorder recorder;

    /**
     * @param maker the maker to run for fresh contexts; null: the convention's maker if the
     *              assembly defines it, else its declarative layout, else no fresh contexts
     */
    public ConventionVerifier(Convention conv, Assembly assembly, String file, String symbol, MakerCode maker) {
        this.conv = conv;
        this.assembly = assembly;
        this.file = file;
        this.symbol = symbol;
        long[] extent = assembly.extent(symbol);
        if (extent[1] <= extent[0]) throw new IllegalArgumentException("routine " + symbol + " has no code");
        this.entry = assembly.base() + extent[0];
        this.codeSize = (int) (extent[1] - extent[0]);
        this.instructionCount = (int) assembly.linesOf(symbol).stream().filter(Assembly.Line::instruction).count();
        this.maker = maker = MakerCode.resolve(conv, assembly, file, maker);
        this.makerEntry = maker == null ? 0 : maker.assembly().address(maker.symbol());
        this.hasFresh = maker != null || (conv.fresh() != null && conv.fresh().layout() != null);
        this.usesTls = assembly.linesOf(symbol).stream().anyMatch(l -> l.instruction()
                && l.text().toLowerCase(Locale.ROOT).replace(" ", "").matches(".*%?fs:.*"));
        this.guardSlot = conv.slotHolding(Holds.TLS_GUARD).filter(s -> usesTls).orElse(null);
        this.fast = newMachine(false);
    }

    public Convention convention() {
        return conv;
    }

    /** What {@code p} means under {@code c}, in one line (the text output's property table). */
    public static String summary(Property p, Convention c) {
        String storage = c.storage().kind() == StorageKind.FRAME ? "frame" : "struct";
        List<String> regs = new ArrayList<>();
        for (Slot s : c.registerSlots()) regs.add(regName(s.register()));
        String slots = String.join(", ", regs);
        return switch (p) {
            case RESTORE -> slots + ", rsp and the resume address come from the restore " + storage
                    + (c.arrival().isEmpty() ? "" : "; arrival values " + String.join(", ", c.arrival().keySet().stream().map(ConventionVerifier::regName).sorted().toList()));
            case SAVE -> "the save " + storage + " holds the entry " + slots + ", rsp"
                    + (c.slotHolding(Holds.RESUME).map(Slot::savedReturnAddress).orElse(false) ? " and the return address" : "");
            case ROUNDTRIP -> "A -> B -> A gives A back " + String.join(", ", c.preserved().stream().map(ConventionVerifier::regName).toList())
                    + " and rsp + 8, at its caller";
            case MEMORY -> "writes only into the save " + storage + (c.resume().pushes() ? ", the word below the target's rsp" : "")
                    + " and the red zone";
            case FLAGS -> "DF is clear on arrival";
            case TERMINATION -> "arrives within the instruction budget, without a fault";
            case MAKECONTEXT -> c.fresh() == null ? "no fresh context described" : "a fresh context's entry sees rsp = "
                    + c.fresh().entry().rspMod16() + " (mod 16)" + (c.fresh().entry().controlWords() && (c.carries(Reg.MXCSR) || c.carries(Reg.FPCW))
                    ? ", the maker's control words" : "") + (c.fresh().entry().arguments().isEmpty() ? "" : ", its arguments");
        };
    }

    /** Whether fresh contexts are checked, and how: "maker make_fcontext (file)", "layout", or null. */
    public String freshSource() {
        if (maker != null) return "maker " + maker.symbol() + " (" + maker.file() + ")";
        return hasFresh ? "layout of " + conv.name() : null;
    }

    private Machine newMachine(boolean tracing) {
        Machine m = Machine.x86_64();
        try {
            load(m, assembly);
            if (maker != null && maker.assembly() != assembly) load(m, maker.assembly());
            m.map(PADS, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            byte[] pads = new byte[(int) Machine.PAGE_SIZE];
            Arrays.fill(pads, (byte) 0xF4);
            for (long pad : new long[] {RESUME, CALLER}) {
                int at = (int) (pad - PADS);
                pads[at] = 0x49;                                   // movabs $tag|pad, %r11
                pads[at + 1] = (byte) 0xBB;
                LittleEndian.putLong(pads, at + 2, TAG | pad);
                pads[at + 10] = (byte) 0xE9;                       // jmp LANDING
                LittleEndian.putInt(pads, at + 11, (int) (LANDING - (pad + 15)));
            }
            m.write(PADS, pads);
            // Zones and TLS are never executed: data mappings, so the harness's fills and cleans are memory copies.
            for (int z = 0; z < 6; z++) m.mapData(ZONES + z * ZONE_STRIDE, ZONE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.mapData(TLS, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            if (tracing) {
                m.onInstruction((pc, size) -> { if (recorder != null) recorder.instruction(pc, m.get(OBS)); });
            } else {
                // The fast machine needs only the writes outside what a run may write (each run sets
                // those windows: see windows()); the traced one logs every write, to blame.
                m.countInstructions(false);
                m.hookWritesOutsideWindows();
            }
            Dirty d = tracing ? tracedDirty : fastDirty;
            m.onMemoryWrite((pc, address, size, value) -> {
                d.mark(address, size);
                if (address >= TLS && address < TLS + Machine.PAGE_SIZE) d.tls = true;
                onWrite(pc, address, size, value);
            });
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** hlt after the code (running off its end stops); calls to undefined symbols stop at named stubs. */
    private static void load(Machine m, Assembly a) {
        ctxlab.emu.Externals.load(m, a);
    }

    private void onWrite(long pc, long address, int size, long value) {
        if (recorder != null) recorder.write(pc, address, size);
        if (badWrite) return;
        for (int i = 0; i < allowed; i++) {
            if (address >= allowLo[i] && address + size <= allowHi[i]) return;
        }
        badWrite = true;
        badPc = pc;
        badAddr = address;
        badSize = size;
    }

    private void allow(long lo, long hi) {
        allowLo[allowed] = lo;
        allowHi[allowed++] = hi;
    }

    /**
     * Before a run on the fast machine: its write hook is skipped for writes wholly inside one of
     * the allowed ranges, which are exactly the writes {@link #onWrite} accepts, so every write it
     * would flag still reaches it. The skipped writes are not marked dirty by the hook, so the
     * ranges are marked here instead (a superset of what the run writes, zeroed at the next clean).
     * The TLS page is not: its only range is the guard word, which every state writes afresh.
     */
    private void windows(Machine m) {
        if (m != fast) return;
        long[] w = new long[2 * allowed];
        for (int i = 0; i < allowed; i++) {
            w[2 * i] = allowLo[i];
            w[2 * i + 1] = allowHi[i];
            fastDirty.markSpan(allowLo[i], allowHi[i]);
        }
        m.writeWindows(w);
    }

    // ------------------------------------------------------------------ running

    /** Checks {@code iterations} random states from {@code seed}. */
    public Report run(int iterations, long seed) {
        return run(iterations, seed, 1);
    }

    /**
     * The iterations split over {@code threads} threads, each with a verifier (so a Unicorn engine)
     * of its own: thread k checks iterations k, k + threads, ...; iteration i is always the state of
     * (seed, i), and for each property the violation of the lowest iteration is kept, so the report
     * is the same whatever the thread count (only the time differs).
     */
    @Override
    public Report run(int iterations, long seed, int threads) {
        if (iterations <= 0) throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        int n = Stripes.count(threads, iterations);
        long t0 = System.nanoTime();
        // A machine belongs to the thread that made it: each worker builds its own verifier.
        List<Tally> stripes = Stripes.run(threads, iterations, k -> {
            if (k == 0) return stripe(iterations, seed, 0, n);
            try (ConventionVerifier v = new ConventionVerifier(conv, assembly, file, symbol, maker)) {
                return v.stripe(iterations, seed, k, n);
            }
        });
        Tally tally = stripes.get(0);
        for (int k = 1; k < stripes.size(); k++) tally.merge(stripes.get(k));
        long nanos = System.nanoTime() - t0;
        List<Violation> violations = new ArrayList<>();
        for (Property p : Property.values()) {
            Problem pr = tally.first.get(p);
            if (pr != null) violations.add(violation(pr, seed));
        }
        List<Finding> findings = new ArrayList<>();
        if (maker == null && !hasFresh) {
            findings.add(new Finding("no-fresh-context", Finding.Severity.INFO, "convention " + conv.name()
                    + " has no declarative layout and no maker routine was found ("
                    + (conv.fresh() != null && conv.fresh().maker() != null ? "no " + conv.fresh().maker().symbol() + " in the file; "
                    + "give one with --maker FILE:SYMBOL" : "none described") + "): makecontext was not checked"));
        }
        Outcome o = tally.outcome;
        return new Report(file, symbol, seed, iterations, violations, findings, o.evaluated, o.fresh, codeSize,
                instructionCount, -1, -1, o.switches, nanos);
    }

    /** Iterations start, start + step, ... below iterations, on this verifier's machine. */
    private Tally stripe(int iterations, long seed, int start, int step) {
        Tally t = new Tally();
        for (int it = start; it < iterations; it += step) {
            List<Problem> problems = new ArrayList<>();
            if (fast.unmappedFetches() >= REPLACE_AFTER_UNMAPPED_FETCHES) {
                fast.close();
                fast = null;
                fastDirty.clean(null);
                fast = newMachine(false);
            }
            iteration(fast, seed, it, problems, t.outcome);
            for (Problem p : problems) {
                if (!t.first.containsKey(p.property)) {
                    p.iteration = it;
                    t.first.put(p.property, p);
                }
            }
        }
        return t;
    }

    /** What one stripe found: the first problem per property, and the counts. */
    static final class Tally {
        final Map<Property, Problem> first = new EnumMap<>(Property.class);
        final Outcome outcome = new Outcome();

        void merge(Tally o) {
            o.first.forEach((p, pr) -> first.merge(p, pr, (a, b) -> a.iteration <= b.iteration ? a : b));
            o.outcome.evaluated.forEach((p, n) -> outcome.evaluated.merge(p, n, Long::sum));
            outcome.fresh += o.outcome.fresh;
            outcome.switches += o.outcome.switches;
        }
    }

    /** One state; problems go to {@code problems}. Deterministic for (seed, it) on any machine. */
    private void iteration(Machine m, long seed, int it, List<Problem> problems, Outcome o) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + it);
        boolean fresh = hasFresh && it % 4 == 0;
        boolean frame = conv.storage().kind() == StorageKind.FRAME;
        int size = conv.storage().size();
        long saveA = zone(Z_SAVE_A) + 8L * r.nextInt(200);
        long restB = zone(Z_RESTORE_B) + 8L * r.nextInt(200);
        long saveB = zone(Z_SAVE_B) + 8L * r.nextInt(200);
        long cellA = zone(Z_SCRATCH) + 8L * r.nextInt(64), cellB = cellA + 0x400;
        long ea = zone(Z_STACK_A) + 0x1000 + 8 + 16L * r.nextInt(100);
        long freshTop = (zone(Z_STACK_B) + 0x1400 + 8L * r.nextInt(100)) & ~15L;
        long bRsp = zone(Z_STACK_B) + 0x800 + 8L * r.nextInt(100);
        // Every byte the last state wrote is zero again, so nothing of it leaks into this one (a
        // state is the same on any machine, which the blame re-run relies on). Then random bytes
        // wherever the routine may look: the structs, A's stack around its entry rsp, B's stack,
        // the handle cells: a slot nothing writes, or a word a broken routine reads by mistake,
        // is random rather than a convenient zero.
        Dirty d = dirtyOf(m);
        d.clean(m);
        int window = size + 64;
        fillRandom(m, d, r, saveA, window);
        fillRandom(m, d, r, restB, window);
        fillRandom(m, d, r, saveB, window);
        long below = Math.max(0x200, 0x100 - conv.storage().at());
        fillRandom(m, d, r, ea - below, (int) below + 0x40);
        fillRandom(m, d, r, bRsp - 0x300, 0x400);
        fillRandom(m, d, r, freshTop - 0x300, 0x300);
        fillRandom(m, d, r, cellA, 8);
        fillRandom(m, d, r, cellB, 8);
        if (fresh) d.mark(freshTop - FRESH_STACK, FRESH_STACK);   // the maker and the layout write there
        long[] a = randomState(r), b = randomState(r);
        if (b[Reg.FPCW.ordinal()] == a[Reg.FPCW.ordinal()]) b[Reg.FPCW.ordinal()] ^= 0x0C00;
        if (b[Reg.MXCSR.ordinal()] == a[Reg.MXCSR.ordinal()]) b[Reg.MXCSR.ordinal()] ^= 0x6000;
        m.writeLong(ea, CALLER);
        long data = r.nextLong(), arg0 = r.nextLong(), arg1 = r.nextLong();
        long guardA = r.nextLong();
        m.writeLong(TLS + Convention.TLS_GUARD_OFFSET, guardA);   // A's thread's stack guard

        // ---- B: the context to resume
        long restore;                 // B's handle: its struct, or its frame
        if (!fresh) {
            if (frame) {
                restore = bRsp;
                conv.slotHolding(Holds.RESUME).ifPresent(s -> m.writeLong(restore + s.offset(), RESUME));
            } else {
                restore = restB;
                conv.slotHolding(Holds.RSP).ifPresent(s -> m.writeLong(restore + s.offset(), bRsp));
                if (conv.resume().pc() == ResumePc.STACK) m.writeLong(bRsp, RESUME);
                else conv.slotHolding(Holds.RESUME).ifPresent(s -> m.writeLong(restore + s.offset(), RESUME));
            }
            for (Slot s : conv.slots()) {
                if (s.holds() == Holds.MXCSR) write(m, restore + s.offset(), s.width(), r.nextInt(0x10000) & 0xFFBF);
            }
        } else {
            o.fresh++;
            Long made = makeFresh(m, restB, freshTop, arg0, arg1, it, seed, problems);
            if (made == null) return;
            restore = made;
        }
        byte[] rb = m.read(restore, size);

        // ---- switch 1: A -> B
        long[] in = a.clone();
        setArguments(in, saveA, restore, cellA, data);
        in[Reg.RSP.ordinal()] = ea;
        allowed = 0;
        long saveBase1 = frame ? ea + conv.storage().at() : saveA;
        allowSave(saveBase1, cellA, ea);
        long expectRsp = arrivalRsp(rb, restore);
        if (conv.resume().pushes() && !fresh) allow(expectRsp - conv.resume().rspPlus(), expectRsp);
        if (fresh) allow(freshTop - FRESH_STACK, freshTop);   // nothing live there: the push lands in it too
        long[] af = run(m, 1, in, Property.RESTORE, problems, o);
        if (af == null) return;
        o.evaluated(Property.RESTORE);
        o.evaluated(Property.FLAGS);
        if ((af[Reg.RFLAGS.ordinal()] & DF) != 0) problems.add(new Problem(Property.FLAGS, "DF is set on arrival at B",
                Blame.last(1)));
        // restore: registers from B's slots
        for (Slot s : conv.registerSlots()) {
            if (fresh && maker != null && s.holds() == Holds.REGISTER) continue;   // a maker's trampoline may consume them
            long want = slotValue(rb, s) & s.mask();
            long got = af[s.register().ordinal()] & s.mask();
            if (s.holds() == Holds.MXCSR) got = af[Reg.MXCSR.ordinal()];
            if (got != want) {
                problems.add(new Problem(Property.RESTORE, String.format("arrived at B with %s = %s, but B's slot %s (%s) held %s",
                        regName(s.register()), hex(got), s.name(), off(s), hex(want)), Blame.register(1, s.register())));
            }
        }
        long guardB = guardSlot != null ? m.readLong(TLS + Convention.TLS_GUARD_OFFSET) : 0;
        if (guardSlot != null && !fresh && guardB != slotValue(rb, guardSlot)) {
            problems.add(new Problem(Property.RESTORE, String.format("arrived at B with the stack guard %%fs:0x28 = %s, but B's slot %s (%s)"
                    + " held %s", hex(guardB), guardSlot.name(), off(guardSlot), hex(slotValue(rb, guardSlot))),
                    Blame.slot(1, TLS + Convention.TLS_GUARD_OFFSET, 8)));
        }
        if (!(fresh && maker != null) && af[Reg.RSP.ordinal()] != expectRsp) {
            problems.add(new Problem(Property.RESTORE, "arrived at B with rsp = " + hex(af[Reg.RSP.ordinal()]) + ", but the convention puts it at "
                    + hex(expectRsp) + " (" + rspRule() + ")", Blame.register(1, Reg.RSP)));
        }
        long fromA = frame ? saveBase1 : saveA;
        arrivalValues(af, fromA, data, arg0, arg1, 1, Property.RESTORE, "B", problems);
        if (fresh) {
            o.evaluated(Property.MAKECONTEXT);
            var e = conv.fresh().entry();
            long rsp = af[Reg.RSP.ordinal()];
            if ((rsp & 15) != e.rspMod16()) {
                problems.add(new Problem(Property.MAKECONTEXT, String.format("the fresh context's entry function started with rsp = %s"
                        + " = %d (mod 16); a called function expects %d (mod 16)", hex(rsp), rsp & 15, e.rspMod16()),
                        Blame.none()));
            }
            if (e.controlWords()) {
                if (conv.carries(Reg.MXCSR) && af[Reg.MXCSR.ordinal()] != MXCSR_DEFAULT) {
                    problems.add(new Problem(Property.MAKECONTEXT, "the fresh context's entry function started with MXCSR "
                            + hex(af[Reg.MXCSR.ordinal()]) + " instead of the maker's " + hex(MXCSR_DEFAULT), Blame.register(1, Reg.MXCSR)));
                }
                if (conv.carries(Reg.FPCW) && af[Reg.FPCW.ordinal()] != FPCW_DEFAULT) {
                    problems.add(new Problem(Property.MAKECONTEXT, "the fresh context's entry function started with the x87 control word "
                            + hex(af[Reg.FPCW.ordinal()]) + " instead of the maker's " + hex(FPCW_DEFAULT), Blame.register(1, Reg.FPCW)));
                }
            }
            if (guardSlot != null && maker != null && guardB != guardA) {
                problems.add(new Problem(Property.MAKECONTEXT, String.format("the fresh context started with the stack guard %%fs:0x28 = %s,"
                        + " not its creator's %s (the maker did not store the guard into the context's %s slot)", hex(guardB), hex(guardA),
                        guardSlot.name()), Blame.none()));
            }
            for (var ea2 : e.arguments().entrySet()) {
                long want = value(ea2.getValue(), fromA, data, arg0, arg1);
                long got = af[ea2.getKey().ordinal()];
                if (got != want) {
                    problems.add(new Problem(Property.MAKECONTEXT, String.format("the fresh context's entry function got %s = %s, expected %s (%s)",
                            regName(ea2.getKey()), hex(got), hex(want), describe(ea2.getValue())), Blame.register(1, ea2.getKey())));
                }
            }
        }
        // save: A's storage holds A's entry state
        o.evaluated(Property.SAVE);
        checkSave(m, 1, saveBase1, cellA, in, ea, guardA, "A", problems);

        // ---- switch 2: B -> A
        long e2 = ((af[Reg.RSP.ordinal()] - 8L * r.nextInt(16)) & ~15L) - 8 - 64;
        if (!inZones(e2 - 256, 512)) {
            problems.add(new Problem(Property.RESTORE, "arrived at B with rsp = " + hex(af[Reg.RSP.ordinal()]) + ", outside any stack",
                    Blame.register(1, Reg.RSP)));
            return;
        }
        m.writeLong(e2, B_RETURN);
        dirtyOf(m).mark(e2, 8);
        long guardAtB = m.readLong(TLS + Convention.TLS_GUARD_OFFSET);
        long[] in2 = b.clone();
        long data2 = r.nextLong();
        long aHandle = conv.argument(Role.SAVE_HANDLE_AT).isPresent() ? m.readLong(cellA) : fromA;
        setArguments(in2, saveB, aHandle, cellB, data2);
        in2[Reg.RSP.ordinal()] = e2;
        allowed = 0;
        long saveBase2 = frame ? e2 + conv.storage().at() : saveB;
        allowSave(saveBase2, cellB, e2);
        if (conv.resume().pushes()) allow(ea + 8 - conv.resume().rspPlus(), ea + 8);
        long[] a2 = run(m, 2, in2, Property.ROUNDTRIP, problems, o);
        if (a2 == null) return;
        o.evaluated(Property.ROUNDTRIP);
        if ((a2[Reg.RFLAGS.ordinal()] & DF) != 0) problems.add(new Problem(Property.FLAGS, "DF is set on arrival back at A", Blame.last(2)));
        for (Reg reg : conv.preserved()) {
            long want = in[reg.ordinal()], got = a2[reg.ordinal()];
            if (got != want) {
                problems.add(new Problem(Property.ROUNDTRIP, String.format("A -> B -> A: A left with %s = %s and came back with %s",
                        regName(reg), hex(want), hex(got)), Blame.register(2, reg)));
            }
        }
        if (a2[Reg.RSP.ordinal()] != ea + 8) {
            problems.add(new Problem(Property.ROUNDTRIP, "A -> B -> A: A called the routine with rsp = " + hex(ea)
                    + " and came back with rsp = " + hex(a2[Reg.RSP.ordinal()]) + " instead of " + hex(ea + 8), Blame.register(2, Reg.RSP)));
        }
        long fromB = frame ? saveBase2 : saveB;
        arrivalValues(a2, fromB, data2, arg0, arg1, 2, Property.ROUNDTRIP, "A", problems);
        if (guardSlot != null && m.readLong(TLS + Convention.TLS_GUARD_OFFSET) != guardA) {
            problems.add(new Problem(Property.ROUNDTRIP, String.format("A -> B -> A: A left with the stack guard %%fs:0x28 = %s and came"
                    + " back with %s", hex(guardA), hex(m.readLong(TLS + Convention.TLS_GUARD_OFFSET))),
                    Blame.slot(2, TLS + Convention.TLS_GUARD_OFFSET, 8)));
        }
        checkSave(m, 2, saveBase2, cellB, in2, e2, guardAtB, "B", problems);
    }

    private Long makeFresh(Machine m, long restB, long top, long arg0, long arg1, int it, long seed, List<Problem> problems) {
        int size = conv.storage().size();
        boolean frame = conv.storage().kind() == StorageKind.FRAME;
        if (maker != null) {
            var mk = conv.fresh().maker();
            long[] args = new long[6];
            int n = 0;
            Reg[] order = {Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9};
            for (int i = 0; i < order.length; i++) {
                String what = mk.arguments().get(order[i]);
                if (what == null) continue;
                n = i + 1;
                args[i] = switch (what) {
                    case "top" -> top;
                    case "stack" -> top - FRESH_STACK;
                    case "size" -> FRESH_STACK;
                    case "entry" -> RESUME;
                    default -> restB;   // context
                };
            }
            m.set(Reg.MXCSR, MXCSR_DEFAULT);
            m.set(Reg.FPCW, FPCW_DEFAULT);
            m.set(Reg.RFLAGS, 0x202);
            m.set(Reg.FS_BASE, TLS);
            allowed = 0;
            badWrite = false;
            long makerTop = zone(Z_SCRATCH) + ZONE_SIZE - 64;
            allow(zone(Z_SCRATCH), makerTop - 8);   // its own frame, below its return address: not its caller's

            allow(top - FRESH_STACK, top);
            allow(restB, restB + size);
            dirtyOf(m).mark(zone(Z_SCRATCH) + ZONE_SIZE - 72, 8);   // the sentinel return address call() stores
            windows(m);
            try {
                m.call(makerEntry, makerTop, MAKER_BUDGET, null, Arrays.copyOf(args, n));
            } catch (EmulationException e) {
                problems.add(new Problem(Property.MAKECONTEXT, "the maker " + maker.symbol() + " did not return: " + e.getMessage(),
                        Blame.pc(e.pc())));
                return null;
            }
            if (badWrite) {
                badWrite = false;
                problems.add(new Problem(Property.MAKECONTEXT, String.format("the maker %s wrote %d bytes at %s, outside the fresh stack,"
                        + " the context and its own frame%s", maker.symbol(), badSize, hex(badAddr),
                        badAddr >= makerTop - 8 && badAddr < makerTop + 64 ? " (into its caller's frame, above its return address)" : ""),
                        Blame.pc(badPc)));
                return null;
            }
            long handle = mk.returns() != null ? m.get(mk.returns()) : restB;
            if (!inZones(handle, size)) {
                problems.add(new Problem(Property.MAKECONTEXT, "the maker " + maker.symbol() + " returned " + hex(handle)
                        + ", which is not on the fresh stack", Blame.none()));
                return null;
            }
            return handle;
        }
        var in = new ctxlab.abi.FreshLayout.Inputs(top, RESUME, EXIT, arg0, arg1);
        long anchor = ctxlab.abi.FreshLayout.anchor(conv, in);
        long handle = frame ? anchor : restB;
        if (!inZones(anchor - 64, 64 + size + 8L * conv.fresh().layout().stack().size()) || !inZones(handle, size)) {
            throw new ctxlab.abi.ConventionException(conv.source(), "the fresh layout puts "
                    + (frame ? "the frame" : "rsp") + " at " + hex(anchor) + ", outside the fresh stack (top " + hex(top) + ")");
        }
        return ctxlab.abi.FreshLayout.place(conv, m::write, in, restB).handle();
    }

    /** Runs one switch from {@code in}; the registers on arrival, or null with the problem recorded. */
    private long[] run(Machine m, int number, long[] in, Property wrongTarget, List<Problem> problems, Outcome o) {
        badWrite = false;
        if (recorder != null) recorder.begin(number);
        windows(m);
        m.set(IN, withoutRip(in));
        m.set(Reg.FS_BASE, TLS);
        o.switches++;
        o.evaluated(Property.MEMORY);
        o.evaluated(Property.TERMINATION);
        EmulationException fault = null;
        try {
            m.run(entry, LANDING, BUDGET + 2, null);
        } catch (EmulationException e) {
            fault = e;
        }
        if (recorder != null) recorder.end(m.get(OBS));
        if (badWrite) {
            problems.add(new Problem(Property.MEMORY, String.format("wrote %d bytes at %s: %s", badSize, hex(badAddr), where(badAddr)),
                    Blame.pc(badPc)));
        }
        long want = number == 1 ? RESUME : CALLER;
        if (fault == null) {
            long[] after = m.get(OBS);
            long pad = (after[Reg.R11.ordinal()] & TAG) == TAG ? after[Reg.R11.ordinal()] & ~TAG : -1;
            if (pad != want) {
                problems.add(new Problem(wrongTarget, "control went to " + hex(pad < 0 ? LANDING : pad) + " instead of "
                        + (number == 1 ? "B's resume address " : "A's return address ") + hex(want), Blame.last(number)));
                return null;
            }
            if ((after[Reg.MXCSR.ordinal()] & ~0xFFFFL) != 0) {
                problems.add(new Problem(Property.TERMINATION, "loaded MXCSR " + hex(after[Reg.MXCSR.ordinal()])
                        + ": reserved bits set, which faults (#GP) on a real CPU", Blame.register(number, Reg.MXCSR)));
            }
            return after;
        }
        switch (fault.kind()) {
            case UNMAPPED_WRITE, WRITE_PROT -> {
                if (!badWrite) problems.add(new Problem(Property.MEMORY, "wrote at " + hex(fault.address()) + ", which is not mapped: "
                        + fault.getMessage(), Blame.pc(fault.pc())));
            }
            case EXTERNAL -> problems.add(new Problem(Property.TERMINATION, fault.getMessage()
                    + ", a symbol the code does not define: the switch leaves its code", Blame.pc(fault.pc())));
            case UNMAPPED_FETCH, FETCH_PROT -> problems.add(new Problem(wrongTarget, "control went to " + hex(fault.address())
                    + " instead of " + (number == 1 ? "B's resume address " : "A's return address ") + hex(want)
                    + " (nothing to execute there)", Blame.last(number)));
            case OTHER -> {
                if (inCode(fault.pc() - 1)) {
                    problems.add(new Problem(Property.TERMINATION, fault.getMessage(), Blame.pc(fault.pc() - 1)));
                } else {
                    problems.add(new Problem(wrongTarget, "control went to " + hex(fault.pc() - 1) + " instead of "
                            + hex(want), Blame.last(number)));
                }
            }
            default -> problems.add(new Problem(Property.TERMINATION, fault.getMessage() + shadowStackNote(fault.pc()),
                    inCode(fault.pc()) ? Blame.pc(fault.pc()) : Blame.last(number)));
        }
        return null;
    }

    /** Why a CET shadow-stack instruction cannot pass here, if the faulting one is one. */
    private String shadowStackNote(long pc) {
        Assembly.Line l = inCode(pc) && pc >= assembly.base() && pc < assembly.base() + assembly.size() ? assembly.lineAt(pc) : null;
        if (l == null) return "";
        String op = l.text().strip().toLowerCase(Locale.ROOT).split("\\s+")[0];
        if (!op.matches("rstorssp|saveprevssp|incssp[dq]?|setssbsy|clrssbsy|wrss[dq]?|wruss[dq]?")) return "";
        return ": " + op + " is a CET shadow-stack instruction, which faults (#UD) unless the OS enabled shadow stacks;"
                + " the emulator does not model them, so verify the build without shadow-stack support";
    }

    private void checkSave(Machine m, int number, long base, long cell, long[] in, long entryRsp, long guard, String who,
                           List<Problem> problems) {
        byte[] sb = m.read(base, conv.storage().size());
        for (Slot s : conv.slots()) {
            long want;
            switch (s.holds()) {
                case REGISTER, MXCSR, FPCW -> want = in[s.register().ordinal()] & s.mask();
                case RSP -> want = entryRsp + s.rspAdjust();
                case RESUME -> {
                    if (!s.savedReturnAddress()) continue;
                    want = m.readLong(entryRsp);
                }
                case TLS_GUARD -> {
                    if (guardSlot == null) continue;
                    want = guard;
                }
                default -> {
                    continue;
                }
            }
            if (s.holds() == Holds.MXCSR && s.width() == 8) want = in[Reg.MXCSR.ordinal()] & 0xFFFF_FFFFL;
            long got = slotValue(sb, s) & (s.holds() == Holds.MXCSR ? 0xFFFF_FFFFL : s.mask());
            if (got != want) {
                problems.add(new Problem(Property.SAVE, String.format("%s's %s slot %s (%s, at %s) = %s, but %s", who,
                        frameOrStruct(), s.name(), off(s), hex(base + s.offset()), hex(got), expectation(s, want, entryRsp)),
                        Blame.slot(number, base + s.offset(), s.width())));
            }
        }
        if (conv.argument(Role.SAVE_HANDLE_AT).isPresent()) {
            long got = m.readLong(cell);
            if (got != base) {
                problems.add(new Problem(Property.SAVE, String.format("%s's handle at %s = %s, but its frame is at %s", who,
                        hex(cell), hex(got), hex(base)), Blame.slot(number, cell, 8)));
            }
        }
    }

    private String expectation(Slot s, long want, long entryRsp) {
        return switch (s.holds()) {
            case RSP -> "rsp was " + hex(entryRsp) + (s.rspAdjust() != 0 ? " and the convention stores rsp + " + s.rspAdjust()
                    + " = " + hex(want) : "");
            case RESUME -> "the caller's return address [rsp] was " + hex(want);
            case TLS_GUARD -> "the stack guard %fs:0x28 was " + hex(want);
            default -> regName(s.register()) + " was " + hex(want);
        };
    }

    private void arrivalValues(long[] regs, long from, long data, long arg0, long arg1, int number, Property p, String who,
                               List<Problem> problems) {
        for (var e : conv.arrival().entrySet()) {
            long want = value(e.getValue(), from, data, arg0, arg1);
            long got = regs[e.getKey().ordinal()];
            if (got != want) {
                problems.add(new Problem(p, String.format("arrived at %s with %s = %s, but the convention hands over %s = %s", who,
                        regName(e.getKey()), hex(got), describe(e.getValue()), hex(want)), Blame.register(number, e.getKey())));
            }
        }
    }

    /** What a {@code from}/{@code data}/{@code argN}/constant value is in one switch (shared with {@link Arm64Verifier}). */
    static long value(Value v, long from, long data, long arg0, long arg1) {
        return switch (v) {
            case Value.From f -> from;
            case Value.Data d -> data;
            case Value.Arg a -> a.index() == 0 ? arg0 : arg1;
            case Value.Constant c -> c.value();
        };
    }

    static String describe(Value v) {
        return switch (v) {
            case Value.From f -> "the suspended context";
            case Value.Data d -> "the data word";
            case Value.Arg a -> "the layout's arg" + a.index();
            case Value.Constant c -> "the constant " + c.value();
        };
    }

    private void setArguments(long[] in, long save, long restore, long cell, long data) {
        for (var e : conv.arguments().entrySet()) {
            in[e.getKey().ordinal()] = switch (e.getValue()) {
                case SAVE -> save;
                case RESTORE -> restore;
                case SAVE_HANDLE_AT -> cell;
                case DATA -> data;
            };
        }
    }

    private void allowSave(long base, long cell, long entryRsp) {
        allow(base, base + conv.storage().size());
        allow(entryRsp - 128, entryRsp);                 // the red zone
        if (guardSlot != null) allow(TLS + Convention.TLS_GUARD_OFFSET, TLS + Convention.TLS_GUARD_OFFSET + 8);
        if (conv.argument(Role.SAVE_HANDLE_AT).isPresent()) allow(cell, cell + 8);
    }

    private long arrivalRsp(byte[] rb, long restore) {
        if (conv.resume().rsp() == ResumeRsp.FRAME_END) return restore + conv.storage().size();
        return slotValue(rb, conv.slotHolding(Holds.RSP).orElseThrow()) + conv.resume().rspPlus();
    }

    private String rspRule() {
        if (conv.resume().rsp() == ResumeRsp.FRAME_END) return "the end of B's frame";
        String slot = conv.slotHolding(Holds.RSP).map(Slot::name).orElse("rsp");
        return "B's " + slot + " slot" + (conv.resume().rspPlus() > 0 ? " + " + conv.resume().rspPlus() : "");
    }

    private void fillRandom(Machine m, Dirty d, SplittableRandom r, long at, int length) {
        byte[] b = new byte[length];
        r.nextBytes(b);
        m.write(at, b);
        d.mark(at, length);
    }

    private Dirty dirtyOf(Machine m) {
        return m == fast ? fastDirty : tracedDirty;
    }

    /** Per zone, the span of bytes written since the last clean (by the harness or the emulated code). */
    static final class Dirty {
        final long[] lo = new long[6], hi = new long[6];
        boolean tls;

        Dirty() {
            Arrays.fill(lo, Long.MAX_VALUE);
        }

        void mark(long at, long length) {
            if (at < ZONES || length <= 0) return;
            int z = (int) ((at - ZONES) / ZONE_STRIDE);
            if (z >= 6) return;
            long zl = zone(z), zh = zl + ZONE_SIZE;
            long a = Math.max(at, zl), b = Math.min(at + length, zh);
            if (a >= b) return;
            lo[z] = Math.min(lo[z], a);
            hi[z] = Math.max(hi[z], b);
        }

        /** Marks {@code [from, to)} in every zone it meets (a range may cross the gap between two). */
        void markSpan(long from, long to) {
            for (int z = 0; z < 6; z++) {
                long a = Math.max(from, zone(z)), b = Math.min(to, zone(z) + ZONE_SIZE);
                if (a < b) mark(a, b - a);
            }
        }

        /** Zeroes what was written ({@code m} null: forget it, the machine is new). */
        void clean(Machine m) {
            if (tls && m != null) m.write(TLS, new byte[(int) Machine.PAGE_SIZE]);
            tls = false;
            for (int z = 0; z < 6; z++) {
                if (hi[z] > lo[z] && m != null) m.write(lo[z], new byte[(int) (hi[z] - lo[z])]);
                lo[z] = Long.MAX_VALUE;
                hi[z] = 0;
            }
        }
    }

    private static long[] randomState(SplittableRandom r) {
        long[] x = new long[OBS.length];
        for (int i = 0; i <= Reg.R15.ordinal(); i++) x[i] = r.nextLong();
        x[Reg.RFLAGS.ordinal()] = (r.nextLong() & 0x8D5L) | 0x202L;   // CF PF AF ZF SF OF at random, DF clear, IF set
        x[Reg.MXCSR.ordinal()] = r.nextInt(0x10000) & 0xFFBF;          // no DAZ games: bit 6 stays clear
        x[Reg.FPCW.ordinal()] = (r.nextInt(0x10000) & 0x1F3F) | 0x40;
        return x;
    }

    private static long[] withoutRip(long[] in) {
        long[] v = new long[IN.length];
        for (int i = 0; i < IN.length; i++) v[i] = in[IN[i].ordinal()];
        return v;
    }

    private static long slotValue(byte[] storage, Slot s) {
        return switch (s.width()) {
            case 8 -> LittleEndian.getLong(storage, s.offset());
            case 4 -> Integer.toUnsignedLong(LittleEndian.getInt(storage, s.offset()));
            default -> (storage[s.offset()] & 0xFF) | (storage[s.offset() + 1] & 0xFF) << 8;
        };
    }

    private static void write(Machine m, long address, int width, long value) {
        switch (width) {
            case 8 -> m.writeLong(address, value);
            case 4 -> m.writeInt(address, (int) value);
            default -> m.write(address, new byte[] {(byte) value, (byte) (value >>> 8)});
        }
    }

    private boolean inCode(long pc) {
        if (pc >= assembly.base() && pc < assembly.base() + assembly.size()) return true;
        return maker != null && pc >= maker.assembly().base() && pc < maker.assembly().base() + maker.assembly().size();
    }

    private static boolean inZones(long address, long size) {
        for (int z = 0; z < 6; z++) {
            long lo = zone(z);
            if (address >= lo && address + size <= lo + ZONE_SIZE) return true;
        }
        return false;
    }

    private static long zone(int z) {
        return ZONES + z * ZONE_STRIDE;
    }

    private String where(long address) {
        String[] names = {"A's save struct zone", "B's restore struct zone", "A's stack", "B's stack", "B's save struct zone", "scratch"};
        for (int z = 0; z < 6; z++) {
            if (address >= zone(z) && address < zone(z) + ZONE_SIZE) {
                return "in " + names[z] + ", outside the save " + frameOrStruct() + " and the red zone";
            }
        }
        return "outside every region the routine may write";
    }

    private String frameOrStruct() {
        return conv.storage().kind() == StorageKind.FRAME ? "frame" : "struct";
    }

    private static String off(Slot s) {
        return String.format("+0x%02x", s.offset());
    }

    private static String regName(Reg r) {
        return r == Reg.FPCW ? "x87 CW" : r.name().toLowerCase(Locale.ROOT);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // ------------------------------------------------------------------ blame

    private Violation violation(Problem p, long seed) {
        String line = null;
        try {
            line = blame(p, seed);
        } catch (RuntimeException e) {
            // blame is best effort: the violation stands without a line
        }
        String counterexample = String.format("convention %s, seed %d, iteration %d%s%n%s", conv.name(), seed, p.iteration,
                p.iteration % 4 == 0 && hasFresh ? " (B is a fresh context)" : "", line != null ? "at " + line + "\n" : "");
        return new Violation(p.property, p.detail, line, p.iteration, counterexample);
    }

    private String blame(Problem p, long seed) {
        Blame b = p.blame;
        if (b.kind == BlameKind.NONE) return null;
        if (b.kind == BlameKind.PC) return inCode(b.pc) ? describe(b.pc) : null;
        if (traced == null) traced = newMachine(true);
        recorder = new Recorder();
        try {
            iteration(traced, seed, p.iteration, new ArrayList<>(), new Outcome());
            Recorder.Run run = recorder.runs.get(b.number);
            if (run == null) return null;
            Long pc = switch (b.kind) {
                case LAST -> run.lastInCode(this::inCode);
                case REGISTER -> run.lastChanging(b.register.ordinal(), this::inCode);
                case SLOT -> run.lastWriting(b.address, b.width, this::inCode);
                default -> null;
            };
            return pc == null ? null : describe(pc);
        } finally {
            recorder = null;
        }
    }

    private String describe(long pc) {
        if (maker != null && maker.assembly() != assembly && pc >= maker.assembly().base()
                && pc < maker.assembly().base() + maker.assembly().size()) {
            return maker.assembly().describe(pc);
        }
        return assembly.describe(pc);
    }

    enum BlameKind { NONE, PC, LAST, REGISTER, SLOT }

    /** Which instruction a problem is blamed on, found cheaply (pc) or by a recorded re-run. */
    record Blame(BlameKind kind, int number, long pc, Reg register, long address, int width) {
        static Blame none() { return new Blame(BlameKind.NONE, 0, 0, null, 0, 0); }
        static Blame pc(long pc) { return new Blame(BlameKind.PC, 0, pc, null, 0, 0); }
        static Blame last(int n) { return new Blame(BlameKind.LAST, n, 0, null, 0, 0); }
        static Blame register(int n, Reg r) { return new Blame(BlameKind.REGISTER, n, 0, r, 0, 0); }
        static Blame slot(int n, long address, int width) { return new Blame(BlameKind.SLOT, n, 0, null, address, width); }
    }

    static final class Problem {
        final Property property;
        final String detail;
        final Blame blame;
        int iteration;

        Problem(Property property, String detail, Blame blame) {
            this.property = property;
            this.detail = detail;
            this.blame = blame;
        }
    }

    /** Counts for the report. */
    static final class Outcome {
        final Map<Property, Long> evaluated = new EnumMap<>(Property.class);
        int fresh;
        long switches;

        void evaluated(Property p) {
            evaluated.merge(p, 1L, Long::sum);
        }
    }

    /** What the tracing machine saw, per switch: each instruction with the registers before it, and the writes. */
    static final class Recorder {
        record Step(long pc, long[] before) {}
        record Write(long pc, long address, int size) {}

        static final class Run {
            final List<Step> steps = new ArrayList<>();
            final List<Write> writes = new ArrayList<>();
            /** The log stopped at its cap: "the last one that ..." could then name an earlier one, so it answers nothing. */
            boolean stepsCut, writesCut;
            long[] end;

            Long lastInCode(java.util.function.LongPredicate inCode) {
                if (stepsCut) return null;
                for (int i = steps.size() - 1; i >= 0; i--) if (inCode.test(steps.get(i).pc)) return steps.get(i).pc;
                return null;
            }

            Long lastChanging(int reg, java.util.function.LongPredicate inCode) {
                if (stepsCut) return null;
                for (int i = steps.size() - 1; i >= 0; i--) {
                    long[] after = i + 1 < steps.size() ? steps.get(i + 1).before : end;
                    if (after != null && after[reg] != steps.get(i).before[reg] && inCode.test(steps.get(i).pc)) return steps.get(i).pc;
                }
                return null;
            }

            Long lastWriting(long address, int width, java.util.function.LongPredicate inCode) {
                if (writesCut) return null;
                for (int i = writes.size() - 1; i >= 0; i--) {
                    Write w = writes.get(i);
                    if (w.address < address + width && address < w.address + w.size && inCode.test(w.pc)) return w.pc;
                }
                return null;
            }
        }

        final Map<Integer, Run> runs = new HashMap<>();
        Run current;

        void begin(int number) {
            current = new Run();
            runs.put(number, current);
        }

        static final int CAP = 100_000;

        void instruction(long pc, long[] regs) {
            if (current == null) return;
            if (current.steps.size() < CAP) current.steps.add(new Step(pc, regs));
            else current.stepsCut = true;
        }

        void write(long pc, long address, int size) {
            if (current == null) return;
            if (current.writes.size() < CAP) current.writes.add(new Write(pc, address, size));
            else current.writesCut = true;
        }

        void end(long[] regs) {
            if (current != null) current.end = regs;
            current = null;
        }
    }

    @Override
    public void close() {
        fast.close();
        if (traced != null) traced.close();
    }
}
