package ctxlab.asm;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the section and symbol directives of one assembly unit said, for both front-ends
 * ({@link Assembler}, {@link Arm64Assembler}): Keystone mishandles these directives, so the readers
 * keep their meaning here and hand Keystone nothing for them.
 *
 * <p>The current section decides whether a statement is code (only code reaches Keystone). The
 * section, the one before it and the {@code .pushsection} stack start afresh with each file, as GNU
 * as starts each file in {@code .text}; globals and sizes belong to the whole unit.
 */
final class SectionsAndSymbols {
    private static final Pattern SIZE_DOT = Pattern.compile("\\.\\s*-\\s*([A-Za-z_.$][\\w.$]*)");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(0[xX][0-9a-fA-F]+|\\d+)");

    /** A section: code goes to Keystone only from executable ones. */
    private record Section(String name, boolean code) {}

    private static final Section TEXT = new Section(".text", true);

    private final Set<String> globals = new HashSet<>();
    /** Where each global was first declared: an undefined one is blamed there. */
    private final Map<String, SourceLocation> globalWhere = new HashMap<>();
    /** {@code .size f, .-f}: the index of the statement f ends before. */
    private final Map<String, Integer> sizeAt = new HashMap<>();
    /** {@code .size f, 42}. */
    private final Map<String, Long> sizeFixed = new HashMap<>();

    private Section section = TEXT;
    private Section previous = TEXT;
    private final Deque<Section> stack = new ArrayDeque<>();

    /** A new file of the unit starts in {@code .text}, with nothing pushed. */
    void startFile() {
        section = TEXT;
        previous = TEXT;
        stack.clear();
    }

    /** Whether statements now go to an executable section. */
    boolean inCode() {
        return section.code();
    }

    /** The current section's name as written (".text" for a fresh file). */
    String sectionName() {
        return section.name();
    }

    /**
     * Takes a section or symbol directive.
     *
     * @param directive      the directive, lower case
     * @param args           its operands, stripped
     * @param text           the statement as written, for errors
     * @param statementIndex the index the next statement of the code will have
     * @return false when the directive is none of these (the caller handles it)
     */
    boolean handle(String directive, String args, SourceLocation where, String text, int statementIndex) {
        switch (directive) {
            case ".text" -> { previous = section; section = TEXT; }
            case ".data", ".bss", ".rodata" -> { previous = section; section = new Section(directive, false); }
            case ".section", ".pushsection" -> {
                String[] a = args.split("\\s*,\\s*", 3);
                String name = a[0].replace("\"", "").strip();
                if (name.isEmpty()) throw new AsmException(where, text, "section name missing");
                String flags = a.length > 1 ? a[1].replace("\"", "").strip() : "";
                boolean code = name.equals(".text") || name.startsWith(".text.")
                        || (flags.contains("x") && !flags.startsWith("@") && !flags.startsWith("%"));
                if (directive.equals(".pushsection")) stack.push(section);
                previous = section;
                section = new Section(name, code);
            }
            case ".popsection" -> {
                if (stack.isEmpty()) throw new AsmException(where, text, ".popsection without .pushsection");
                section = stack.pop();
            }
            case ".previous" -> { Section t = section; section = previous; previous = t; }
            case ".globl", ".global", ".weak" -> {
                for (String g : args.split("\\s*,\\s*")) {
                    if (g.isBlank()) throw new AsmException(where, text, "symbol name missing");
                    globals.add(g.strip());
                    globalWhere.putIfAbsent(g.strip(), where);
                }
            }
            case ".size" -> {
                String[] a = args.split("\\s*,\\s*", 2);
                if (a.length != 2) throw new AsmException(where, text, ".size needs a symbol and a size");
                Matcher dot = SIZE_DOT.matcher(a[1].strip());
                if (dot.matches() && dot.group(1).equals(a[0].strip())) {
                    // Outside the code the end is not placed, so the size stays unknown.
                    if (section.code()) sizeAt.put(a[0].strip(), statementIndex);
                } else if (NUMBER.matcher(a[1].strip()).matches()) {
                    sizeFixed.put(a[0].strip(), Long.decode(a[1].strip()));
                } // other expressions only matter to object files: ignored
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * The symbol of a label placed at {@code at}; its size from {@code .size} (-1 when none gave it).
     *
     * @param offset where each statement landed, by statement index (one past the last included)
     */
    Assembly.Symbol symbol(String name, long at, long[] offset) {
        long size = -1;
        Integer end = sizeAt.get(name);
        if (end != null) size = offset[end] - at;
        Long fixed = sizeFixed.get(name);
        if (fixed != null) size = fixed;
        return new Assembly.Symbol(name, at, globals.contains(name), size);
    }

    /** Refuses a global the unit never defines, blaming the line that first declared it. */
    void checkGlobalsDefined(Predicate<String> defined) {
        for (String g : globals) {
            if (!defined.test(g)) {
                throw new AsmException(globalWhere.get(g), ".globl " + g, "symbol '" + g + "' is declared global but never defined");
            }
        }
    }
}
