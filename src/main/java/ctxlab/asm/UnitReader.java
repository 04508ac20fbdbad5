package ctxlab.asm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What the readers of both front-ends share: the statements of the unit, what its section and
 * symbol directives said, its labels; and the bounds of a file as GNU as sets them (each file
 * starts in {@code .text}, with numeric labels of its own).
 *
 * @param <S> the front-end's statement
 */
abstract class UnitReader<S extends AsmStatement> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_.$][\\w.$]*");

    /** A directive statement: its name in lower case, and its operands. */
    record Directive(String name, String args) {
        /** The directive {@code body} is, or null when it is none. */
        static Directive of(String body) {
            if (!body.startsWith(".")) return null;
            String[] parts = body.split("[\\s,]+", 2);
            return new Directive(parts[0].toLowerCase(Locale.ROOT), parts.length > 1 ? parts[1].strip() : "");
        }
    }

    final List<S> statements = new ArrayList<>();
    final SectionsAndSymbols sections = new SectionsAndSymbols();
    final Labels names;

    /** @param numericRef a reference to a numeric label, as the architecture writes it (see {@link Labels}) */
    UnitReader(Pattern numericRef) {
        this.names = new Labels(numericRef);
    }

    /** Reads one more file of the unit. */
    final void read(SourceFile file) {
        sections.startFile();
        names.startFile();
        readFile(file);
        names.resolve(statements, this::withBody);
    }

    /** Adds the file's statements. */
    abstract void readFile(SourceFile file);

    /** The statement with another body (its numeric label references renamed). */
    abstract S withBody(S statement, String body);

    /** After the last file: what to do about references to symbols no file defines. */
    abstract void resolveExternals();

    /** Refuses a statement that starts with neither a name nor a label: Keystone loops forever on one that is only "*" or ":". */
    static void requireName(SourceLocation where, String text, String body) {
        if (!body.isEmpty() && !NAME.matcher(body).lookingAt()) {
            throw new AsmException(where, text, "not a statement: it must start with a mnemonic, a directive or a label");
        }
    }
}
