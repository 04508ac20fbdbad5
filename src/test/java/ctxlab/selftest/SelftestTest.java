package ctxlab.selftest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Assembly;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SelftestTest {
    static Assembly assembly;

    @BeforeAll
    static void assemble() {
        assembly = Selftest.assemble(TestFiles.ROOT, TestFiles.SWITCH);
    }

    static Map<String, Outcome> byName(List<Outcome> outcomes) {
        return outcomes.stream().collect(Collectors.toMap(Outcome::name, Function.identity()));
    }

    @Test
    void allSixScenariosPassInUnicorn() {
        List<Outcome> outcomes = Selftest.runEmulated(assembly);
        assertEquals(List.of("simple-switch", "multiple-switches", "context-to-context", "stack-preservation",
                "floating-point", "stack-size-validation"), outcomes.stream().map(Outcome::name).toList());
        for (Outcome o : outcomes) assertTrue(o.passed(), o.name() + ": " + o.failures());
        Map<String, Outcome> m = byName(outcomes);
        // Switches counted by the emulator at the routine's entry, not by the scenarios.
        assertEquals(2, m.get("simple-switch").switches());
        assertEquals(2000, m.get("multiple-switches").switches());
        assertEquals(4, m.get("context-to-context").switches());
        assertEquals(24, m.get("stack-preservation").switches());
        assertEquals(16, m.get("floating-point").switches());
        assertTrue(m.get("multiple-switches").instructions() > 2000 * 17);
        assertTrue(m.get("floating-point").notes().get(0).contains("not switched"));
    }

    /** Patches one byte of the switch routine in the assembled code. */
    static Assembly patch(int offset, int expectedOld, int value) {
        byte[] code = assembly.code();
        assertEquals(expectedOld, code[offset] & 0xFF, "the byte to corrupt");
        code[offset] = (byte) value;
        return new Assembly(code, assembly.base(), assembly.symbols(), assembly.lines());
    }

    @Test
    void corruptingTheR13SaveOffsetFailsTheScenarios() {
        // movq %r13, 24(%rdi) = 4c 89 6f 18 at offset 0x0b: the displacement byte is 0x0e.
        Map<String, Outcome> m = byName(Selftest.runEmulated(patch(0x0e, 0x18, 0x10)));
        for (Outcome o : m.values()) assertFalse(o.passed(), o.name() + " passed with r13 saved into the r12 slot");
        // What went wrong is said in terms of registers and source lines.
        String simple = String.join("\n", m.get("simple-switch").failures());
        assertTrue(simple.contains("main r13 after switching: expected 0x3333333333333333, got 0x0")
                || simple.contains("asm/strands/simple.s:"), simple);
    }

    @Test
    void droppingTheMxcsrRestoreIsCaught() {
        // ldmxcsr 56(%rsi) = 0f ae 56 38 at 0x3a: turn it into a 4-byte nop (0f 1f 40 00).
        byte[] code = assembly.code();
        code[0x3a + 1] = 0x1f;
        code[0x3a + 2] = 0x40;
        code[0x3a + 3] = 0x00;
        Assembly broken = new Assembly(code, assembly.base(), assembly.symbols(), assembly.lines());
        Map<String, Outcome> m = byName(Selftest.runEmulated(broken));
        assertFalse(m.get("floating-point").passed());
        assertTrue(String.join("\n", m.get("floating-point").failures()).contains("MXCSR"));
        // Main runs with round-up MXCSR: the strand now inherits it instead of starting with 0x1F80.
        assertTrue(String.join("\n", m.get("simple-switch").failures()).contains("strand entry MXCSR: expected 0x1f80, got 0x5f80"),
                m.get("simple-switch").failures().toString());
        assertTrue(m.get("multiple-switches").passed(), "ping-pong never looks at MXCSR");
    }

    @Test
    void aRoutineThatLoopsForeverEndsWithABudgetError(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path loop = dir.resolve("loop.s");
        Files.writeString(loop, ".globl cem_swapcontext\ncem_swapcontext:\n  jmp cem_swapcontext\n");
        Assembly a = Selftest.assemble(TestFiles.ROOT, loop);
        Outcome o = Selftest.runEmulated(a).get(0);
        assertFalse(o.passed());
        String f = o.failures().get(0);
        assertTrue(f.contains("budget") && f.contains(loop + ":3"), f);
    }
}
