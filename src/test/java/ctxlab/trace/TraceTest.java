package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.ContextLayout;
import ctxlab.abi.ContextLayout.Slot;
import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.emu.Reg;
import ctxlab.selftest.Selftest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default trace against the context layout: which step writes which slot with which
 * register's value, which step loads which register from which slot, when rsp changes stacks
 * and what ret pops. Expected values come from {@link ContextLayout}, {@link TraceSetup}'s
 * register values and {@link ctxlab.abi.MakeContext}'s stack layout, never from a recording.
 */
class TraceTest {
    static final long SAVED_STRAND_RSP = TraceSetup.STRAND_STACK + TraceSetup.STRAND_STACK_SIZE - 16;
    static Trace trace;

    @BeforeAll
    static void traceTheSwitch() throws Exception {
        trace = traceOf(Files.readString(TestFiles.SWITCH), Tracer.Limits.defaults());
    }

    static Trace traceOf(String source, Tracer.Limits limits) {
        SourceFile src = new SourceFile("asm/context_x86_64.s", source);
        Assembly asm = Assembler.assemble(src, Selftest.CODE_BASE);
        return Tracer.run(TraceSetup.defaultSwitch(asm, Selftest.SWITCH, Map.of(src.name(), src.text())), limits);
    }

    static Reg reg(Slot s) {
        return Reg.valueOf(s.name());
    }

    /**
     * Everything the default switch must do, step by step, in the layout's terms; the list of
     * differences (empty when the trace is right). Also used on broken routines, where it must
     * find something.
     */
    static List<String> mismatches(Trace t) {
        List<String> bad = new ArrayList<>();
        List<Trace.Step> s = t.steps();
        if (s.size() != 17) bad.add("expected 17 steps, got " + s.size());
        int n = 0;
        // 1-6: the callee-saved registers into save (main's context), one 8-byte store each.
        for (Slot slot : ContextLayout.CALLEE_SAVED) {
            if (n >= s.size()) return bad;
            expectWrite(bad, s.get(n++), TraceSetup.MAIN_CONTEXT + slot.offset, 8, TraceSetup.MAIN_REGISTERS.get(reg(slot)));
        }
        // 7: rsp, pointing at main's return address.
        if (n < s.size()) expectWrite(bad, s.get(n++), TraceSetup.MAIN_CONTEXT + Slot.RSP.offset, 8, TraceSetup.MAIN_RSP);
        // 8: MXCSR, 4 bytes.
        if (n < s.size()) expectWrite(bad, s.get(n++), TraceSetup.MAIN_CONTEXT + Slot.MXCSR.offset, 4, TraceSetup.MAIN_MXCSR);
        // 9-14: the strand's presets loaded from restore, one register each, nothing written.
        for (Slot slot : ContextLayout.CALLEE_SAVED) {
            if (n >= s.size()) return bad;
            expectLoad(bad, s.get(n++), slot.label(), TraceSetup.MAIN_REGISTERS.get(reg(slot)), TraceSetup.STRAND_PRESETS.get(slot),
                    TraceSetup.STRAND_CONTEXT + slot.offset);
        }
        // 15: rsp from restore.rsp: the strand's stack, where makeContext put the entry address.
        if (n < s.size()) expectLoad(bad, s.get(n++), "rsp", TraceSetup.MAIN_RSP, SAVED_STRAND_RSP, TraceSetup.STRAND_CONTEXT + Slot.RSP.offset);
        // 16: MXCSR from restore.mxcsr (makeContext's 0x1F80).
        if (n < s.size()) expectLoad(bad, s.get(n++), "mxcsr", TraceSetup.MAIN_MXCSR, 0x1F80, TraceSetup.STRAND_CONTEXT + Slot.MXCSR.offset);
        // 17: ret pops the entry address and continues there.
        if (n < s.size()) {
            Trace.Step ret = s.get(n);
            expectLoad(bad, ret, "rsp", SAVED_STRAND_RSP, SAVED_STRAND_RSP + 8, SAVED_STRAND_RSP);
            if (ret.next() != TraceSetup.STRAND_ENTRY) bad.add("step 17 continues at 0x" + Long.toHexString(ret.next()));
        }
        for (Trace.Step step : s) if (!step.flags().isEmpty()) bad.add("step " + step.number() + " changed flags " + step.flags());
        if (t.end().reason() != Trace.Reason.REACHED || t.end().address() != TraceSetup.STRAND_ENTRY) {
            bad.add("did not end at the strand entry: " + t.end().message());
        }
        return bad;
    }

    private static void expectWrite(List<String> bad, Trace.Step s, long address, int size, long value) {
        String at = "step " + s.number() + ": ";
        if (s.writes().size() != 1) {
            bad.add(at + "expected one write, got " + s.writes());
            return;
        }
        Trace.Access w = s.writes().getFirst();
        if (w.address() != address || w.size() != size || w.value() != value) {
            bad.add(String.format("%sexpected %d bytes 0x%x at 0x%x, got %d bytes 0x%x at 0x%x", at, size, value, address,
                    w.size(), w.value(), w.address()));
        }
        if (!s.registers().isEmpty()) bad.add(at + "a store changed registers " + s.registers());
    }

    private static void expectLoad(List<String> bad, Trace.Step s, String reg, long before, long after, long from) {
        String at = "step " + s.number() + ": ";
        if (!s.writes().isEmpty()) bad.add(at + "a load wrote memory " + s.writes());
        if (s.registers().size() != 1 || !s.registers().getFirst().equals(new Trace.RegChange(reg, before, after))) {
            bad.add(String.format("%sexpected only %s 0x%x -> 0x%x, got %s", at, reg, before, after, s.registers()));
        }
        if (s.reads().stream().noneMatch(r -> r.address() == from)) bad.add(String.format("%sexpected a read at 0x%x, got %s", at, from, s.reads()));
    }

    @Test
    void theDefaultTraceIsTheSeventeenStepsOfTheLayout() {
        assertEquals(List.of(), mismatches(trace));
        assertEquals(17, trace.steps().size());
    }

    @Test
    void theLayoutCheckRejectsBrokenRoutines() throws Exception {
        String good = Files.readString(TestFiles.SWITCH);
        // r13 saved into r12's slot
        Trace swapped = traceOf(good.replace("movq    %r13, 24(%rdi)", "movq    %r13, 16(%rdi)"), Tracer.Limits.defaults());
        List<String> bad = mismatches(swapped);
        assertTrue(bad.stream().anyMatch(m -> m.startsWith("step 4:")), bad.toString());
        assertTrue(swapped.steps().get(3).explanation().contains("stores r13 into save.r12 (offset 0x10)"),
                swapped.steps().get(3).explanation().toString());
        // MXCSR not restored: one step fewer, and the strand runs with main's rounding
        Trace noLdmxcsr = traceOf(good.replace("ldmxcsr 56(%rsi)", ""), Tracer.Limits.defaults());
        assertTrue(mismatches(noLdmxcsr).contains("expected 17 steps, got 16"), mismatches(noLdmxcsr).toString());
        // rbx loaded from the wrong slot
        Trace wrongLoad = traceOf(good.replace("movq    0(%rsi), %rbx", "movq    8(%rsi), %rbx"), Tracer.Limits.defaults());
        assertTrue(mismatches(wrongLoad).stream().anyMatch(m -> m.startsWith("step 9:")), mismatches(wrongLoad).toString());
        assertTrue(wrongLoad.steps().get(8).explanation().contains("loads restore.rbp into rbx"),
                wrongLoad.steps().get(8).explanation().toString());
    }

    @Test
    void memoryGetsSymbolicNames() {
        for (int i = 0; i < 6; i++) {
            Slot slot = ContextLayout.CALLEE_SAVED[i];
            assertEquals("save." + slot.label(), trace.steps().get(i).writes().getFirst().name());
            assertEquals("restore." + slot.label(), trace.steps().get(8 + i).reads().getFirst().name());
        }
        assertEquals("save.rsp", trace.steps().get(6).writes().getFirst().name());
        assertEquals("save.mxcsr", trace.steps().get(7).writes().getFirst().name());
        assertEquals("restore.mxcsr", trace.steps().get(15).reads().getFirst().name());
        assertEquals("strand stack [rsp]", trace.steps().get(16).reads().getFirst().name());
        assertEquals(Map.of("save", "main context", "restore", "strand context"), trace.steps().getFirst().bindings());
    }

    @Test
    void explanationsComeFromTheEffects() {
        List<List<String>> ex = trace.steps().stream().map(Trace.Step::explanation).toList();
        assertTrue(ex.get(0).getFirst().startsWith("cem_swapcontext begins: save = rdi = main context (0x600000)"), ex.get(0).toString());
        assertTrue(ex.get(0).contains("stores rbx into save.rbx (offset 0x00)"));
        assertTrue(ex.get(3).contains("stores r13 into save.r13 (offset 0x18)"), ex.get(3).toString());
        assertTrue(ex.get(6).getFirst().startsWith("stores rsp into save.rsp (offset 0x30); rsp = 0x7ff0ffd8 points into main stack, and [rsp] = 0x500010"),
                ex.get(6).toString());
        assertEquals(List.of("stores MXCSR 0x5f80 (round up) into save.mxcsr (offset 0x38)"), ex.get(7));
        assertEquals(List.of("loads restore.rbx into rbx"), ex.get(8));
        assertTrue(ex.get(14).contains("rsp now points into strand stack: the stack has been switched"), ex.get(14).toString());
        assertEquals(List.of("loads restore.mxcsr into MXCSR: 0x5f80 → 0x1f80 (round up → round to nearest)"), ex.get(15));
        assertEquals(List.of("ret pops 0x500100 = strand entry: execution continues there"), ex.get(16));
        // MXCSR decoded where it changes, and only there
        Trace.MxcsrChange mx = trace.steps().get(15).mxcsr();
        assertNotNull(mx);
        assertEquals("up", mx.before().rounding());
        assertEquals("nearest", mx.after().rounding());
        assertEquals(6, mx.after().masked().size());
        assertTrue(trace.steps().stream().filter(s -> s.mxcsr() != null).count() == 1);
    }

    @Test
    void stackViewFollowsRsp() {
        Trace.StackView before = trace.steps().get(13).stack();
        assertEquals("main stack", before.region());
        assertTrue(before.slots().stream().anyMatch(s -> s.address() == TraceSetup.MAIN_RSP
                && s.value() == TraceSetup.MAIN_RESUME && s.offset().equals("rsp")));
        Trace.StackView after = trace.steps().get(14).stack();
        assertEquals("strand stack", after.region());
        assertEquals(SAVED_STRAND_RSP, after.rsp());
        assertTrue(after.slots().stream().anyMatch(s -> s.value() == TraceSetup.STRAND_ENTRY && "strand entry".equals(s.note())));
    }

    @Test
    void sourceLinesAreTheRoutinesLines() throws Exception {
        Assembly asm = Assembler.assemble(SourceFile.read(TestFiles.SWITCH), Selftest.CODE_BASE);
        List<Assembly.Line> lines = asm.linesOf(Selftest.SWITCH).stream().filter(Assembly.Line::instruction).toList();
        assertEquals(lines.size(), trace.steps().size());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(lines.get(i).where().line(), trace.steps().get(i).where().line());
            assertEquals(asm.base() + lines.get(i).offset(), trace.steps().get(i).address());
        }
        assertTrue(trace.steps().get(3).sourceLine().contains("# save->r13"), trace.steps().get(3).sourceLine());
    }

    @Test
    void aRunawayRoutineStopsAtTheBudget() {
        String loop = ".globl cem_swapcontext\ncem_swapcontext:\n  incq %rax\n  jmp cem_swapcontext\n";
        Trace t = traceOf(loop, Tracer.Limits.defaults());
        assertEquals(Trace.Reason.BUDGET, t.end().reason());
        assertEquals(Tracer.DEFAULT_MAX_STEPS, t.steps().size());
        assertTrue(t.end().message().contains("instruction budget of 10000 steps exhausted"), t.end().message());
        assertTrue(t.end().message().contains("asm/context_x86_64.s:3"), t.end().message());
        // every step is recorded completely: rax went up once per round of two steps
        Trace.RegChange lastInc = t.steps().stream().flatMap(s -> s.registers().stream())
                .filter(r -> r.name().equals("rax")).reduce((a, b) -> b).orElseThrow();
        assertEquals(Tracer.DEFAULT_MAX_STEPS / 2, lastInc.after());
        // "begins" once: looping back to its own start is not a new call
        assertEquals(1, t.steps().stream().filter(s -> s.explanation().stream().anyMatch(e -> e.contains("begins"))).count());
        Trace small = traceOf(loop, new Tracer.Limits(5, -1, Duration.ofSeconds(10)));
        assertEquals(5, small.steps().size());
        assertFalse(small.end().reason().ok());
    }

    @Test
    void aFaultEndsTheTraceAtTheFaultingLine() {
        String bad = ".globl cem_swapcontext\ncem_swapcontext:\n  movq %rbx, 0(%rdi)\n  movq %rbx, 0x100000(%rdi)\n  ret\n";
        Trace t = traceOf(bad, Tracer.Limits.defaults());
        assertEquals(Trace.Reason.FAULT, t.end().reason());
        assertEquals(2, t.steps().size());
        assertTrue(t.end().message().contains("0x700000"), t.end().message());
        assertTrue(t.end().message().contains("asm/context_x86_64.s:4"), t.end().message());
        assertTrue(t.steps().getLast().explanation().getLast().startsWith("the CPU faults here"));
    }

    @Test
    void aRoutineThatNeverSwitchesReturnsToMain() {
        // forgets to load rsp: ret returns to main's own return address
        Trace t = traceOf(".globl cem_swapcontext\ncem_swapcontext:\n  movq %rbx, 0(%rdi)\n  ret\n", Tracer.Limits.defaults());
        assertEquals(Trace.Reason.REACHED, t.end().reason());
        assertEquals(TraceSetup.MAIN_RESUME, t.end().address());
        assertEquals(List.of("ret pops 0x500010 = main (after its call): execution continues there"), t.steps().getLast().explanation());
    }

    @Test
    void scenariosTraceEveryStrandUpToTheSwitchLimit() {
        Path root = TestFiles.ROOT;
        Trace t = ScenarioTracer.trace(root, TestFiles.SWITCH, p -> root.relativize(p.toAbsolutePath().normalize()).toString(),
                "pingpong", new Tracer.Limits(10_000, 2, Duration.ofSeconds(30)));
        assertEquals(Trace.Reason.SWITCH_LIMIT, t.end().reason());
        long switchAt = Selftest.CODE_BASE; // cem_swapcontext is the first file's first routine
        List<Trace.Step> entries = t.steps().stream().filter(s -> s.address() == switchAt).toList();
        assertEquals(2, entries.size());
        assertEquals(Map.of("save", "main context", "restore", "strand A context"), entries.get(0).bindings());
        assertEquals(Map.of("save", "strand A context", "restore", "main context"), entries.get(1).bindings());
        // the strand's own instructions are traced, from its entry on
        Trace.Step firstRet = t.steps().stream().filter(s -> s.explanation().stream().anyMatch(e -> e.startsWith("ret pops"))).findFirst().orElseThrow();
        Trace.Step strand = t.steps().get(firstRet.number());
        assertEquals("pingpong_strand", strand.symbol());
        assertTrue(strand.where().file().endsWith("asm/strands/pingpong.s"), strand.where().toString());
        assertTrue(t.steps().stream().anyMatch(s -> s.explanation().contains("rsp now points into strand A stack: the stack has been switched")));
        assertTrue(t.steps().stream().anyMatch(s -> s.explanation().contains("rsp now points into main stack: the stack has been switched")));
        assertTrue(t.end().message().contains("stopped before switch 3"), t.end().message());
    }

    @Test
    void aShortScenarioRunsToItsEnd() {
        Path root = TestFiles.ROOT;
        Trace t = ScenarioTracer.trace(root, TestFiles.SWITCH, Path::toString, "simple-switch", Tracer.Limits.defaults());
        assertEquals(Trace.Reason.REACHED, t.end().reason(), t.end().message());
        assertEquals(ScenarioTracer.CALLER, t.end().address());
        assertEquals(2, t.steps().stream().filter(s -> s.address() == Selftest.CODE_BASE).count());
        // main's MXCSR round-up is saved and restored: both changes are decoded
        // main sets round-up, the switch gives the strand 0x1F80, the switch back restores main's,
        // main restores its caller's: four changes, each decoded
        assertEquals(List.of("up", "nearest", "up", "nearest"), t.steps().stream().filter(s -> s.mxcsr() != null)
                .map(s -> s.mxcsr().after().rounding()).toList());
        assertNull(t.steps().getFirst().mxcsr());
    }

    @Test
    void mxcsrIsDecoded() {
        assertEquals("0x1f80: round to nearest, all exceptions masked, FTZ off, DAZ off, no flags set", new Mxcsr(0x1F80).describe());
        Mxcsr m = new Mxcsr(0x7F80 | 0x8000 | 0x40 | 0x1 | 0x20);
        assertEquals("toward zero", m.rounding());
        assertTrue(m.ftz() && m.daz());
        assertEquals(List.of("invalid", "precision"), m.flags());
        assertEquals("down", new Mxcsr(0x3F80).rounding());
        assertEquals(List.of("invalid", "denormal", "divide-by-zero", "overflow", "underflow"), new Mxcsr(0x1F80 & ~(1 << 12)).masked());
        assertTrue(new Mxcsr(0x10000).reservedBitsSet());
    }
}
