package ctxlab.asm;

import java.util.ArrayList;
import java.util.List;

/**
 * The text handling both GNU-as front-ends share (x86-64's {@link Assembler} and
 * {@link Arm64Assembler}): comments and {@code ;}-separated statements, strings respected. Only
 * x86-64 takes {@code #} as a comment; on AArch64 it marks an immediate.
 */
final class SourceText {
    private SourceText() {}

    /** Replaces block comments with spaces, keeping newlines so line numbers stay true. */
    static String stripBlockComments(SourceFile file, boolean hashComments) {
        String t = file.text().replace("\r\n", "\n");
        StringBuilder sb = new StringBuilder(t.length());
        boolean inString = false;
        int line = 1;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '\n') { line++; inString = false; }
            if (inString) {
                sb.append(c);
                if (c == '\\' && i + 1 < t.length()) sb.append(t.charAt(++i));
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
                sb.append(c);
            } else if (c == '/' && i + 1 < t.length() && t.charAt(i + 1) == '*') {
                int end = t.indexOf("*/", i + 2);
                if (end < 0) throw new AsmException(new SourceLocation(file.name(), line), "/*", "unterminated /* comment");
                for (int j = i; j < end + 2; j++) {
                    if (t.charAt(j) == '\n') { sb.append('\n'); line++; } else sb.append(' ');
                }
                i = end + 1;
            } else if ((hashComments && c == '#') || (c == '/' && i + 1 < t.length() && t.charAt(i + 1) == '/')) {
                // a line comment: copy it verbatim up to the newline (its "/*" is not a comment start)
                int end = t.indexOf('\n', i);
                if (end < 0) end = t.length();
                sb.append(t, i, end);
                i = end - 1;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Drops a {@code //} comment, and with {@code hashComments} a {@code #} one (outside strings). */
    static String stripLineComment(String line, boolean hashComments) {
        boolean inString = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if ((hashComments && c == '#') || (c == '/' && i + 1 < line.length() && line.charAt(i + 1) == '/')) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** GNU as on x86 also separates statements with ';'. */
    static List<String> splitStatements(String line) {
        List<String> out = new ArrayList<>();
        boolean inString = false;
        int from = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inString) {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            } else if (c == '"') {
                inString = true;
            } else if (c == ';') {
                out.add(line.substring(from, i));
                from = i + 1;
            }
        }
        out.add(line.substring(from));
        return out;
    }
}
