package ctxlab.asm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where Keystone placed the statements of a unit, as its marker table reported it (see
 * {@link KeystoneProgram}): the listing's lines, sorted by offset, and each label's offset.
 */
record Placement(long[] offset, List<Assembly.Line> lines, Map<String, Long> labels) {

    /** Told of each statement in order, once its line is listed. */
    interface Each<S> {
        void placed(S statement, int at, int length);
    }

    /**
     * The statements placed at {@code offset} (one past the last: where the code ends). An
     * instruction that got no bytes is an error: Keystone dropped it without a word.
     */
    static <S extends AsmStatement> Placement of(List<S> statements, long[] offset, Each<S> each) {
        List<Assembly.Line> lines = new ArrayList<>();
        Map<String, Long> labels = new HashMap<>();
        for (int i = 0; i < statements.size(); i++) {
            S s = statements.get(i);
            for (String l : s.labels()) labels.put(l, offset[i]);
            int length = (int) (offset[i + 1] - offset[i]);
            if (length > 0) {
                lines.add(new Assembly.Line(offset[i], length, s.where(), s.text(), s.kind() == AsmStatement.Kind.INSTRUCTION));
            } else if (s.kind() == AsmStatement.Kind.INSTRUCTION) {
                throw new AsmException(s.where(), s.text(), "Keystone produced no bytes for this statement");
            }
            each.placed(s, (int) offset[i], length);
        }
        lines.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return new Placement(offset, lines, labels);
    }

    /**
     * The unit's symbols: its labels but ctxlab's own.
     *
     * @param own whether a label is one ctxlab made up (renamed numeric labels, markers, aliases)
     */
    Map<String, Assembly.Symbol> symbols(SectionsAndSymbols sections, Predicate<String> own) {
        Map<String, Assembly.Symbol> symbols = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : labels.entrySet()) {
            if (own.test(e.getKey())) continue;
            symbols.put(e.getKey(), sections.symbol(e.getKey(), e.getValue(), offset));
        }
        return symbols;
    }
}
