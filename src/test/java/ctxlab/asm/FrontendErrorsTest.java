package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the front-end refuses, and that it always says where and why; Keystone bounded. */
class FrontendErrorsTest {
    @TempDir
    Path dir;

    static Assembly assemble(String text) {
        return Assembler.assemble(new SourceFile("t.s", text), 0);
    }

    static AsmException error(String text) {
        return assertThrows(AsmException.class, () -> assemble(text));
    }

    static void errorAt(int line, String text, String expected) {
        AsmException e = error(text);
        assertEquals(new SourceLocation("t.s", line), e.where(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    static boolean haveCpp() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, "cpp")) || Files.isExecutable(Path.of(d, "gcc"))) return true;
        }
        return false;
    }

    // ---- the C preprocessor -------------------------------------------------------------

    /**
     * An unterminated string: GNU as warns and runs the string on into the next lines; Keystone loops on
     * it until its time limit, twice (~16 s). Refused at once, naming its line, on both architectures.
     */
    @Test
    void anUnterminatedStringIsRefusedAtOnceWithItsLine() {
        errorAt(3, ".globl f\nf:\n  .ascii \"abc\n  ret\n", "unterminated string");
        errorAt(3, ".globl f\nf:\n  .ascii \"ab\\\"c # \\\" escaped quotes and a comment inside\n  ret\n", "unterminated string");
        AsmException arm = assertThrows(AsmException.class,
                () -> Arm64Assembler.assemble(new SourceFile("a.s", ".globl f\nf:\n  .ascii \"abc\n  ret\n"), 0));
        assertEquals(new SourceLocation("a.s", 3), arm.where(), arm.getMessage());
        assertTrue(arm.getMessage().contains("unterminated string"), arm.getMessage());
    }

    /**
     * Character constants quote the character after them, as GNU as reads them: '#' is no comment,
     * ';' no statement separator, '"' no string (these bytes are what GNU as 2.40 gives for them).
     */
    @Test
    void characterConstantsQuoteTheirCharacter() {
        Assembly a = assemble(".globl f\nf:\n  cmpb $'#', %al\n  movb $';', %al\n  movb $'\"', %al\n  ret # it's done\n");
        assertEquals("3c23b03bb022c3", a.hex());
        assertEquals("6173630a", assemble(".ascii \"asc\\n\"  # a closed string with an escape\n").hex());
    }

    @Test
    void lineMarkersPointIntoTheSourceAndItsHeaders() throws Exception {
        Assumptions.assumeTrue(haveCpp(), "no C preprocessor");
        Files.createDirectories(dir.resolve("inc"));
        Files.writeString(dir.resolve("inc/regs.h"), "/* header */\n#define SAVE movq %rbx, (%rdi)\n#define BAD movq 8(%rdi), %rbz\n");
        Path s = dir.resolve("sw.S");
        Files.writeString(s, "#include \"regs.h\"\n\n# comment\n  .text\nf:\n  SAVE\n#ifdef BROKEN\n  BAD\n#endif\n  ret\n");
        SourceOptions inc = new SourceOptions(false, List.of(), List.of(), List.of(dir.resolve("inc").toString()));
        SourceFile read = SourceFile.read(s, inc);
        Assembly a = Assembler.assemble(new SourceFile("sw.S", read.text()), 0);
        assertEquals("48891fc3", a.hex());
        assertEquals(new SourceLocation("sw.S", 6), a.lines().get(0).where());
        assertEquals(new SourceLocation("sw.S", 10), a.lines().get(1).where());

        // -D reaches the preprocessor, and an error in a macro is blamed on the line that uses it.
        SourceOptions broken = new SourceOptions(false, List.of("BROKEN=1"), List.of(), inc.includes());
        AsmException e = assertThrows(AsmException.class,
                () -> Assembler.assemble(new SourceFile("sw.S", SourceFile.read(s, broken).text()), 0));
        assertEquals(new SourceLocation("sw.S", 8), e.where());
        assertTrue(e.getMessage().contains("unknown register %rbz"), e.getMessage());

        // -U undoes a -D given before it, as with cpp.
        SourceOptions undone = new SourceOptions(false, List.of("BROKEN=1"), List.of("BROKEN"), inc.includes());
        assertEquals("48891fc3", Assembler.assemble(SourceFile.read(s, undone), 0).hex());

        // An instruction written in the header itself keeps the header's own file:line.
        Files.writeString(dir.resolve("inc/code.h"), "\n\n  movq 8(%rdi), %rbz\n");
        Path t = dir.resolve("t.S");
        Files.writeString(t, "nop\n#include \"code.h\"\n");
        AsmException h = assertThrows(AsmException.class, () -> Assembler.assemble(SourceFile.read(t, inc), 0));
        assertTrue(h.where().file().endsWith("inc/code.h"), h.getMessage());
        assertEquals(3, h.where().line());
    }

    @Test
    void preprocessorErrorsAndAMissingPreprocessorAreClear() throws Exception {
        Assumptions.assumeTrue(haveCpp(), "no C preprocessor");
        Path s = dir.resolve("e.S");
        Files.writeString(s, "nop\n#error \"needs FOO\"\n");
        AsmException e = assertThrows(AsmException.class, () -> SourceFile.read(s));
        assertTrue(e.getMessage().contains("e.S:2") && e.getMessage().contains("needs FOO"), e.getMessage());
        AsmException missing = assertThrows(AsmException.class, () -> Preprocessor.command("/nonexistent"));
        assertTrue(missing.getMessage().contains("Debian package cpp"), missing.getMessage());
    }

    @Test
    void aDotSFileWithPreprocessorLinesIsRefusedButCommentsAreFine() throws Exception {
        String src = "# a comment\n  nop\n#ifdef __i386__\n  movl 4(%esp), %eax\n#endif\n  ret\n";
        errorAt(3, src, "name the file .S or pass --cpp");
        errorAt(1, "#include <cet.h>\nnop\n", "--cpp");
        errorAt(2, "nop\n#define X 1\n", "C preprocessor line");
        errorAt(2, "nop\n  # include \"ctx.h\"\n", "C preprocessor line");
        assertEquals("90c3", assemble("# comment\n  # indented comment\nnop # trailing\n# 1 plus 1\n# include the frame pointer\n# if it fits\nret\n").hex());
        Assumptions.assumeTrue(haveCpp(), "no C preprocessor");
        Path s = dir.resolve("plain.s");
        Files.writeString(s, src);
        SourceOptions cpp = new SourceOptions(true, List.of(), List.of(), List.of());
        assertEquals("90c3", Assembler.assemble(SourceFile.read(s, cpp), 0).hex()); // the i386 branch is gone
    }

    // ---- hostile input: never a hang, never a flood ------------------------------------------

    @Test
    void statementsKeystoneLoopsOnAreRefusedFirst() {
        errorAt(2, "nop\n*\n", "not a statement");
        errorAt(2, "nop\n  :\n", "not a statement");
        errorAt(1, "\u00e9nop\n", "non-ASCII character U+00E9");
        errorAt(3, "nop\nnop\n\u200bret\n", "U+200B");
        errorAt(1, "nop\u0000\n", "control character 0x00");
        assertEquals("90c3", assemble("\uFEFFnop\nret\n").hex()); // a BOM is dropped
        assertEquals("90c3", assemble("nop # é in a comment\n/* ü */ ret\n").hex());
    }

    @Test
    void sizesAreCheckedBeforeKeystone() {
        errorAt(2, "nop\n.fill 1000000000\n", "more than 1 MiB");
        errorAt(1, ".space 4000000000\n", "more than 1 MiB");
        errorAt(1, ".skip 0x100001\n", "more than 1 MiB");
        errorAt(1, ".zero 1<<30\n", "more than 1 MiB");
        errorAt(2, "nop\n.fill 300000, 8, 0\n", "more than 1 MiB");
        errorAt(1, ".p2align 40\n", "1 MiB");
        errorAt(1, ".rept 100000000\nnop\n.endr\n", "more than 20000 statements");
        errorAt(1, ".fill size, 1, 0\n", "must be a constant");
        errorAt(1, ".rept 3\nnop\n", ".rept without .endr");
        // Many small ones add up.
        errorAt(3, ".space 600000\nnop\n.space 600000\n", "more than 1 MiB");
        assertEquals("909090c3", assemble(".rept 3\n  nop\n.endr\nret\n").hex());
        assertEquals("cccc90", assemble(".space 2, 0xcc\nnop\n").hex());
    }

    @Test
    void aRunawayKeystoneIsAbandonedAndTheNextCallWorks() throws Exception {
        KeystoneRunner runner = new KeystoneRunner(1);
        KeystoneRunner.Timeout t = assertThrows(KeystoneRunner.Timeout.class, () -> runner.asm(".att_syntax\n*\n", 0));
        assertEquals("Keystone did not answer within 1 s", t.getMessage());
        // The abandoned call was interrupted (Chicory's compiled code checks the flag): its thread ends
        // instead of spinning on. (join's bound only keeps a broken build from hanging the suite.)
        Thread abandoned = runner.abandoned();
        assertTrue(abandoned != null);
        abandoned.join(120_000);
        assertFalse(abandoned.isAlive(), "the abandoned Keystone thread is still running");
        // And the runner starts afresh.
        assertEquals("90", java.util.HexFormat.of().formatHex(runner.asm(".att_syntax\nnop\n", 0).bytes()));
    }

    @Test
    void aHangThatGetsPastTheFrontEndIsBlamedOnItsLine() {
        // ".byte *" makes Keystone loop; the front-end lets it through (it is not a size), the time limit catches it.
        Assembler.keystoneLimit(1.0);
        try {
            errorAt(3, "nop\nnop\n.byte *\nret\n", "Keystone did not answer within 1 s (it loops on this statement)");
            assertEquals("90c3", assemble("nop\nret\n").hex()); // and Keystone works again
        } finally {
            Assembler.keystoneLimit(null);
        }
    }

    // ---- typos and misuse: file:line and a reason -------------------------------------------

    @Test
    void typosAndRefusalsNameTheLineAndSayWhy() {
        StringBuilder src = new StringBuilder();
        for (int i = 1; i < 50; i++) src.append("  nop\n");
        src.append("  movq 8(%rdi), %rbz\n  ret\n");
        errorAt(50, src.toString(), "unknown register %rbz");
        errorAt(1, "rdsspq (%rax)\n", "needs a register operand");
        errorAt(1, "rstorssp %rax\n", "needs a memory operand");
        errorAt(1, "rstorssp slot(%rip)\n", "registers and numbers only");
        errorAt(1, "wrssq %eax, (%rdi)\n", "64-bit general register");
        errorAt(1, "movq %gs:tls_var@tpoff, %rax\n", "TLS relocation");
        errorAt(2, "nop\n.code32\n", "only 64-bit code");
        errorAt(1, ".att_syntax noprefix\n", "not supported");
        errorAt(1, ".irp r, rax\n", ".irp loops are not expanded");
        errorAt(1, ".if 1\n", "use #if in a .S file");
        errorAt(1, ".incbin \"x\"\n", "no file access");
        errorAt(2, "nop\n  movq nowhere+8(%rip), %rax\n", "undefined symbol");
        // Control characters in the quoted line are escaped, and only that one line is quoted.
        AsmException e = error("nop\nmovq %rax, %\u001b[31mevil\nsecret line\n");
        assertFalse(e.getMessage().contains("\u001b"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void endStopsReadingAndSyntaxDoesNotLeakIntoTheNextFile() {
        assertEquals("90", assemble("nop\n.end\n*\n\u00e9\n").hex());
        assertEquals("e800000000", assemble(".globl _exit\ncall _exit\n").hex()); // a global only referred to
        Assembly a = Assembler.assemble(List.of(new SourceFile("a.s", ".intel_syntax noprefix\nmov rax, 10\n"),
                new SourceFile("b.s", "movq $10, %rax\n")), 0);
        assertEquals("48c7c00a00000048c7c00a000000", a.hex());
    }
}
