package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AssemblerTest {
    static final String SWAP_HEX = "48891f48896f084c8967104c896f184c8977204c897f28488967300fae5f38"
            + "488b1e488b6e084c8b66104c8b6e184c8b76204c8b7e28488b66300fae5638c3";

    static Assembly assemble(String name, String text) {
        return Assembler.assemble(new SourceFile(name, text), 0);
    }

    static AsmException error(String text) {
        return assertThrows(AsmException.class, () -> assemble("bad.s", text));
    }

    @Test
    void ourSwitchRoutineIs63BytesIn17Instructions() {
        Assembly a = Assembler.assemble(SourceFile.read(TestFiles.SWITCH), 0);
        assertEquals(SWAP_HEX, a.hex());
        assertEquals(63, a.size());
        assertEquals(17, a.instructionCount());
        Assembly.Symbol s = a.symbol("cem_swapcontext");
        assertEquals(0, s.offset());
        assertTrue(s.global());
        assertEquals(63, s.size());
        // The line map: first and last instruction, with their own source lines.
        Assembly.Line first = a.lines().get(0), last = a.lines().get(16);
        assertEquals(0, first.offset());
        assertEquals(3, first.length());
        assertTrue(first.text().contains("movq    %rbx, 0(%rdi)"), first.text());
        assertEquals(62, last.offset());
        assertEquals("ret", last.text().split("\\s+")[0]);
        assertEquals(TestFiles.SWITCH.toString(), first.where().file());
        assertEquals(last.where().line(), lineOf(TestFiles.SWITCH, "        ret "));
        assertEquals(a.lines().get(7), a.lineAt(0x1b + 2)); // inside stmxcsr
    }

    private static int lineOf(Path file, String prefix) {
        try {
            List<String> lines = java.nio.file.Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith(prefix)) return i + 1;
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no line starting with " + prefix);
    }

    @Test
    void baseAddressMovesSymbolsButNotOffsets() {
        Assembly a = Assembler.assemble(SourceFile.read(TestFiles.SWITCH), 0x40_0000);
        assertEquals(0x40_0000, a.address("cem_swapcontext"));
        assertEquals(SWAP_HEX, a.hex());
    }

    static Stream<List<String>> gnuAsFiles() {
        return Stream.of(
                List.of("asm/context_x86_64.s"),
                List.of("src/test/resources/gnu-as/fcontext_style.s"),
                List.of("src/test/resources/gnu-as/cem_upstream_style.s"),
                List.of("src/test/resources/gnu-as/cfi_style.s"),
                List.of("asm/context_x86_64.s", "asm/strands/simple.s", "asm/strands/pingpong.s",
                        "asm/strands/chain.s", "asm/strands/stack.s", "asm/strands/fp.s"));
    }

    /** Byte-identical to GNU as, whenever GNU as is installed (binutils; CI machines have it). */
    @ParameterizedTest
    @MethodSource("gnuAsFiles")
    void sameBytesAsGnuAs(List<String> names) throws Exception {
        Assumptions.assumeTrue(TestFiles.haveGnuAs(), "binutils (as, ld, objcopy) not installed: no reference assembler to compare with");
        List<Path> files = names.stream().map(TestFiles.ROOT::resolve).toList();
        String expected = TestFiles.gnuAs(files).orElseThrow();
        Assembly a = Assembler.assemble(files.stream().map(SourceFile::read).toList(), 0);
        assertEquals(expected, a.hex(), "bytes differ from GNU as for " + names);
    }

    @Test
    void realWorldDirectivesAreUnderstood() {
        Assembly a = Assembler.assemble(SourceFile.read(TestFiles.resource("gnu-as/fcontext_style.s")), 0);
        Assembly.Symbol jump = a.symbol("ctx_jump");
        assertTrue(jump.global());
        assertEquals(a.size(), jump.size());
        assertEquals("f30f1efa", a.hex().substring(0, 8));  // endbr64 emitted as bytes
        assertEquals(25, a.instructionCount());
        assertEquals(13, a.lines().get(1).where().line()); // the leaq after endbr64, comments skipped
    }

    @Test
    void compilerStyleDirectivesAndLocalLabels() {
        Assembly a = Assembler.assemble(SourceFile.read(TestFiles.resource("gnu-as/cfi_style.s")), 0);
        assertTrue(a.symbol("rt_switch").global());
        assertFalse(a.symbol(".Lresume").global());
        assertEquals(a.symbol("rt_call").offset(), a.symbol("rt_switch").size());
        // lea .Lresume(%rip): the displacement reaches the label (from the end of the 7-byte lea).
        Assembly.Line lea = a.lines().stream().filter(l -> l.text().startsWith("leaq")).findFirst().orElseThrow();
        int disp = java.nio.ByteBuffer.wrap(a.code(), (int) lea.offset() + 3, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(a.symbol(".Lresume").offset(), lea.offset() + lea.length() + disp);
        assertEquals(12 + 4, a.instructionCount());
    }

    @Test
    void semicolonsAndNumericLocalLabels() {
        Assembly a = Assembler.assemble(SourceFile.read(TestFiles.resource("gnu-as/cem_upstream_style.s")), 0);
        assertEquals(17 + 7, a.instructionCount());
        assertTrue(a.symbol("count_down").global());
        assertEquals(a.symbol("count_down").offset(), a.symbol("cem_swap").size());
        // Two statements on one line share the line number but not the offset.
        Assembly.Line l0 = a.lines().get(0), l1 = a.lines().get(1);
        assertEquals(l0.where(), l1.where());
        assertEquals(l0.offset() + l0.length(), l1.offset());
        assertFalse(a.symbols().keySet().stream().anyMatch(n -> n.startsWith(".Lctxlab")));
    }

    @Test
    void numericLabelsPickTheNearestDefinitionInTheirDirection() {
        Assembly a = assemble("n.s", """
                1:  nop
                    jmp 1f
                1:  nop
                    jmp 1b
                    jmp 1f
                1:  ret
                """);
        // jmp 1f at 1 -> offset 3 (rel 0); jmp 1b at 4 -> offset 3 (rel -3); jmp 1f at 6 -> 8 (rel 0)
        assertEquals("90eb0090ebfdeb00c3", a.hex());
        AsmException e = error("  jmp 2f\n");
        assertTrue(e.getMessage().startsWith("bad.s:1: no local label 2: after this line"), e.getMessage());
    }

    @Test
    void malformedOperandNamesFileLineTextAndKeystoneMessage() {
        String src = String.join("\n", ".text", "  .globl f", "f:", "  movq %rbx, 0(%rdi)",
                "  /* a comment", "  spanning lines */", "  movq %rbx, (%rdi,%rax,3)", "  ret", "");
        AsmException e = error(src);
        assertEquals(new SourceLocation("bad.s", 7), e.where());
        assertTrue(e.getMessage().startsWith("bad.s:7: Keystone: Invalid operand"), e.getMessage());
        assertTrue(e.getMessage().contains("movq %rbx, (%rdi,%rax,3)"), e.getMessage());
    }

    @Test
    void otherKeystoneErrorsAreLocatedToo() {
        AsmException mnemonic = error("nop\nfrobnicate %rax\nret\n");
        assertEquals(2, mnemonic.where().line());
        assertTrue(mnemonic.getMessage().contains("Invalid mnemonic"), mnemonic.getMessage());

        AsmException missing = error("nop\n  movq nowhere+8(%rip), %rax\n");
        assertEquals(2, missing.where().line());
        assertTrue(missing.getMessage().contains("symbol"), missing.getMessage());

        // Forward references are fine; an error after them is still found on its own line.
        AsmException later = error("  jmp done\n  nop\ndone: ret\n  movq (%zz), %rax\n");
        assertEquals(4, later.where().line());
    }

    @Test
    void directivesKeystoneOnlyComplainsAboutOnStderrAreErrors() {
        AsmException e = error("nop\n.bogus_directive 1\nret\n");
        assertEquals(2, e.where().line());
        assertTrue(e.getMessage().contains("bogus_directive"), e.getMessage());
    }

    @Test
    void frontEndRefusesWhatKeystoneWouldGetWrong() {
        assertTrue(error("movq %fs:foo@tpoff, %rax\n").getMessage().contains("TLS relocation"));
        assertEquals(2, error("nop\nmovq table, %rax\n").where().line());
        assertTrue(error("nop\nmovq table, %rax\n").getMessage().contains("write table(%rip)"));
        assertEquals(1, error(".intel_syntax prefix\n").where().line());
        assertTrue(error(".data\nx: .quad 1\n").getMessage().contains("no instructions"));
        assertEquals(3, error("a: nop\nnop\na: ret\n").where().line());
        assertTrue(error("nop /* never closed\n").getMessage().contains("unterminated"));
        assertTrue(error("# only a comment\n").getMessage().contains("no instructions"));
        assertTrue(error(".globl g\nf: ret\n").getMessage().contains("'g' is declared global but never defined"));
        assertTrue(error(".macro m\n.endm\n").getMessage().contains("macros are not expanded"));
    }

    @Test
    void sectionsAndSymbolDirectivesNeverReachKeystone() {
        // .text crashes Keystone and .section makes it silently emit nothing: neither may happen here.
        Assembly a = assemble("s.s", """
                .text
                .section .text.hot,"ax",@progbits
                .globl f
                .type f, @function
                f: nop
                   ret
                .size f, .-f
                .section .note.GNU-stack,"",@progbits
                .previous
                g: ret
                """);
        assertEquals("90c3c3", a.hex());
        assertEquals(2, a.symbol("f").size());
        assertEquals(2, a.symbol("g").offset());
        assertFalse(a.symbol("g").global());
        assertNull(a.lineAt(3));
    }

    @Test
    void unknownSymbolListsTheGlobalOnes() {
        Assembly a = Assembler.assemble(SourceFile.read(TestFiles.SWITCH), 0);
        AsmException e = assertThrows(AsmException.class, () -> a.symbol("swapcontext"));
        assertEquals("no symbol 'swapcontext' in the assembled code (global symbols: cem_swapcontext)", e.getMessage());
    }

    @Test
    void unreadableFileIsAnAsmException() {
        AsmException e = assertThrows(AsmException.class, () -> SourceFile.read(Path.of("no/such/file.s")));
        assertEquals("no/such/file.s: no such file", e.getMessage());
    }
}
