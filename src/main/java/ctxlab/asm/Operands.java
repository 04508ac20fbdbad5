package ctxlab.asm;

import java.util.ArrayList;
import java.util.List;

/** Operands split at the commas outside parentheses and brackets. */
final class Operands {
    private Operands() {}

    /**
     * For instructions as {@link CrossCheck} reads them. It takes no notice of quotes, as it never has:
     * instruction operands hold no strings, and a {@code '"'} character constant must not hide the
     * commas after it.
     */
    static List<String> split(String operands) {
        return split(operands, false);
    }

    /** For what the x86-64 reader hands Keystone, directives included: a comma inside a string does not split. */
    static List<String> splitOutsideStrings(String operands) {
        return split(operands, true);
    }

    private static List<String> split(String operands, boolean strings) {
        List<String> out = new ArrayList<>();
        boolean[] outside = strings ? SourceText.outsideStrings(operands) : null;
        int depth = 0, from = 0;
        for (int i = 0; i < operands.length(); i++) {
            char c = operands.charAt(i);
            if (outside != null && !outside[i]) continue;
            if (c == '(' || c == '[') depth++;
            else if (c == ')' || c == ']') depth--;
            else if (c == ',' && depth == 0) {
                out.add(operands.substring(from, i));
                from = i + 1;
            }
        }
        out.add(operands.substring(from));
        return out;
    }
}
