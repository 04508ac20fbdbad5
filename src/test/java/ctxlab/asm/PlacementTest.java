package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The listing and labels both front-ends build from Keystone's marker table. */
class PlacementTest {
    private static final List<TestStatement> CODE = List.of(
            TestStatement.instruction(1, List.of("f"), "nop"),
            new TestStatement(new SourceLocation("t.s", 2), ".balign 4", List.of(), ".balign 4", AsmStatement.Kind.ALIGN),
            new TestStatement(new SourceLocation("t.s", 3), "", List.of(".Lctxlab_n1_0"), "", AsmStatement.Kind.NONE),
            TestStatement.instruction(4, List.of(), "ret"));

    @Test
    void eachStatementWithBytesIsALineAndEachLabelSitsWhereItsStatementStarts() {
        List<String> seen = new ArrayList<>();
        Placement p = Placement.of(CODE, new long[] {0, 1, 4, 4, 5}, (s, at, length) -> seen.add(s.text() + "@" + at + "+" + length));
        assertEquals(List.of("nop@0+1", ".balign 4@1+3", "@4+0", "ret@4+1"), seen);
        assertEquals(List.of(new Assembly.Line(0, 1, new SourceLocation("t.s", 1), "nop", true),
                new Assembly.Line(1, 3, new SourceLocation("t.s", 2), ".balign 4", false),
                new Assembly.Line(4, 1, new SourceLocation("t.s", 4), "ret", true)), p.lines());
        assertEquals(Map.of("f", 0L, ".Lctxlab_n1_0", 4L), p.labels());
        SectionsAndSymbols sections = new SectionsAndSymbols();
        sections.handle(".globl", "f", new SourceLocation("t.s", 1), ".globl f", 0);
        assertEquals(Map.of("f", new Assembly.Symbol("f", 0, true, -1)), p.symbols(sections, n -> n.startsWith(".Lctxlab_")));
    }

    @Test
    void anInstructionKeystoneGaveNoBytesIsBlamed() {
        AsmException e = assertThrows(AsmException.class, () -> Placement.of(CODE, new long[] {0, 0, 0, 0, 1}, (s, at, length) -> { }));
        assertEquals("t.s:1: Keystone produced no bytes for this statement\n    nop", e.getMessage());
    }
}
