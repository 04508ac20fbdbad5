package ctxlab.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The six scenarios with AArch64 strand bodies, in Unicorn: they pass on ours and catch broken routines. */
class Arm64SelftestTest {
    static List<Outcome> run(String switchFile) {
        Path root = TestFiles.ROOT;
        return Arm64Selftest.run(Arm64Selftest.assemble(Arm64Selftest.sources(root, root.resolve(switchFile), Path::toString)));
    }

    static Map<String, Outcome> byName(List<Outcome> outcomes) {
        return outcomes.stream().collect(Collectors.toMap(Outcome::name, o -> o));
    }

    @Test
    void allSixPassOnOurRoutine() {
        List<Outcome> o = run("asm/context_arm64.s");
        assertEquals(List.of("simple-switch", "multiple-switches", "context-to-context", "stack-preservation",
                "floating-point", "stack-size-validation"), o.stream().map(Outcome::name).toList());
        for (Outcome x : o) assertTrue(x.passed(), x.name() + ": " + x.failures());
        Map<String, Outcome> m = byName(o);
        assertEquals(2000, m.get("multiple-switches").switches());
        assertEquals(4, m.get("context-to-context").switches());
        assertEquals(18, m.get("stack-preservation").switches());
        assertEquals(12, m.get("floating-point").switches());
    }

    @Test
    void leavingFpcrAloneLeaksRoundingModes() {
        Map<String, Outcome> m = byName(run("asm/variants-arm64/ok-no-fpcr-168-bytes.s"));
        assertTrue(m.get("multiple-switches").passed());
        Outcome fp = m.get("floating-point");
        assertTrue(!fp.passed() && fp.failures().contains("A's FPCR at turn 1: expected 0x800000, got 0x400000"), fp.failures().toString());
        assertTrue(m.get("simple-switch").failures().contains("strand entry FPCR (default): expected 0x0, got 0x400000"),
                m.get("simple-switch").failures().toString());
    }

    @Test
    void brokenRoutinesFailWithAddressAndLine() {
        Map<String, Outcome> m = byName(run("asm/variants-arm64/broken-sp-from-lr-slot.s"));
        for (Outcome o : m.values()) assertTrue(!o.passed(), o.name());
        assertTrue(m.get("simple-switch").failures().get(0).startsWith("jumped to 0x"), m.get("simple-switch").failures().toString());
        Map<String, Outcome> x24 = byName(run("asm/variants-arm64/broken-missing-restore-x24.s"));
        String f = x24.get("stack-preservation").failures().get(0);
        assertTrue(f.contains("broken-missing-restore-x24.s:"), f);
        Map<String, Outcome> clobber = byName(run("asm/variants-arm64/broken-fp-cleared-after-restore.s"));
        assertTrue(clobber.get("simple-switch").failures().stream().anyMatch(s -> s.startsWith("main x29 (its frame pointer)")),
                clobber.get("simple-switch").failures().toString());
    }
}
