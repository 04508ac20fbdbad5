package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Operand splitting shared by the x86-64 reader and {@link CrossCheck}. */
class OperandsTest {
    @Test
    void onlyTopLevelCommasSplit() {
        assertEquals(List.of("%rax", " 8(%rdi,%rsi,4)", " [rbx + rcx*2]"), Operands.split("%rax, 8(%rdi,%rsi,4), [rbx + rcx*2]"));
        assertEquals(List.of("nop"), Operands.split("nop"));
        assertEquals(List.of(""), Operands.split(""));
    }

    @Test
    void theReaderKeepsStringsWholeWhileCrossCheckTakesQuotesAsCharacters() {
        assertEquals(List.of("\"a,b\"", " 1"), Operands.splitOutsideStrings("\"a,b\", 1"));
        // an escaped quote and a parenthesis inside the string change nothing
        assertEquals(List.of("\"a\\\",(\"", " 2"), Operands.splitOutsideStrings("\"a\\\",(\", 2"));
        assertEquals(List.of("\"a", "b\"", " 1"), Operands.split("\"a,b\", 1"));
        // why CrossCheck ignores quotes: in an instruction a '"' is a character constant
        assertEquals(List.of("$'\"'", " %al"), Operands.split("$'\"', %al"));
    }
}
