package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class Arm64TracerTest {
    static Arm64Tracer.Result trace(String file) throws Exception {
        Assembly a = Arm64Assembler.assemble(new SourceFile(file, Files.readString(TestFiles.ROOT.resolve(file))), 0x40_0000L);
        return Arm64Tracer.trace(a, file, "cem_swapcontext", 1000);
    }

    @Test
    void ourSwitchStepByStep() throws Exception {
        Arm64Tracer.Result r = trace("asm/context_arm64.s");
        assertTrue(r.arrived(), r.end());
        assertEquals(29, r.steps().size());
        Arm64Tracer.Step first = r.steps().get(0);
        assertEquals(List.of("save.x19", "save.x20"), first.writes().stream().map(Arm64Tracer.Write::name).toList());
        assertEquals(0x1919_1919_1919_1919L, first.writes().get(0).value());
        Arm64Tracer.Step load = r.steps().get(14);
        assertTrue(load.explanation().contains("x19 = restore.x19 (the strand's preset)"), load.explanation());
        Arm64Tracer.Step mov = r.steps().get(27);
        assertEquals("sp", mov.changes().get(0).register());
        assertTrue(mov.explanation().startsWith("sp now points into the strand's stack"), mov.explanation());
        assertTrue(r.end().contains("(0 mod 16) and FPCR = 0x0"), r.end());
        String text = Arm64Tracer.text(r);
        assertTrue(text.contains(" 29  0x400070  asm/context_arm64.s:86"), text);
        Map<String, Object> j = Arm64Tracer.json(r);
        assertEquals("arm64", j.get("arch"));
        assertEquals(29, ((List<?>) j.get("steps")).size());
    }

    @Test
    void aSpillBelowSpIsNamedAndAFaultIsReported() throws Exception {
        Arm64Tracer.Result r = trace("asm/variants-arm64/broken-spill-below-sp.s");
        assertTrue(r.steps().stream().flatMap(s -> s.writes().stream()).anyMatch(w -> w.name().equals("main's stack [sp-0x10]")),
                Arm64Tracer.text(r));
        Arm64Tracer.Result brk = trace("asm/variants-arm64/broken-brk.s");
        assertFalse(brk.arrived());
        assertTrue(brk.end().contains("broken-brk.s:"), brk.end());
    }

    /**
     * Cem's default arm64 trace ends in a verdict, as the x86-64 one does: every broken variant of
     * asm/variants-arm64 exits 1 with a ✗ or a fault, every ok one exits 0 with nothing but ✓,
     * through the command as a user runs it.
     */
    @Test
    void everyBrokenArm64VariantArrivesWrongAndEveryOkOneRight() throws Exception {
        List<String> wrong = new ArrayList<>();
        int ok = 0, broken = 0;
        try (Stream<Path> files = Files.list(TestFiles.ROOT.resolve("asm/variants-arm64"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".s")).sorted().toList()) {
                var r = TraceCommandTest.run("trace", f.toString());
                if (f.getFileName().toString().startsWith("ok-")) {
                    ok++;
                    if (r.exit() != 0 || r.out().contains("✗") || !r.out().contains("verdict: ✓ the switch did what cem-arm64 says")) {
                        wrong.add(f.getFileName() + ": exit " + r.exit() + " " + r.err());
                    }
                } else {
                    broken++;
                    boolean cross = r.err().contains("arrived wrong: ✗ ");
                    boolean fault = r.err().contains("ctxlab: trace failed: ") && r.out().contains("FAULT: ");
                    if (r.exit() != 1 || !(cross || fault) || !r.out().contains("verdict: ✗ the switch is wrong under cem-arm64")) {
                        wrong.add(f.getFileName() + ": a broken routine exits " + r.exit() + " " + r.err());
                    }
                }
            }
        }
        assertEquals(4, ok);
        assertEquals(17, broken);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theVerdictNamesTheWrongSlotAndIsInTheJson() throws Exception {
        var r = TraceCommandTest.run("trace", "asm/variants-arm64/broken-missing-restore-x24.s");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("ctxlab: trace: switch 1 arrived wrong: ✗ x24 = 0x2424242424242424, but restore struct+0x28 x24"
                + " = 0xa024242424242424"), r.err());
        assertTrue(r.out().contains("✓ x23 = 0xa023232323232323 from restore struct+0x20 x23"), r.out());
        // makecontext's x29 = 0 would hide a cleared frame pointer: the strand's is memorable
        var fp = TraceCommandTest.run("trace", "asm/variants-arm64/broken-fp-cleared-after-restore.s");
        assertTrue(fp.err().contains("✗ x29 = 0x0, but restore struct+0x50 x29 = 0xa029292929292929"), fp.err());
        // a routine that never switches FPCR (the 168-byte layout) passes, as verify has it, and says so
        var noFpcr = TraceCommandTest.run("trace", "asm/variants-arm64/ok-no-fpcr-168-bytes.s");
        assertTrue(noFpcr.out().contains("✓ FPCR not judged: the routine never reads or writes it"), noFpcr.out());

        JsonNode bad = new ObjectMapper().readTree(TraceCommandTest.run("trace", "asm/variants-arm64/broken-missing-restore-x24.s",
                "--format", "json").out());
        assertFalse(bad.get("verdict").asBoolean());
        assertEquals(1, bad.get("switches").size());
        JsonNode sw = bad.get("switches").get(0);
        assertEquals("main", sw.get("from").asText());
        assertTrue(sw.get("arrived").asBoolean());
        assertFalse(sw.get("right").asBoolean());
        long crosses = 0;
        for (JsonNode c : sw.get("checks")) if (!c.get("ok").asBoolean()) crosses++;
        assertEquals(1, crosses, sw.toString());
        JsonNode good = new ObjectMapper().readTree(TraceCommandTest.run("trace", "asm/context_arm64.s", "--format", "json").out());
        assertTrue(good.get("verdict").asBoolean());
        assertTrue(good.get("switches").get(0).get("right").asBoolean());
        // the page's data carries them too: its script shows the checks at the last step
        String page = TraceCommandTest.run("trace", "asm/variants-arm64/broken-missing-restore-x24.s", "--format", "html").out();
        assertTrue(page.contains("\"verdict\":false") && page.contains("but restore struct+0x28 x24"), "no verdict in the page");
    }
}
