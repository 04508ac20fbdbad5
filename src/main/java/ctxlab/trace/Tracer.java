package ctxlab.trace;

import static ctxlab.trace.Recorder.MXCSR;
import static ctxlab.trace.Recorder.RFLAGS;
import static ctxlab.trace.Recorder.RIP;
import static ctxlab.trace.Recorder.RSP;

import ctxlab.abi.Convention;
import ctxlab.asm.Assembly;
import ctxlab.emu.EmulationException;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Runs a {@link TraceSetup} in Unicorn, one recorded step per instruction, and explains every step. */
public final class Tracer {
    /** The default step budget: far above any switch, low enough to stop a runaway in well under a second. */
    public static final long DEFAULT_MAX_STEPS = 10_000;
    /** The budget of a scenario run to its end (--switches 0): the ping-pong needs ~60,000. */
    public static final long UNLIMITED_SWITCHES_STEPS = 1_000_000;

    /**
     * @param maxSteps    instructions to trace at most; one more ends the trace as a runaway
     * @param maxSwitches entries into the switch routine to allow (-1: no limit); the next one
     *                    ends the trace on purpose
     */
    public record Limits(long maxSteps, long maxSwitches, Duration timeout) {
        public Limits {
            if (maxSteps <= 0) throw new IllegalArgumentException("--max-steps must be at least 1, not " + maxSteps);
        }

        public static Limits defaults() {
            return new Limits(DEFAULT_MAX_STEPS, -1, Duration.ofSeconds(60));
        }
    }

    private Tracer() {}

    public static Trace run(TraceSetup setup, Limits limits) {
        try (Machine m = Machine.x86_64()) {
            for (TraceSetup.Mapping map : setup.mappings()) m.map(map.base(), map.size(), map.prot());
            for (TraceSetup.Poke p : setup.memory()) m.write(p.address(), p.bytes());
            if (!setup.registers().isEmpty()) m.set(new LinkedHashMap<>(setup.registers()));
            m.set(Reg.RIP, setup.start());
            Recorder rec = new Recorder(m);
            rec.stops.putAll(setup.stops());
            rec.maxSteps = limits.maxSteps();
            rec.maxSwitches = limits.maxSwitches();
            if (setup.switchSymbol() != null) rec.watchSwitch(setup.assembly(), setup.switchSymbol());
            Map<Long, String> labels = new LinkedHashMap<>(setup.labels());
            Trace.End end = runRecorded(m, rec, setup.assembly(), labels, () -> {
                m.run(setup.start(), setup.until(), limits.maxSteps() + 2, limits.timeout());
                return setup.until();
            }, limits);
            return build(setup.title(), setup.routine(), setup.assembly(), setup.regions(), labels,
                    setup.switchSymbol(), rec, m, end, setup.sources(), setup.layout());
        }
    }

    /** A run that returns where it stopped normally (its "until"), or throws. */
    interface Run {
        long run();
    }

    /** Runs and turns every way of stopping into an {@link Trace.End}. */
    static Trace.End runRecorded(Machine m, Recorder rec, Assembly assembly, Map<Long, String> labels, Run run, Limits limits) {
        rec.beginCall();
        try {
            long until = run.run();
            rec.finishFaulted();
            if (!rec.steps.isEmpty()) rec.steps.getLast().faulted = false; // it ran to completion
            String what = labels.getOrDefault(until, String.format("0x%x", until));
            return new Trace.End(Trace.Reason.REACHED, "returned to " + what + " after " + rec.steps.size() + " steps",
                    until, what);
        } catch (Recorder.Stop s) {
            return stopEnd(s, rec, assembly, limits);
        } catch (EmulationException e) {
            rec.finishFaulted();
            if (e.kind() == EmulationException.Kind.BUDGET_EXHAUSTED) {
                return budgetEnd(e.pc(), rec, assembly, limits);
            }
            long pc = e.pc();
            return new Trace.End(Trace.Reason.FAULT, "the CPU faulted at step " + rec.steps.size() + ": "
                    + Faults.describe(e, rec) + where(assembly, pc), pc, describe(assembly, pc));
        }
    }

    static Trace.End stopEnd(Recorder.Stop s, Recorder rec, Assembly assembly, Limits limits) {
        int n = rec.steps.size();
        return switch (s.reason) {
            // the stub of an undefined symbol (Externals): "calls _exit@PLT (from f.s:9)", where the routine leaves its code
            case REACHED -> new Trace.End(Trace.Reason.REACHED, (s.what.startsWith("calls ") ? s.what
                    : "reached " + s.what + String.format(" (0x%x)", s.address)) + " after " + n + " steps", s.address, s.what);
            case SWITCH_LIMIT -> new Trace.End(Trace.Reason.SWITCH_LIMIT, "stopped before " + s.what + " after " + n
                    + " steps (--switches " + limits.maxSwitches() + "; raise it to see more)", s.address, describe(assembly, s.address));
            case BUDGET -> budgetEnd(s.address, rec, assembly, limits);
            case FAULT -> new Trace.End(Trace.Reason.FAULT, s.what, s.address, describe(assembly, s.address));
        };
    }

    private static Trace.End budgetEnd(long next, Recorder rec, Assembly assembly, Limits limits) {
        return new Trace.End(Trace.Reason.BUDGET, "instruction budget of " + limits.maxSteps()
                + " steps exhausted: the routine never returned (a runaway loop?); the next instruction was at "
                + String.format("0x%x", next) + where(assembly, next) + "; raise --max-steps to trace further",
                next, describe(assembly, next));
    }

    private static String where(Assembly assembly, long pc) {
        if (assembly == null || assembly.lineAt(pc) == null) return "";
        return " (" + assembly.describe(pc) + ")";
    }

    private static String describe(Assembly assembly, long pc) {
        return assembly == null ? String.format("0x%x", pc) : assembly.describe(pc);
    }

    // ---- from recorded steps to explained ones ----------------------------------------------

    static Trace build(String title, String routine, Assembly assembly, List<Region> regions, Map<Long, String> labels,
                       String switchSymbol, Recorder rec, Machine m, Trace.End end, Map<String, String> sources) {
        return build(title, routine, assembly, regions, labels, switchSymbol, rec, m, end, sources, CemLayout.INSTANCE);
    }

    static Trace build(String title, String routine, Assembly assembly, List<Region> regions, Map<Long, String> labels,
                       String switchSymbol, Recorder rec, Machine m, Trace.End end, Map<String, String> sources,
                       TraceLayout layout) {
        Namer names = new Namer(assembly, regions, labels, layout);
        ConventionLayout conv = layout instanceof ConventionLayout c ? c : null;
        Shadow shadow = new Shadow(m, rec.steps);
        long switchAddress = switchSymbol == null ? -1 : assembly.address(switchSymbol);
        long[] extent = switchSymbol == null ? null : assembly.extent(switchSymbol);
        long[] routineCode = extent == null ? null : new long[] {assembly.base() + extent[0], assembly.base() + extent[1]};
        long[] initial = rec.steps.isEmpty() ? m.get(Recorder.REGS) : rec.steps.getFirst().before;
        List<Trace.Window> windows = windows(regions, rec, shadow, layout, conv != null && conv.frame() ? frameExtents(rec, conv,
                switchAddress) : List.of());
        // a frame convention's storage, labelled on its stack while it holds a suspended context
        List<Trace.Frame> frames = new ArrayList<>();
        List<int[]> openFrames = new ArrayList<>();   // index into frames, still live

        List<Trace.Step> steps = new ArrayList<>();
        List<Trace.Arrival> arrivals = new ArrayList<>();
        int number = 0, switches = 0;
        boolean freshChecked = false;
        Verdict open = null;
        for (Recorder.Raw r : rec.steps) {
            number++;
            if (r.after == null) r.after = r.before; // cannot happen after runRecorded; be safe
            String entered = null;
            if (conv != null && r.address == conv.freshEntry() && !freshChecked && !arrivals.isEmpty()) {
                freshChecked = true;   // the strand the first switch resumed starts its entry function
                arrivals.set(0, withEntryCheck(arrivals.get(0), conv, r.before(RSP), number));
            }
            if (r.address == switchAddress && names.bindings().isEmpty()) {
                long saveBase = conv != null ? conv.saveBase(r.before) : r.before(Recorder.RDI);
                long restoreBase = conv != null ? conv.restoreBase(r.before) : r.before(Recorder.RSI);
                names.bind("save", saveBase);
                names.bind("restore", restoreBase);
                entered = switchSymbol;
                open = conv != null ? new Verdict(++switches, number, names, shadow, r.before, routineCode)
                        : new Verdict(++switches, number, names, shadow, r.before);
                if (conv != null && conv.frame()) {
                    final int n = number;
                    if (openFrames.stream().noneMatch(f -> frames.get(f[0]).base() == restoreBase)) {
                        frames.add(new Trace.Frame(names.frameName(restoreBase), restoreBase, conv.size(), 0, -1));
                        openFrames.add(new int[] {frames.size() - 1});
                    }
                    frames.add(new Trace.Frame(names.frameName(saveBase), saveBase, conv.size(), n, -1));
                    openFrames.add(new int[] {frames.size() - 1});
                }
            }
            Map<String, String> bindings = names.bindings();
            long rspBefore = r.before(RSP);
            List<Trace.Access> writes = new ArrayList<>();
            for (Recorder.Access w : r.writes) {
                writes.add(new Trace.Access(w.address(), w.size(), w.value(), w.before(), names.data(w.address(), rspBefore)));
                shadow.apply(w);
            }
            List<Trace.Access> reads = r.reads.stream().map(a ->
                    new Trace.Access(a.address(), a.size(), a.value(), a.value(), names.data(a.address(), rspBefore))).toList();
            List<String> explanation = new ArrayList<>(Explainer.explain(r, names, assembly, shadow, entered));
            boolean last = number == rec.steps.size();
            if (last && end.reason() == Trace.Reason.FAULT && end.address() == r.after(RIP) && r.after(RIP) != r.address) {
                // this instruction completed; fetching (or running) the next one faulted
                explanation.replaceAll(x -> x.replace(": execution continues there", ": execution would continue there"));
                explanation.add("but the next instruction faults: " + end.message());
            } else if (r.faulted && end.reason() == Trace.Reason.FAULT) {
                explanation.add("the CPU faults here: " + end.message());
            }
            List<String> warnings = bindings.isEmpty() ? List.of() : Warnings.of(r, names, assembly, rspBefore,
                    open == null ? -1 : open.entryRsp(), open == null ? null : open.pushWindow());

            List<Trace.RegChange> regs = new ArrayList<>();
            for (int i = 0; i < Recorder.GPRS; i++) {
                if (r.before(i) != r.after(i)) regs.add(new Trace.RegChange(Recorder.name(i), r.before(i), r.after(i)));
            }
            Trace.MxcsrChange mx = null;
            if (r.before(MXCSR) != r.after(MXCSR)) {
                regs.add(new Trace.RegChange("mxcsr", r.before(MXCSR), r.after(MXCSR)));
                mx = new Trace.MxcsrChange(new Mxcsr((int) r.before(MXCSR)), new Mxcsr((int) r.after(MXCSR)));
            }
            if (r.before(Recorder.FPCW) != r.after(Recorder.FPCW)) {
                regs.add(new Trace.RegChange("fpcw", r.before(Recorder.FPCW), r.after(Recorder.FPCW)));
            }
            Assembly.Line line = assembly == null ? null : assembly.lineAt(r.address);
            steps.add(new Trace.Step(number, r.address, r.bytes, names.code(r.address),
                    line == null ? null : line.where(), line == null ? null : line.text().strip(),
                    line == null ? null : sourceLine(sources, line),
                    regs, Flags.changes(r.before(RFLAGS), r.after(RFLAGS)), writes, reads, mx, explanation,
                    stackView(names, shadow, r.after(RSP), live(frames, number)), r.after(RIP), bindings, warnings,
                    open == null ? 0 : open.number));
            if (!bindings.isEmpty() && extent != null) {
                long off = r.after(RIP) - assembly.base();
                if (off < extent[0] || off >= extent[1]) {
                    if (open != null && !r.faulted) arrivals.add(open.judge(steps, r.after, shadow));
                    long resumed = names.boundBase("restore");
                    for (var it = openFrames.iterator(); it.hasNext(); ) {   // the resumed frame holds nothing any more
                        int[] f = it.next();
                        Trace.Frame fr = frames.get(f[0]);
                        if (fr.base() == resumed && fr.from() < number) {
                            frames.set(f[0], new Trace.Frame(fr.name(), fr.base(), fr.size(), fr.from(), number));
                            it.remove();
                        }
                    }
                    open = null;
                    names.unbind();
                }
            }
        }
        Map<String, Long> initialRegs = new LinkedHashMap<>();
        List<String> regNames = new ArrayList<>();
        for (int i = 0; i < Recorder.REGS.length; i++) {
            regNames.add(Recorder.name(i));
            initialRegs.put(Recorder.name(i), initial[i]);
        }
        Map<Long, String> symbols = new LinkedHashMap<>();
        if (assembly != null) {
            for (Assembly.Symbol s : assembly.symbols().values()) {
                if (!s.name().startsWith(".L")) symbols.putIfAbsent(assembly.base() + s.offset(), s.name());
            }
        }
        symbols.putAll(labels);
        Map<String, String> shown = new LinkedHashMap<>();
        for (Trace.Step s : steps) {   // only the files the trace went through, in order of appearance
            if (s.where() != null && sources.containsKey(s.where().file())) shown.putIfAbsent(s.where().file(), sources.get(s.where().file()));
        }
        if (conv != null && conv.makerProblem() != null && !arrivals.isEmpty()) {
            Trace.Arrival a = arrivals.get(0);   // the switch to the fresh strand the maker made
            List<Trace.Check> checks = new ArrayList<>(a.checks());
            checks.add(new Trace.Check("entry", "maker", false, 0, 1, 0, conv.makerProblem()));
            arrivals.set(0, new Trace.Arrival(a.number(), a.firstStep(), a.lastStep(), a.save(), a.restore(), checks));
        }
        int last = steps.size();
        frames.replaceAll(f -> f.to() < 0 ? new Trace.Frame(f.name(), f.base(), f.size(), f.from(), last) : f);
        return new Trace(title, routine, regions, regNames, initialRegs, windows, steps, end, shown, symbols, arrivals,
                layout, frames);
    }

    /** A fresh context's entry function expects rsp as after a call (8 mod 16): the maker's or layout's duty. */
    private static Trace.Arrival withEntryCheck(Trace.Arrival a, ConventionLayout conv, long rsp, int step) {
        Convention.Fresh fresh = conv.convention().fresh();
        if (fresh == null) return a;
        int want = fresh.entry().rspMod16();
        boolean ok = (rsp & 15) == want;
        String made = fresh.maker() != null ? "the maker" : "the convention's layout";
        String text = String.format("the fresh strand's entry (step %d) starts with rsp = 0x%x = %d (mod 16)", step, rsp, rsp & 15)
                + (ok ? ", as after a call" : ", but a called function expects " + want + " (mod 16): " + made
                + " laid the fresh context out wrong");
        List<Trace.Check> checks = new ArrayList<>(a.checks());
        checks.add(new Trace.Check("entry", "entry rsp", ok, want, rsp & 15, 0, text));
        return new Trace.Arrival(a.number(), a.firstStep(), a.lastStep(), a.save(), a.restore(), checks);
    }

    /** The frames live after step {@code number}: made before it and not yet resumed. */
    private static List<Trace.Frame> live(List<Trace.Frame> frames, int number) {
        if (frames.isEmpty()) return List.of();
        List<Trace.Frame> out = new ArrayList<>();
        for (Trace.Frame f : frames) if (f.from() <= number && (f.to() < 0 || f.to() >= number)) out.add(f);
        return out;
    }

    /** Every frame a frame convention's switch builds or resumes: [base, end) pairs, for the stack windows. */
    private static List<long[]> frameExtents(Recorder rec, ConventionLayout conv, long switchAddress) {
        List<long[]> out = new ArrayList<>();
        for (Recorder.Raw r : rec.steps) {
            if (r.address != switchAddress) continue;
            long s = conv.saveBase(r.before), t = conv.restoreBase(r.before);
            out.add(new long[] {s, s + conv.size()});
            out.add(new long[] {t, t + conv.size()});
        }
        return out;
    }

    private static String sourceLine(Map<String, String> sources, Assembly.Line line) {
        String text = sources.get(line.where().file());
        if (text == null) return line.text().strip();
        String[] lines = text.split("\n", -1);
        int n = line.where().line();
        return n >= 1 && n <= lines.length ? lines[n - 1].strip() : line.text().strip();
    }

    /** Four slots around rsp (rsp-8 … rsp+16) of the stack rsp is in, after the step. */
    static Trace.StackView stackView(Namer names, Shadow shadow, long rsp) {
        return stackView(names, shadow, rsp, List.of());
    }

    /** @param frames frames on the stacks: a slot inside one is noted by the frame's slot ("main frame+0x10 r12") */
    static Trace.StackView stackView(Namer names, Shadow shadow, long rsp, List<Trace.Frame> frames) {
        Optional<Region> stack = names.stack(rsp);
        if (stack.isEmpty()) return null;
        Region s = stack.get();
        List<Trace.StackSlot> slots = new ArrayList<>();
        for (long a = (rsp & ~7L) - 8; a <= rsp + 16; a += 8) {
            if (a < s.base() || a + 8 > s.end()) continue;
            long v = shadow.read(a, 8);
            String note = slotNote(names, v);
            for (Trace.Frame f : frames) {
                if (a >= f.base() && a < f.base() + f.size() && names.layout() instanceof ConventionLayout cl) {
                    String slot = cl.slotName(f.name(), false, a - f.base());
                    note = note == null ? slot : slot + "; " + note;
                }
            }
            slots.add(new Trace.StackSlot(a, Namer.relative(a, rsp), v, note));
        }
        return new Trace.StackView(s.name(), rsp, slots);
    }

    private static String slotNote(Namer names, long value) {
        if (value == 0) return null;
        return names.valueNote(value);
    }

    /** Most slots a stack window shows: enough for every frame of the scenarios. */
    static final int MAX_WINDOW_SLOTS = 48;

    /**
     * Memory the HTML page draws: every context, and for each stack the part the trace touched
     * (every rsp it had there, every write, every saved rsp pointing into it) with a margin.
     */
    static List<Trace.Window> windows(List<Region> regions, Recorder rec, Shadow shadow) {
        return windows(regions, rec, shadow, CemLayout.INSTANCE, List.of());
    }

    /** @param frames [base, end) of every frame a frame convention's switch touched: shown whole */
    static List<Trace.Window> windows(List<Region> regions, Recorder rec, Shadow shadow, TraceLayout layout, List<long[]> frames) {
        List<Trace.Window> out = new ArrayList<>();
        List<Region> contexts = regions.stream().filter(r -> r.kind() == Region.Kind.CONTEXT).toList();
        for (Region c : contexts) out.add(new Trace.Window(c.name(), c.base(), shadow.initialBytes(c.base(), (int) c.size())));
        for (Region s : regions) {
            if (s.kind() != Region.Kind.STACK) continue;
            TreeSet<Long> seen = new TreeSet<>();
            for (Recorder.Raw r : rec.steps) {
                if (s.contains(r.before(RSP))) seen.add(r.before(RSP));
                if (r.after != null && s.contains(r.after(RSP))) seen.add(r.after(RSP));
                for (Recorder.Access w : r.writes) if (s.contains(w.address())) seen.add(w.address());
            }
            Optional<TraceLayout.Slot> rspSlot = layout.slotFor("rsp");
            for (Region c : contexts) {
                if (rspSlot.isEmpty()) break;
                long saved = shadow.read(c.base() + rspSlot.get().offset(), 8);
                if (s.contains(saved)) seen.add(saved);
            }
            for (long[] f : frames) {
                if (s.contains(f[0])) seen.add(f[0]);
                if (s.contains(f[1] - 1)) seen.add(f[1] - 8);
            }
            if (seen.isEmpty()) continue;
            long lo = Math.max(s.base(), (seen.first() & ~7L) - 16);
            long hi = Math.min(s.end(), ((seen.last() + 8) & ~7L) + 24);
            if (hi - lo > MAX_WINDOW_SLOTS * 8L) lo = hi - MAX_WINDOW_SLOTS * 8L;
            out.add(new Trace.Window(s.name(), lo, shadow.initialBytes(lo, (int) (hi - lo))));
        }
        return out;
    }
}
