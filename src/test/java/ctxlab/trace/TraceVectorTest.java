package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.emu.Reg;
import ctxlab.vectors.Corpus;
import ctxlab.vectors.Linked;
import ctxlab.vectors.UnicornRunner;
import ctxlab.vectors.VectorException;
import ctxlab.vectors.VectorParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ctxlab trace --vector}: the trace of a vector must be the run the vector describes. Every
 * expectation comes from the vector file itself (linked independently of the tracer), never from
 * a recorded trace.
 */
class TraceVectorTest {
    static final Path ROOT = TestFiles.ROOT;
    /** RFLAGS bits by the names {@link Trace.FlagChange} uses. */
    static final Map<String, Integer> FLAG_BITS = Map.of("CF", 0, "PF", 2, "AF", 4, "ZF", 6, "SF", 7, "TF", 8,
            "IF", 9, "DF", 10, "OF", 11);

    static Linked link(Path file) {
        return new UnicornRunner(ROOT).link(VectorParser.read(file, Corpus.display(file), file.getFileName().toString()));
    }

    static Trace trace(Path file) {
        return VectorTracer.trace(ROOT, file, Tracer.DEFAULT_MAX_STEPS, Duration.ofSeconds(60));
    }

    /** The registers after the last step: the initial ones with every step's changes replayed. */
    static Map<Reg, Long> finalRegisters(Trace t) {
        Map<Reg, Long> regs = new LinkedHashMap<>();
        t.initialRegisters().forEach((name, v) -> regs.put(Reg.valueOf(name.toUpperCase(Locale.ROOT)), v));
        for (Trace.Step s : t.steps()) {
            for (Trace.RegChange c : s.registers()) {
                assertEquals(regs.get(Reg.valueOf(c.name().toUpperCase(Locale.ROOT))), c.before(), "step " + s.number() + " " + c.name());
                regs.put(Reg.valueOf(c.name().toUpperCase(Locale.ROOT)), c.after());
            }
            long flags = regs.get(Reg.RFLAGS);
            for (Trace.FlagChange f : s.flags()) {
                long bit = 1L << FLAG_BITS.get(f.name());
                flags = f.after() == 1 ? flags | bit : flags & ~bit;
            }
            regs.put(Reg.RFLAGS, flags);
            regs.put(Reg.RIP, s.next());
        }
        return regs;
    }

    /** Every register the vector expects, except the x87 control word (the trace does not show it). */
    static void assertFinalRegisters(Linked l, Trace t) {
        Map<Reg, Long> got = finalRegisters(t);
        int compared = 0;
        for (var e : l.expect().registers().entrySet()) {
            if (e.getKey() == Reg.FPCW) continue;
            assertEquals(e.getValue(), got.get(e.getKey()), e.getKey() + " after the trace of " + l.vector().name());
            compared++;
        }
        assertTrue(compared >= 19, "the corpus lists all registers; compared " + compared);
    }

    @ParameterizedTest
    @ValueSource(strings = {"seed/seed-simple-first-entry.json", "seed/seed-simple-round-trip.json",
            "mxcsr/mxcsr-rc-down.json", "mxcsr/mxcsr-every-bit-restored.json", "placement/restore-side-read-only.json"})
    void traceIsTheRunTheVectorDescribes(String name) {
        Path file = ROOT.resolve("testvectors").resolve(name);
        Linked l = link(file);
        Trace t = trace(file);
        assertEquals(Trace.Reason.REACHED, t.end().reason(), t.end().message());
        assertEquals(l.expect().instructions().intValue(), t.steps().size());
        assertEquals(l.until().longValue(), t.end().address());
        assertEquals(l.entry(), t.steps().getFirst().address());
        assertFinalRegisters(l, t);
        assertTrue(t.end().message().endsWith("as this vector expects"), t.end().message());
    }

    @Test
    void mxcsrVectorShowsTheSaveAndTheDecodedLoad() {
        Path file = ROOT.resolve("testvectors/mxcsr/mxcsr-rc-down.json");
        Linked l = link(file);
        Trace t = trace(file);
        long before = l.registers().get(Reg.MXCSR), after = l.expect().registers().get(Reg.MXCSR);
        assertTrue(before != after, "the vector switches MXCSR");
        Trace.Step saved = t.steps().stream().filter(s -> s.writes().stream().anyMatch(w -> "save.mxcsr".equals(w.name())))
                .findFirst().orElseThrow();
        assertEquals(before, saved.writes().getFirst().value());
        assertEquals(4, saved.writes().getFirst().size());
        Trace.Step loaded = t.steps().stream().filter(s -> s.mxcsr() != null).findFirst().orElseThrow();
        assertEquals(before, loaded.mxcsr().before().value() & 0xFFFFFFFFL);
        assertEquals(after, loaded.mxcsr().after().value() & 0xFFFFFFFFL);
        assertTrue(loaded.reads().stream().anyMatch(r -> "restore.mxcsr".equals(r.name())), loaded.reads().toString());
    }

    @Test
    void namesComeFromTheVector() {
        Trace t = trace(ROOT.resolve("testvectors/seed/seed-simple-first-entry.json"));
        // block holds main's context at 0x0 and the strand's at 0x40; rsp lands on stack_a.
        assertTrue(t.regions().stream().anyMatch(r -> r.name().equals("block+0x40") && r.kind() == Region.Kind.CONTEXT));
        assertTrue(t.regions().stream().anyMatch(r -> r.name().equals("stack_a") && r.kind() == Region.Kind.STACK));
        assertEquals(Map.of("save", "block", "restore", "block+0x40"), t.steps().getFirst().bindings());
        assertEquals("save.r13", t.steps().get(3).writes().getFirst().name());
        assertEquals("stack_a", t.steps().getLast().stack().region());
    }

    @Test
    void faultVectorEndsAtItsFault() {
        Path file = ROOT.resolve("testvectors/faults/fault-restore-stack-unmapped.json");
        Linked l = link(file);
        assertNotNull(l.expect().fault());
        Trace t = trace(file);
        assertEquals(Trace.Reason.FAULT, t.end().reason());
        assertEquals(l.expect().faultPc().longValue(), t.end().address());
        assertEquals(l.expect().faultPc().longValue(), t.steps().getLast().address());
        String msg = t.end().message();
        assertTrue(msg.contains(String.format("at 0x%x", l.expect().faultAddress())), msg);
        assertTrue(msg.contains("ended with the fault this vector expects"), msg);
        assertFinalRegisters(l, t);
    }

    @Test
    void budgetVectorStopsAtItsBudget() {
        Path file = ROOT.resolve("testvectors/faults/fault-budget-16.json");
        Linked l = link(file);
        Trace t = trace(file);
        assertEquals(Trace.Reason.BUDGET, t.end().reason());
        assertEquals(l.budget(), t.steps().size());
        assertEquals(l.expect().faultAddress().longValue(), t.steps().getLast().address());
        assertTrue(t.end().message().contains("ended with the fault this vector expects"), t.end().message());
    }

    // ---- the verdict on vectors whose expectation the run does not meet ----------------------

    @Test
    void verdictSaysWhenTheRunIsNotWhatTheVectorExpects(@TempDir Path dir) throws Exception {
        Path seed = ROOT.resolve("testvectors/seed/seed-simple-first-entry.json");
        Path more = dir.resolve("more.json");
        Files.writeString(more, Files.readString(seed).replace("\"instructions\": 17", "\"instructions\": 18"));
        Trace t = trace(more);
        assertFalse(t.end().message().contains("as this vector expects"), t.end().message());
        assertTrue(t.end().message().endsWith("this vector expects a normal stop after 18 steps"), t.end().message());

        Path fault = ROOT.resolve("testvectors/faults/fault-restore-stack-unmapped.json");
        Path otherPc = dir.resolve("other-pc.json");
        String text = Files.readString(fault);
        assertTrue(text.contains("\"pc\": \"cem_swapcontext+0x3e\""));
        Files.writeString(otherPc, text.replace("\"pc\": \"cem_swapcontext+0x3e\"", "\"pc\": \"cem_swapcontext+0x3a\""));
        Trace f = trace(otherPc);
        assertEquals(Trace.Reason.FAULT, f.end().reason());
        assertFalse(f.end().message().contains("the fault this vector expects"), f.end().message());
        assertTrue(f.end().message().contains("this vector expects unmapped-read"), f.end().message());
    }

    @Test
    void vectorWithoutExpectIsTracedWithoutVerdict(@TempDir Path dir) throws Exception {
        Path seed = ROOT.resolve("testvectors/seed/seed-simple-first-entry.json");
        String text = Files.readString(seed);
        Path bare = dir.resolve("bare.json");
        Files.writeString(bare, text.substring(0, text.indexOf(",\n  \"expect\"")) + "\n}\n");
        assertNull(link(bare).expect());
        Trace t = trace(bare);
        assertEquals(Trace.Reason.REACHED, t.end().reason());
        assertFalse(t.end().message().contains("vector expects"), t.end().message());
    }

    @Test
    void malformedVectorNamesFileAndPath() {
        VectorException e = assertThrows(VectorException.class,
                () -> trace(TestFiles.resource("vectors-bad/unknown-register.json")));
        assertTrue(e.getMessage().endsWith("unknown-register.json: $.expect.registers.r16: unknown register"), e.getMessage());
    }
}
