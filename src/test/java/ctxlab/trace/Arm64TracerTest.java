package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
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
}
