package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The line reading both front-ends share: cpp's line markers followed, directives refused in unprocessed files. */
class SourceTextTest {
    @Test
    void lineMarkersAreFollowedAndTheFirstNamesTheFileItself() {
        SourceFile f = new SourceFile("sw.S", String.join("\n",
                "# 1 \"/tmp/cpp-input.S\"", "a", "# 1 \"/usr/include/x.h\" 1 3", "b", "c",
                "# 7 \"/tmp/cpp-input.S\" 2", "d"));
        List<SourceText.Line> lines = SourceText.lines(f, f.text());
        assertEquals(List.of("sw.S:1 a", "/usr/include/x.h:1 b", "/usr/include/x.h:2 c", "sw.S:7 d"),
                lines.stream().map(l -> l.where().file() + ":" + l.where().line() + " " + l.raw()).toList());
    }

    @Test
    void aDirectiveInAFileThatWasNotPreprocessedIsRefusedAtItsLineOnBothArchitectures() {
        for (String directive : List.of("#if defined(__x86_64__)", "#error unsupported", "#include <cet.h>", "#define X 1")) {
            var x86 = assertThrows(AsmException.class,
                    () -> Assembler.assemble(new SourceFile("a.s", "nop\n" + directive + "\nnop\n"), 0x40_0000));
            assertTrue(x86.getMessage().contains("a.s:2") && x86.getMessage().contains("not preprocessed"), x86.getMessage());
            var a64 = assertThrows(AsmException.class,
                    () -> Arm64Assembler.assemble(new SourceFile("b.s", "nop\n" + directive + "\nnop\n"), 0x40_0000));
            assertTrue(a64.getMessage().contains("b.s:2") && a64.getMessage().contains("not preprocessed"), a64.getMessage());
        }
    }

    @Test
    void quotesAndEscapedCharactersBelongToTheString() {
        // a " b \ " c " d
        assertArrayEquals(new boolean[] {true, false, false, false, false, false, false, true},
                SourceText.outsideStrings("a\"b\\\"c\"d"));
        assertArrayEquals(new boolean[] {true, false, false}, SourceText.outsideStrings("x\"y"), "unterminated: to the end");
        assertEquals(List.of("a", " \"b;c\" ", " d"), SourceText.splitStatements("a; \"b;c\" ; d"));
        assertEquals(".ascii \"#//\" ", SourceText.stripLineComment(".ascii \"#//\" # x", true));
    }

    @Test
    void onlyPrintableAsciiAndTabsStandOutsideStrings() {
        SourceText.checkCharacters(new SourceLocation("a.s", 1), ".ascii \"\u00e9\u0001\"\tnop");
        var e = assertThrows(AsmException.class, () -> SourceText.checkCharacters(new SourceLocation("a.s", 4), "mov \u00e9, %al"));
        assertEquals("a.s:4: non-ASCII character U+00E9 outside a comment or string (GNU as syntax is ASCII)\n    mov \u00e9, %al",
                e.getMessage());
        e = assertThrows(AsmException.class, () -> SourceText.checkCharacters(new SourceLocation("a.s", 5), "nop\u0001"));
        assertTrue(e.getMessage().startsWith("a.s:5: control character 0x01 outside a comment or string"), e.getMessage());
    }
}
