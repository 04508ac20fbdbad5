package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The counterexample text both verifiers print: the JSON and text reports carry it as is. */
class CounterexampleTest {
    @Test
    void rowsAreAlignedAndBlameTheLineOrSayDiffers() {
        assertEquals("rbx          before 0x1                expected 0x2                got 0xffffffffffffffff  <-- t.s:3: mov",
                Counterexample.row("rbx", 1, 2, -1, "t.s:3: mov"));
        assertEquals("x19          before 0x0                expected 0x0                got 0x10                <-- differs",
                Counterexample.row("x19", 0, 0, 16, null));
    }

    @Test
    void textIsTheHeaderTheIndentedRowsAndTheInstruction() {
        assertEquals("seed 1\n  a\n  b\n  offending instruction: unknown\n",
                Counterexample.text("seed 1\n", List.of("a", "b"), "unknown"));
        assertEquals("h\n  offending instruction: t.s:1: ret\n", Counterexample.text("h\n", List.of(), "t.s:1: ret"));
    }
}
