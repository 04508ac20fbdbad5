package ctxlab.asm;

import java.util.List;

/** The least statement the shared parts of the front-ends take, for their tests. */
record TestStatement(SourceLocation where, String text, List<String> labels, String body, Kind kind) implements AsmStatement {
    /** An instruction at line {@code line} of t.s. */
    static TestStatement instruction(int line, List<String> labels, String body) {
        return new TestStatement(new SourceLocation("t.s", line), body, labels, body, Kind.INSTRUCTION);
    }

    TestStatement withBody(String b) {
        return new TestStatement(where, text, labels, b, kind);
    }
}
