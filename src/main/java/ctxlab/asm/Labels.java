package ctxlab.asm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The labels of one assembly unit, for both front-ends: each name is defined once in the unit, and
 * GNU as's numeric local labels ({@code 1:}, referred to as {@code 1b} and {@code 1f}), which
 * Keystone rejects, get names of ctxlab's own ({@code .Lctxlab_n1_7}) with their references
 * rewritten to match. A numeric reference looks no further than its own file, as in GNU as; the
 * serial that keeps the names apart runs over the whole unit.
 */
final class Labels {
    /** A label at the start of a statement ({@code ::} is not one). */
    static final Pattern LABEL = Pattern.compile("^\\s*([A-Za-z_.$][\\w.$]*|\\d+)\\s*:(?!:)");

    /** The labels taken off the start of a statement, and what follows them. */
    record Split(List<String> labels, String rest) {}

    private final Pattern numericRef;
    private final Map<String, SourceLocation> defined = new HashMap<>();
    private int serial;
    /** This file's numeric labels: name to (statement index, serial), in order of definition. */
    private Map<String, List<int[]>> numericDefs = new HashMap<>();
    /** This file's statements that refer to numeric labels. */
    private List<Integer> pending = new ArrayList<>();

    /**
     * @param numericRef a reference to a numeric label, group 1 the number and group 2 the direction
     *                   (b or f); the architectures differ in what may stand before it
     */
    Labels(Pattern numericRef) {
        this.numericRef = numericRef;
    }

    /** A new file: its numeric labels are its own. */
    void startFile() {
        numericDefs = new HashMap<>();
        pending = new ArrayList<>();
    }

    /**
     * Takes the labels off the start of {@code piece}, a statement of the file that will have index
     * {@code statementIndex}; a name defined before is an error naming where.
     */
    Split take(SourceLocation where, String piece, int statementIndex) {
        String rest = piece;
        List<String> labels = new ArrayList<>();
        Matcher m;
        while ((m = LABEL.matcher(rest)).find()) {
            String name = m.group(1);
            if (Character.isDigit(name.charAt(0))) {
                numericDefs.computeIfAbsent(name, k -> new ArrayList<>()).add(new int[] {statementIndex, serial});
                labels.add(".Lctxlab_n" + name + "_" + serial++);
            } else {
                SourceLocation before = defined.putIfAbsent(name, where);
                if (before != null) throw new AsmException(where, piece, "symbol '" + name + "' is already defined at " + before);
                labels.add(name);
            }
            rest = rest.substring(m.end());
        }
        return new Split(labels, rest);
    }

    /** The named (not numeric) labels defined so far in the unit. */
    Set<String> names() {
        return defined.keySet();
    }

    /** Notes that the instruction at {@code index} has this body, to resolve its numeric references at the file's end. */
    void instruction(int index, String body) {
        if (numericRef.matcher(body).find()) pending.add(index);
    }

    /**
     * Rewrites this file's numeric references: {@code 1b} is the latest {@code 1:} at or before the
     * statement, {@code 1f} the next one after it.
     *
     * @param withBody the statement with another body
     */
    <S extends AsmStatement> void resolve(List<S> statements, BiFunction<S, String, S> withBody) {
        for (int index : pending) {
            S s = statements.get(index);
            Matcher m = numericRef.matcher(s.body());
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                boolean back = m.group(2).equalsIgnoreCase("b");
                int[] target = null;
                for (int[] d : numericDefs.getOrDefault(m.group(1), List.of())) {
                    if (back ? d[0] <= index : d[0] > index) {
                        if (back || target == null) target = d;
                    }
                }
                if (target == null) {
                    throw new AsmException(s.where(), s.text(), "no local label " + m.group(1) + ":"
                            + (back ? " before" : " after") + " this line");
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(".Lctxlab_n" + m.group(1) + "_" + target[1]));
            }
            m.appendTail(sb);
            statements.set(index, withBody.apply(s, sb.toString()));
        }
    }
}
