package ctxlab.asm;

import java.util.List;

/**
 * A statement as either front-end ({@link Assembler}, {@link Arm64Assembler}) read it, in the terms
 * the parts they share need: {@link Labels}, {@link KeystoneProgram}. Each front-end's own record adds
 * what only its architecture needs.
 */
interface AsmStatement {
    /** Kind of statement, which decides how it is counted. */
    enum Kind { INSTRUCTION, DATA, ALIGN, NONE }

    /** Where it was written. */
    SourceLocation where();

    /** Its text as written, for messages. */
    String text();

    /** The labels it defines, as Keystone gets them (numeric ones renamed). */
    List<String> labels();

    /** What Keystone gets: empty when the front-end handled it all. */
    String body();

    Kind kind();
}
