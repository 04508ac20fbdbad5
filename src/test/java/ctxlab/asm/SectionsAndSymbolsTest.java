package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The section and symbol directives both front-ends leave to {@link SectionsAndSymbols}. */
class SectionsAndSymbolsTest {
    private final SectionsAndSymbols state = new SectionsAndSymbols();
    private int line;

    /** One statement "directive args" at the next line of a.s, the code's next statement index given. */
    private boolean say(String directive, String args, int statementIndex) {
        line++;
        return state.handle(directive, args, new SourceLocation("a.s", line), (directive + " " + args).strip(), statementIndex);
    }

    private boolean say(String directive, String args) {
        return say(directive, args, 0);
    }

    @Test
    void pushedSectionsComeBackInReverseOrder() {
        assertTrue(state.inCode());
        assertTrue(say(".pushsection", ".rodata"));
        assertFalse(state.inCode());
        assertTrue(say(".pushsection", ".text.hot, \"ax\""));
        assertTrue(state.inCode());
        assertTrue(say(".pushsection", ".note.gnu.property, \"a\""));
        assertEquals(".note.gnu.property", state.sectionName());
        assertTrue(say(".popsection", ""));
        assertEquals(".text.hot", state.sectionName());
        assertTrue(say(".popsection", ""));
        assertEquals(".rodata", state.sectionName());
        assertTrue(say(".popsection", ""));
        assertEquals(".text", state.sectionName());
        assertTrue(state.inCode());
    }

    @Test
    void codeIsTextOrAnExecutableFlagNotATypeLikeAtProgbits() {
        say(".section", ".init, \"ax\", @progbits");
        assertTrue(state.inCode());
        say(".section", ".text.startup");
        assertTrue(state.inCode());
        say(".section", ".rodata.str, \"aMS\", @progbits, 1");
        assertFalse(state.inCode());
        say(".section", ".note.GNU-stack, \"\", @progbits");
        assertFalse(state.inCode());
        say(".section", ".weird, @x");
        assertFalse(state.inCode(), "a flags field starting with @ is a type, not flags");
        say(".bss", "");
        assertFalse(state.inCode());
        say(".text", "");
        assertTrue(state.inCode());
    }

    @Test
    void previousSwapsTheLastTwoSections() {
        say(".data", "");
        assertTrue(say(".previous", ""));
        assertEquals(".text", state.sectionName());
        assertTrue(say(".previous", ""));
        assertEquals(".data", state.sectionName());
        // .popsection restores the pushed section but leaves .previous's partner as .pushsection set it.
        say(".pushsection", ".note, \"a\"");
        say(".popsection", "");
        assertEquals(".data", state.sectionName());
        say(".previous", "");
        assertEquals(".data", state.sectionName());
    }

    @Test
    void aNewFileStartsInTextWithNothingPushed() {
        say(".pushsection", ".rodata");
        state.startFile();
        assertEquals(".text", state.sectionName());
        var e = assertThrows(AsmException.class, () -> say(".popsection", ""));
        assertEquals("a.s:2: .popsection without .pushsection\n    .popsection", e.getMessage());
    }

    @Test
    void popsectionWithoutPushsectionIsRefusedAtItsLine() {
        say(".pushsection", ".data");
        say(".popsection", "");
        var e = assertThrows(AsmException.class, () -> say(".popsection", ""));
        assertEquals("a.s:3: .popsection without .pushsection\n    .popsection", e.getMessage());
        assertEquals(new SourceLocation("a.s", 3), e.where());
    }

    @Test
    void aSectionWithoutANameIsRefused() {
        var e = assertThrows(AsmException.class, () -> say(".section", "\"\", \"ax\""));
        assertEquals("a.s:1: section name missing\n    .section \"\", \"ax\"", e.getMessage());
    }

    @Test
    void globalsAreListedAndABlankNameInTheListIsRefused() {
        assertTrue(say(".globl", "f, g"));
        assertTrue(say(".weak", "h"));
        assertTrue(state.symbol("g", 0, new long[] {0}).global());
        assertFalse(state.symbol("k", 0, new long[] {0}).global());
        var e = assertThrows(AsmException.class, () -> say(".global", "a, , b"));
        assertEquals("a.s:3: symbol name missing\n    .global a, , b", e.getMessage());
    }

    @Test
    void anUndefinedGlobalIsBlamedWhereItWasFirstDeclared() {
        say(".globl", "f");
        say(".globl", "main, f");
        state.checkGlobalsDefined(Set.of("f", "main")::contains);
        var e = assertThrows(AsmException.class, () -> state.checkGlobalsDefined(Set.of("main")::contains));
        assertEquals("a.s:1: symbol 'f' is declared global but never defined\n    .globl f", e.getMessage());
    }

    @Test
    void dotMinusSymbolMeasuresTheCodeUpToTheStatementIndex() {
        long[] offset = {0, 4, 9, 12, 20};
        assertTrue(say(".size", "f, .-f", 3));
        assertEquals(12 - 4, state.symbol("f", 4, offset).size());
        // In a data section the end is not placed: the size stays unknown.
        say(".data", "");
        say(".size", "d, . - d", 4);
        assertEquals(-1, state.symbol("d", 9, offset).size());
        // .-other is an expression ctxlab does not evaluate: ignored, as GNU as would leave it to the object file.
        say(".text", "");
        say(".size", "g, .-f", 4);
        assertEquals(-1, state.symbol("g", 0, offset).size());
    }

    @Test
    void aNumericSizeIsTakenAsIsInAnySection() {
        say(".size", "f, 0x10");
        say(".data", "");
        say(".size", "d, 42");
        assertEquals(16, state.symbol("f", 0, new long[] {0}).size());
        assertEquals(42, state.symbol("d", 0, new long[] {0}).size());
        var e = assertThrows(AsmException.class, () -> say(".size", "f"));
        assertEquals("a.s:4: .size needs a symbol and a size\n    .size f", e.getMessage());
    }

    @Test
    void otherDirectivesAreLeftToTheCaller() {
        assertFalse(say(".set", "x, 1"));
        assertFalse(say(".quad", "1"));
        assertFalse(say(".end", ""));
        assertEquals(".text", state.sectionName());
    }
}
