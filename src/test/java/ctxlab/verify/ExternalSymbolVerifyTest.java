package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.Conventions;
import ctxlab.asm.Assembly;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** A switch that calls or jumps to a symbol it does not define fails termination at that line. */
class ExternalSymbolVerifyTest {

    /** Cem's routine with {@code extra} in place of its final ret, and the line number it lands on. */
    static String routine(String extra) throws Exception {
        String src = Files.readString(TestFiles.SWITCH);
        int ret = src.lastIndexOf("ret");
        assertTrue(ret > 0);
        return src.substring(0, ret) + extra + "\n        ret\n";
    }

    static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(needle)) return i + 1;
        throw new AssertionError(needle);
    }

    static Violation termination(Report r) {
        return r.violations().stream().filter(v -> v.property() == Property.TERMINATION).findFirst().orElse(null);
    }

    @Test
    void aCallToExitAfterTheSwitchFailsTerminationNamingItAndTheLine() throws Exception {
        String src = routine("xorl %edi, %edi\n        call _exit@PLT");
        Assembly a = VerifierTest.assemble("exit.s", src);
        assertEquals(1, a.relocations().size());
        Report r = VerifierTest.verify(a, "exit.s", 40, 7);
        Violation v = termination(r);
        assertNotNull(v, CorpusTest.describe(r));
        int line = lineOf(src, "call _exit@PLT");
        assertTrue(v.detail().startsWith("calls _exit@PLT (from exit.s:" + line + ")"), v.detail());
        assertEquals("exit.s:" + line + ": call _exit@PLT", v.line());
        assertFalse(r.passed(false));
    }

    @Test
    void aTailJumpToAnUndefinedSymbolLikewise() throws Exception {
        String src = routine("jmp foo");
        Report r = VerifierTest.verify(VerifierTest.assemble("jmp.s", src), "jmp.s", 40, 7);
        Violation v = termination(r);
        assertNotNull(v, CorpusTest.describe(r));
        int line = lineOf(src, "jmp foo");
        assertTrue(v.detail().startsWith("calls foo (from jmp.s:" + line + ")"), v.detail());
        assertEquals("jmp.s:" + line + ": jmp foo", v.line());
        // the jump replaces the ret: only termination (no stray push) is wrong
        assertEquals(java.util.List.of(Property.TERMINATION), r.violations().stream().map(Violation::property).toList());
    }

    @Test
    void theRoutineWithoutRelocationsIsUnchanged() throws Exception {
        Assembly a = VerifierTest.assemble("asm/context_x86_64.s", Files.readString(TestFiles.SWITCH));
        assertTrue(a.relocations().isEmpty());
        Report r = VerifierTest.verify(a, "asm/context_x86_64.s", 200, 3);
        assertTrue(r.passed(false), CorpusTest.describe(r));
    }

    @Test
    void theConventionVerifierNamesItToo() throws Exception {
        String src = routine("jmp foo");
        Assembly a = VerifierTest.assemble("jmp.s", src);
        try (ConventionVerifier v = new ConventionVerifier(Conventions.byName("cem").orElseThrow(), a, "jmp.s",
                Verifier.DEFAULT_SYMBOL, null)) {
            Report r = v.run(40, 7);
            Violation t = termination(r);
            assertNotNull(t, CorpusTest.describe(r));
            int line = lineOf(src, "jmp foo");
            assertTrue(t.detail().startsWith("calls foo (from jmp.s:" + line + ")"), t.detail());
            assertEquals("jmp.s:" + line + ": jmp foo", t.line());
        }
    }
}
