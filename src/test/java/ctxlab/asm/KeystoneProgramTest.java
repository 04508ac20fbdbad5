package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text both front-ends hand Keystone, assembled by the real Keystone (x86-64). */
class KeystoneProgramTest {
    private static final KeystoneRunner KEYSTONE = new KeystoneRunner(KeystoneRunner.TIMEOUT_SECONDS, Keystone::open);
    private static final KeystoneProgram ATT = new KeystoneProgram(".att_syntax\n", null);

    private static final List<TestStatement> CODE = List.of(
            TestStatement.instruction(1, List.of(), "nop"),
            TestStatement.instruction(2, List.of("loop"), "movq %rax, %rbx"),
            new TestStatement(new SourceLocation("t.s", 3), ".byte 1, 2, 3", List.of(), ".byte 1, 2, 3", AsmStatement.Kind.DATA),
            TestStatement.instruction(4, List.of(), "jmp loop"));

    @Test
    void theMarkerTableAfterTheCodeSaysWhereEachStatementLanded() {
        byte[] out = KEYSTONE.asm(ATT.text(CODE, true, CODE.size()), 0).bytes();
        long[] offset = KeystoneProgram.offsets(out, CODE.size());
        assertArrayEquals(new long[] {0, 1, 4, 7, 9}, offset);
        assertEquals(9 + KeystoneProgram.tableSize(CODE.size()), out.length, "the table follows the code directly");
        assertEquals("90" + "4889c3" + "010203" + "ebf8", HexFormat.of().formatHex(out, 0, 9));
    }

    @Test
    void aPrefixStubsTheLabelsDefinedFurtherDownSoThatAForwardReferenceIsNotBlamed() {
        List<TestStatement> code = List.of(
                TestStatement.instruction(1, List.of(), "jmp later"),
                TestStatement.instruction(2, List.of(), "nop"),
                TestStatement.instruction(3, List.of("later", "also"), "ret"));
        String prefix = ATT.text(code, false, 1);
        assertEquals(".att_syntax\njmp later\nlater:\nalso:\n", prefix);
        assertEquals("eb00", HexFormat.of().formatHex(KEYSTONE.asm(prefix, 0).bytes()));
        // without the stub Keystone would reject the reference, blaming the wrong statement
        KeystoneException e = assertThrows(KeystoneException.class, () -> KEYSTONE.asm(".att_syntax\njmp later\n", 0));
        assertTrue(new KeystoneAttempt(null, e).symbolMissing(), e.getMessage());
    }

    @Test
    void aLabelCanBeGivenASecondName() {
        KeystoneProgram aliased = new KeystoneProgram("", l -> l.startsWith(".") ? "A" + l.substring(1) : null);
        assertEquals(".Lx:\nALx:\ny:\nnop\n", aliased.text(List.of(TestStatement.instruction(1, List.of(".Lx", "y"), "nop")), false, 1));
    }
}
