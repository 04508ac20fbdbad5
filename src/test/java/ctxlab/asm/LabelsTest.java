package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The labels both front-ends leave to {@link Labels}: names defined once, numeric local labels renamed. */
class LabelsTest {
    /** x86-64's reference pattern. */
    private static final Pattern REF = Pattern.compile("(?<![\\w.$])(\\d+)([bfBF])(?![\\w.$])");

    private final Labels labels = new Labels(REF);
    private final List<TestStatement> statements = new ArrayList<>();

    /** One statement at the next line of t.s, read as the front-ends read it. */
    private void say(String piece) {
        SourceLocation where = new SourceLocation("t.s", statements.size() + 1);
        Labels.Split split = labels.take(where, piece, statements.size());
        String body = split.rest().strip();
        statements.add(new TestStatement(where, piece.strip(), split.labels(), body,
                body.isEmpty() ? AsmStatement.Kind.NONE : AsmStatement.Kind.INSTRUCTION));
        if (!body.isEmpty()) labels.instruction(statements.size() - 1, body);
    }

    private void resolve() {
        labels.resolve(statements, TestStatement::withBody);
    }

    private List<String> bodies() {
        return statements.stream().map(TestStatement::body).toList();
    }

    @Test
    void labelsComeOffTheFrontAndNumericOnesGetNamesOfTheirOwn() {
        Labels.Split s = labels.take(new SourceLocation("t.s", 1), "start: 1:1 : movq %rax, %rbx", 0);
        assertEquals(List.of("start", ".Lctxlab_n1_0", ".Lctxlab_n1_1"), s.labels());
        assertEquals(" movq %rax, %rbx", s.rest());
        assertEquals(Set.of("start"), labels.names());
        // "::" is not a label, nor is a segment prefix after an operand.
        assertEquals(List.of(), labels.take(new SourceLocation("t.s", 2), "x::y", 1).labels());
        assertEquals(List.of(), labels.take(new SourceLocation("t.s", 3), "movq %fs:0, %rax", 1).labels());
    }

    @Test
    void aNameDefinedTwiceIsBlamedWhereItIsRepeatedNamingTheFirst() {
        labels.take(new SourceLocation("a.s", 3), "f:", 0);
        AsmException e = assertThrows(AsmException.class, () -> labels.take(new SourceLocation("b.s", 7), "f: ret", 1));
        assertEquals("b.s:7: symbol 'f' is already defined at a.s:3\n    f: ret", e.getMessage());
    }

    @Test
    void backwardReferencesTakeTheLatestDefinitionForwardOnesTheNext() {
        say("1: nop");
        say("jmp 1b");
        say("jmp 1f");
        say("1: jmp 1b");          // "1b" on the defining line is that line
        say("2: jne 1B");
        say("mov $0x1b, %eax");    // a number, not a reference
        say("jmp 2b");
        resolve();
        assertEquals(List.of("nop", "jmp .Lctxlab_n1_0", "jmp .Lctxlab_n1_1", "jmp .Lctxlab_n1_1",
                "jne .Lctxlab_n1_1", "mov $0x1b, %eax", "jmp .Lctxlab_n2_2"), bodies());
    }

    @Test
    void aReferenceWithNoLabelThatWaySaysWhichWay() {
        say("1: nop");
        say("jmp 1f");
        AsmException e = assertThrows(AsmException.class, this::resolve);
        assertEquals("t.s:2: no local label 1: after this line\n    jmp 1f", e.getMessage());
    }

    @Test
    void numericLabelsAreLocalToTheirFileWhileTheirNamesStayApart() {
        say("1: nop");
        resolve();
        labels.startFile();
        say("2: nop");
        say("jmp 2b");
        resolve();
        assertEquals("jmp .Lctxlab_n2_1", statements.get(2).body(), "the serial runs on over the unit");
        labels.startFile();
        say("jmp 1b");
        AsmException e = assertThrows(AsmException.class, this::resolve);
        assertTrue(e.getMessage().startsWith("t.s:4: no local label 1: before this line"), e.getMessage());
    }
}
