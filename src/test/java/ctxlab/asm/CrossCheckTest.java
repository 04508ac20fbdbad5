package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Capstone cross-check of Keystone: silent on everything the project assembles, and loud, with
 * {@code file:line}, on deliberately wrong encodings.
 */
class CrossCheckTest {

    static Assembly swap() {
        return Assembler.assemble(SourceFile.read(TestFiles.SWITCH), 0x400000);
    }

    /** The same statements over other bytes. */
    static Assembly patched(Assembly a, int offset, int... bytes) {
        byte[] code = a.code();
        for (int i = 0; i < bytes.length; i++) code[offset + i] = (byte) bytes[i];
        return new Assembly(code, a.base(), a.symbols(), a.lines(), a.relocations());
    }

    static Assembly.Line line(Assembly a, String text) {
        return a.lines().stream().filter(l -> l.text().contains(text)).findFirst().orElseThrow();
    }

    @Test
    void theWholeCorpusPassesWithoutAFalseAlarm() throws IOException {
        List<Path> alone = new ArrayList<>(List.of(TestFiles.SWITCH));
        List<Path> withSwitch = new ArrayList<>();
        for (String dir : List.of("asm/variants", "src/test/resources/gnu-as")) alone.addAll(files(dir));
        withSwitch.addAll(files("asm/strands"));
        withSwitch.addAll(files("asm/host"));
        int statements = 0, files = 0;
        for (Path p : alone) {
            Assembly a = Assembler.assemble(SourceFile.read(p), 0x400000);   // runs the check itself
            assertEquals(List.of(), CrossCheck.run(a), p.toString());
            statements += (int) a.instructionCount();
            files++;
        }
        for (Path p : withSwitch) {
            Assembly a = Assembler.assemble(List.of(SourceFile.read(TestFiles.SWITCH), SourceFile.read(p)), 0x400000);
            assertEquals(List.of(), CrossCheck.run(a), p.toString());
            statements += (int) a.instructionCount();
            files++;
        }
        assertTrue(files > 40 && statements > 1000, files + " files, " + statements + " instructions");
        System.out.printf("cross-check: %d files, %d instructions, no disagreement%n", files, statements);
    }

    static List<Path> files(String dir) throws IOException {
        try (Stream<Path> s = Files.list(TestFiles.ROOT.resolve(dir))) {
            return s.filter(p -> p.toString().endsWith(".s")).sorted().toList();
        }
    }

    @Test
    void aPatchedDisplacementByteIsCaughtWithFileAndLine() {
        Assembly a = swap();
        Assembly.Line l = line(a, "movq    %rbp, 8(%rdi)");
        // 48 89 6f 08: the displacement is the last byte
        Assembly bad = patched(a, (int) l.offset() + 3, 0x10);
        AsmException e = assertThrows(AsmException.class, () -> CrossCheck.check(bad));
        assertEquals(l.where(), e.where());
        assertTrue(e.getMessage().startsWith(TestFiles.SWITCH + ":" + l.where().line() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("displacement 8 written, 0x10 decoded"), e.getMessage());
    }

    @Test
    void aPatchedRegisterAnImmediateAndAnOpcodeAreCaught() {
        Assembly a = swap();
        Assembly.Line l = line(a, "movq    %r12, 16(%rdi)");     // 4c 89 67 10: ModRM 0x67 = r12, [rdi]
        List<CrossCheck.Disagreement> d = CrossCheck.run(patched(a, (int) l.offset() + 2, 0x66));   // [rsi]
        assertEquals(1, d.size());
        assertTrue(d.get(0).reason().contains("base %rdi written, %rsi decoded"), d.get(0).reason());
        d = CrossCheck.run(patched(a, (int) l.offset() + 1, 0x8b));   // the load, not the store
        assertEquals(1, d.size());
        assertTrue(d.get(0).reason().startsWith("operand 1"), d.get(0).reason());
        Assembly.Line ret = line(a, "ret");
        d = CrossCheck.run(patched(a, (int) ret.offset(), 0x90));     // nop instead of ret
        assertEquals(ret, d.get(0).line());
        assertTrue(d.get(0).reason().contains("mnemonic nop"), d.get(0).reason());

        Assembly imm = Assembler.assemble(new SourceFile("imm.s", "f:\n  andq $-16, %rsp\n  movl $0x1234, %eax\n  jmp f\n"), 0x1000);
        Assembly.Line and = line(imm, "andq");
        d = CrossCheck.run(patched(imm, (int) and.offset() + 3, 0xe0));
        assertTrue(d.get(0).reason().contains("immediate $-16 written, $-0x20 decoded"), d.get(0).reason());
        Assembly.Line mov = line(imm, "movl");
        d = CrossCheck.run(patched(imm, (int) mov.offset() + 1, 0x35));
        assertTrue(d.get(0).reason().contains("immediate $0x1234"), d.get(0).reason());
        Assembly.Line jmp = line(imm, "jmp");
        d = CrossCheck.run(patched(imm, (int) jmp.offset() + 1, 0xfd));
        assertTrue(d.get(0).reason().contains("target f is 0x1000"), d.get(0).reason());
        assertEquals("imm.s:4", d.get(0).line().where().toString());
    }

    @Test
    void keystonesRipRelativeEncodingOfAnAbsoluteOperandIsCaught() {
        // Keystone itself, without the front-end's refusal: it encodes 0x28 relative to %rip.
        String statement = "movq %fs:0x28, %rcx";
        byte[] wrong;
        Keystone ks = Keystone.open();
        try {
            wrong = ks.asm(".att_syntax\n" + statement + "\n", 0x1000).bytes();
        } finally {
            ks.close();
        }
        SourceLocation where = new SourceLocation("guard.s", 7);
        Assembly a = new Assembly(wrong, 0x1000, java.util.Map.of(),
                List.of(new Assembly.Line(0, wrong.length, where, statement, true)));
        AsmException e = assertThrows(AsmException.class, () -> CrossCheck.check(a));
        assertTrue(e.getMessage().startsWith("guard.s:7: "), e.getMessage());
        assertTrue(e.getMessage().contains("encoded relative to %rip"), e.getMessage());
        // GNU as's bytes (SIB, no base) for the same statement pass.
        byte[] right = HexFormat.of().parseHex("64488b0c2528000000");
        Assembly ok = new Assembly(right, 0x1000, java.util.Map.of(),
                List.of(new Assembly.Line(0, right.length, where, statement, true)));
        assertEquals(List.of(), CrossCheck.run(ok));
    }

    @Test
    void mnemonicsAgreeModuloSuffixAndAliasesButNotAnotherSize() {
        assertTrue(CrossCheck.sameMnemonic("call", "callq"));
        assertTrue(CrossCheck.sameMnemonic("ret", "retq"));
        assertTrue(CrossCheck.sameMnemonic("jz", "je"));
        assertTrue(CrossCheck.sameMnemonic("cmovzq", "cmoveq"));
        assertTrue(CrossCheck.sameMnemonic("sall", "shll"));
        assertTrue(CrossCheck.sameMnemonic("movq", "movd"));
        assertTrue(CrossCheck.sameMnemonic("mov", "movq"));
        assertTrue(!CrossCheck.sameMnemonic("movl", "movq"));
        assertTrue(!CrossCheck.sameMnemonic("jne", "je"));
        assertTrue(!CrossCheck.sameMnemonic("stmxcsr", "ldmxcsr"));
    }

    /** Measured, not asserted: what the check adds to an assemble. */
    @Test
    void cost() {
        Assembly a = swap();
        CrossCheck.run(a);
        int rounds = 200;
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) CrossCheck.run(a);
        long per = (System.nanoTime() - t0) / rounds;
        assertEquals(List.of(), CrossCheck.run(a));
        System.out.printf("cross-check of %s: %.1f us per run (%d instructions)%n", TestFiles.SWITCH.getFileName(),
                per / 1e3, a.instructionCount());
    }
}
