package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The steps both front-ends share, driven by the least front-end that takes them: every line an
 * x86-64 instruction, labels before it. Keystone is the real one.
 */
class KeystoneFrontEndTest {
    private static final Pattern REF = Pattern.compile("(?<![\\w.$])(\\d+)([bfBF])(?![\\w.$])");

    private static final class LineReader extends UnitReader<TestStatement> {
        LineReader() {
            super(REF);
        }

        @Override
        void readFile(SourceFile file) {
            String[] lines = file.text().split("\n");
            for (int i = 0; i < lines.length; i++) {
                SourceLocation where = new SourceLocation(file.name(), i + 1);
                Labels.Split split = names.take(where, lines[i], statements.size());
                String body = split.rest().strip();
                if (body.isEmpty() && split.labels().isEmpty()) continue;
                requireName(where, lines[i], body);
                AsmStatement.Kind kind = body.isEmpty() ? AsmStatement.Kind.NONE : AsmStatement.Kind.INSTRUCTION;
                statements.add(new TestStatement(where, lines[i].strip(), split.labels(), body, kind));
                if (kind == AsmStatement.Kind.INSTRUCTION) names.instruction(statements.size() - 1, body);
            }
        }

        @Override
        TestStatement withBody(TestStatement s, String body) {
            return s.withBody(body);
        }

        @Override
        void resolveExternals() {}
    }

    private static final class Lines extends KeystoneFrontEnd<TestStatement, LineReader> {
        Lines() {
            super(Keystone::open, new KeystoneProgram(".att_syntax\n", null), LineReader::new, a -> { });
        }

        @Override
        boolean complete(byte[] out, int statements) {
            return out.length >= KeystoneProgram.tableSize(statements);
        }

        @Override
        AsmException locate(List<TestStatement> statements, long base, KeystoneAttempt whole) {
            for (int k = 1; k <= statements.size(); k++) {
                AsmException e = blame(statements, k, base,
                        a -> a.result() == null ? "rejected: " + a.error().keystoneMessage() : null);
                if (e != null) return e;
            }
            return new AsmException("nothing to blame");
        }

        @Override
        Assembly layout(List<TestStatement> statements, LineReader read, byte[] out, long base) {
            long[] offset = KeystoneProgram.offsets(out, statements.size());
            Placement p = Placement.of(statements, offset, (s, at, length) -> { });
            return new Assembly(Arrays.copyOf(out, (int) offset[statements.size()]), base,
                    p.symbols(read.sections, n -> n.startsWith(".Lctxlab_")), p.lines());
        }
    }

    private final Lines frontEnd = new Lines();

    @Test
    void filesAreAssembledAsOneUnitWithNumericLabelsLocalToEach() {
        Assembly a = frontEnd.assemble(List.of(new SourceFile("a.s", "f: 1: nop\n jmp 1b\n"),
                new SourceFile("b.s", "1: ret\n jmp 1b\n jmp f\n")), 0x1000);
        assertEquals("90ebfd" + "c3ebfd" + "ebf8", a.hex());
        assertEquals(0, a.symbol("f").offset());
        assertEquals(List.of("a.s:1", "a.s:2", "b.s:1", "b.s:2", "b.s:3"),
                a.lines().stream().map(l -> l.where().toString()).toList());
    }

    @Test
    void theStatementKeystoneRejectsIsBlamedAtItsLine() {
        AsmException e = assertThrows(AsmException.class,
                () -> frontEnd.assemble(List.of(new SourceFile("x.s", "nop\nnop\nfrobnicate %rax\nret\n")), 0));
        assertEquals(new SourceLocation("x.s", 3), e.where());
        assertEquals("x.s:3: rejected: Invalid mnemonic (KS_ERR_ASM_MNEMONICFAIL)\n    frobnicate %rax", e.getMessage());
    }

    @Test
    void aStatementThatLoopsKeystoneIsBlamedWithinTheTimeLimit() {
        frontEnd.limit(1.0);
        try {
            AsmException e = assertThrows(AsmException.class,
                    () -> frontEnd.assemble(List.of(new SourceFile("x.s", "nop\n.byte *\nret\n")), 0));
            assertEquals("x.s:2: Keystone did not answer within 1 s (it loops on this statement)\n    .byte *", e.getMessage());
        } finally {
            frontEnd.limit(null);
        }
        assertEquals("90c3", frontEnd.assemble(List.of(new SourceFile("x.s", "nop\nret\n")), 0).hex());
    }

    @Test
    void aUnitWithNothingForKeystoneIsRefusedNamingItsFiles() {
        AsmException e = assertThrows(AsmException.class,
                () -> frontEnd.assemble(List.of(new SourceFile("a.s", "f:\n"), new SourceFile("b.s", "\n")), 0));
        assertEquals("a.s, b.s: no instructions to assemble", e.getMessage());
    }

    @Test
    void aStatementStartingWithNoNameIsRefusedBeforeKeystoneSeesIt() {
        AsmException e = assertThrows(AsmException.class, () -> frontEnd.assemble(List.of(new SourceFile("x.s", "nop\n*\n")), 0));
        assertEquals("x.s:2: not a statement: it must start with a mnemonic, a directive or a label\n    *", e.getMessage());
        assertEquals(new UnitReader.Directive(".byte", "1, 2"), UnitReader.Directive.of(".BYTE 1, 2 "));
        assertEquals(null, UnitReader.Directive.of("nop"));
    }
}
