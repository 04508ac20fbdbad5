package ctxlab.trace;

import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.asm.SourceOptions;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import ctxlab.selftest.Backend;
import ctxlab.selftest.Scenario;
import ctxlab.selftest.Scenarios;
import ctxlab.selftest.Selftest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Traces a selftest scenario: the scenario's own Java side lays out the block and makes the
 * strands exactly as {@code ctxlab selftest} does, but on a {@link Backend} whose calls are
 * recorded instruction by instruction, main and every strand alike. Long scenarios (the ping-pong
 * runs 1000 round trips) are cut after a few switches.
 */
public final class ScenarioTracer {
    public static final long DEFAULT_SWITCHES = 4;
    static final long HEAP = 0x1000_0000L, GAP = 0x1_0000L, MAIN_STACK = 64 * 1024;
    /** The *_main routine returns here: "back in Java". Mapped so that reaching it stops the trace. */
    static final long CALLER = TraceSetup.HOST_CODE + 0x10;
    static final String CALLER_NAME = "the scenario's caller";
    private static final String[] STRANDS = {"A", "B", "C"};
    /** rbx, rbp, r12–r15 of the scenario's caller: 0xca11e40000000001 … 0xca11e40000000006. */
    static final Reg[] CALLER_SAVED = {Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15};
    static final long CALLER_VALUE = 0xca11_e400_0000_0000L;
    /**
     * What the trace shows, where the scenario's own description promises more than runs in the
     * machine (checks done in Java before any instruction runs).
     */
    static final Map<String, String> TRACED = Map.of("stack-size-validation",
            "a strand on a 4096-byte stack, switched to and back (the 4095- and 0-byte stacks are refused by"
                    + " makeContext in Java before any instruction runs: nothing of them to trace)");
    /** The scenarios run the Cem runtime's routine. */
    static final TraceLayout LAYOUT = CemLayout.INSTANCE;
    private static final int RW = UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE;

    private ScenarioTracer() {}

    public static List<String> names() {
        return Scenarios.all().stream().map(Scenario::name).toList();
    }

    /**
     * The scenario by name, by unique prefix, or by its strand file's name ("pingpong" is the
     * multiple-switches scenario).
     */
    public static Optional<Scenario> find(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        List<Scenario> all = Scenarios.all();
        for (Scenario s : all) if (s.name().equals(n)) return Optional.of(s);
        Map<String, String> byFile = Map.of("simple", "simple-switch", "pingpong", "multiple-switches",
                "ping-pong", "multiple-switches", "chain", "context-to-context", "stack", "stack-preservation",
                "fp", "floating-point");
        if (byFile.containsKey(n)) return find(byFile.get(n));
        List<Scenario> prefixed = all.stream().filter(s -> s.name().startsWith(n)).toList();
        return prefixed.size() == 1 ? Optional.of(prefixed.getFirst()) : Optional.empty();
    }

    /**
     * @param display how a path is shown in {@code file:line} (relative to the working directory)
     */
    public static Trace trace(Path root, Path switchFile, Function<Path, String> display, String name, Tracer.Limits limits) {
        return trace(root, switchFile, display, SourceOptions.DEFAULT, name, limits);
    }

    /** The same, the switch file read with these preprocessor options. */
    public static Trace trace(Path root, Path switchFile, Function<Path, String> display, SourceOptions options, String name,
                              Tracer.Limits limits) {
        Scenario scenario = find(name).orElseThrow(() -> new IllegalArgumentException("no scenario '" + name
                + "' (scenarios: " + String.join(", ", names()) + ")"));
        List<SourceFile> files = Selftest.sources(root, switchFile, display, options);
        Map<String, String> sources = new LinkedHashMap<>();
        // The source view shows the switch file as written, not the preprocessor's output.
        for (SourceFile f : files) sources.put(f.name(), f == files.get(0) && options.preprocesses(switchFile.toString())
                ? SourceFile.readRaw(switchFile) : f.text());
        Assembly assembly = Selftest.assemble(files);
        try (TracingBackend backend = new TracingBackend(assembly, limits)) {
            scenario.execute(backend);
            String title = "scenario " + scenario.name() + ": " + TRACED.getOrDefault(scenario.name(), scenario.description())
                    + (limits.maxSwitches() >= 0 ? " (up to " + limits.maxSwitches() + " switches)" : "");
            Trace.End end = backend.end != null ? backend.end
                    : new Trace.End(Trace.Reason.REACHED, "the scenario made no call", 0, "");
            return Tracer.build(title, scenario.name(), assembly, backend.regions(), backend.labels,
                    Selftest.SWITCH, backend.recorder, backend.machine, end, sources);
        }
    }

    /** Runs the scenario's calls in one machine, recording every instruction. */
    static final class TracingBackend implements Backend {
        final Machine machine;
        final Recorder recorder;
        final Assembly assembly;
        final Tracer.Limits limits;
        final Map<Long, String> labels = new LinkedHashMap<>();
        final List<long[]> allocations = new ArrayList<>();
        final List<Region> named = new ArrayList<>();
        final long mainStackTop;
        long next = HEAP;
        Trace.End end;

        TracingBackend(Assembly assembly, Tracer.Limits limits) {
            this.assembly = assembly;
            this.limits = limits;
            this.machine = Machine.x86_64();
            try {
                var linked = ctxlab.emu.Externals.load(machine, assembly);
                machine.map(TraceSetup.HOST_CODE, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
                byte[] ud2 = new byte[(int) Machine.PAGE_SIZE];
                for (int i = 0; i < ud2.length; i += 2) { ud2[i] = 0x0f; ud2[i + 1] = 0x0b; }
                machine.write(TraceSetup.HOST_CODE, ud2);
                labels.put(CALLER, CALLER_NAME);
                recorder = new Recorder(machine);
                recorder.stops.put(CALLER, CALLER_NAME);
                for (var st : linked.stubs()) {   // a call to an undefined symbol: a named, normal end
                    labels.put(st.address(), st.symbol());
                    recorder.stops.put(st.address(), st.message());
                }
                recorder.maxSteps = limits.maxSteps();
                recorder.maxSwitches = limits.maxSwitches();
                recorder.watchSwitch(assembly, Selftest.SWITCH);
                mainStackTop = allocate(MAIN_STACK) + MAIN_STACK;
                named.add(new Region("main stack", mainStackTop - MAIN_STACK, MAIN_STACK, Region.Kind.STACK, RW));
            } catch (RuntimeException e) {
                machine.close();
                throw e;
            }
        }

        @Override
        public String name() {
            return "unicorn (traced)";
        }

        @Override
        public long allocate(long size) {
            long at = next;
            long mapped = Machine.pages(size);
            machine.map(at, mapped, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            allocations.add(new long[] {at, size});
            next = at + mapped + GAP;
            return at;
        }

        @Override
        public long symbol(String name) {
            return assembly.address(name);
        }

        @Override
        public Run call(String symbol, long... args) {
            if (end != null && !end.reason().ok() || end != null && end.reason() == Trace.Reason.SWITCH_LIMIT) {
                throw new ScenarioFault("not traced: the trace already ended (" + end.message() + ")", null);
            }
            if (args.length > 0) nameScenarioBlock(args[0]);
            long sp = mainStackTop - 8;
            machine.writeLong(sp, CALLER);
            Reg[] argRegs = {Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9};
            for (int i = 0; i < args.length; i++) machine.set(argRegs[i], args[i]);
            // The caller's callee-saved registers: recognisable when the routine saves them.
            for (int i = 0; i < CALLER_SAVED.length; i++) machine.set(CALLER_SAVED[i], CALLER_VALUE + i + 1);
            machine.set(Reg.RSP, sp);
            long start = assembly.address(symbol);
            int before = recorder.steps.size();
            end = Tracer.runRecorded(machine, recorder, assembly, labels, () -> {
                machine.run(start, Machine.SENTINEL, limits.maxSteps() + 2, limits.timeout());
                return Machine.SENTINEL;
            }, limits);
            if (end.reason() != Trace.Reason.REACHED) throw new ScenarioFault(end.message(), null);
            return new Run(recorder.steps.size() - before, -1);
        }

        /** The block's contexts, and the stacks their saved rsp points into, get names. */
        private void nameScenarioBlock(long block) {
            Optional<long[]> alloc = allocations.stream().filter(a -> a[0] == block).findFirst();
            if (alloc.isEmpty() || named.stream().anyMatch(r -> r.base() == block)) return;
            named.add(new Region("scenario block", block, alloc.get()[1], Region.Kind.DATA, RW));
            named.add(new Region("main context", block, LAYOUT.size(), Region.Kind.CONTEXT));
            for (int i = 0; i < STRANDS.length; i++) {
                long ctx = block + LAYOUT.size() * (i + 1L);
                long rsp = machine.readLong(ctx + LAYOUT.stackPointerOffset());
                if (rsp == 0) continue;
                named.add(new Region("strand " + STRANDS[i] + " context", ctx, LAYOUT.size(), Region.Kind.CONTEXT));
                for (long[] a : allocations) {
                    if (rsp >= a[0] && rsp < a[0] + a[1]) {
                        named.add(new Region("strand " + STRANDS[i] + " stack", a[0], a[1], Region.Kind.STACK, RW));
                    }
                }
            }
        }

        List<Region> regions() {
            List<Region> out = new ArrayList<>();
            out.add(new Region("code", assembly.base(), assembly.size(), Region.Kind.CODE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC));
            out.addAll(named);
            return out;
        }

        @Override public void writeLong(long address, long value) { ctxlab.selftest.Backend.reach(() -> { machine.writeLong(address, value); return 0L; }); }
        @Override public long readLong(long address) { return ctxlab.selftest.Backend.reach(() -> machine.readLong(address)); }
        @Override public void writeInt(long address, int value) { ctxlab.selftest.Backend.reach(() -> { machine.writeInt(address, value); return 0L; }); }
        @Override public int readInt(long address) { return (int) ctxlab.selftest.Backend.reach(() -> (long) machine.readInt(address)); }

        @Override
        public void close() {
            machine.close();
        }
    }
}
