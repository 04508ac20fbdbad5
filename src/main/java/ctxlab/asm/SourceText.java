package ctxlab.asm;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text handling both GNU-as front-ends share (x86-64's {@link Assembler} and
 * {@link Arm64Assembler}): comments and {@code ;}-separated statements, strings respected. Only
 * x86-64 takes {@code #} as a comment; on AArch64 it marks an immediate.
 */
final class SourceText {
    private SourceText() {}

    /** cpp's line marker: {@code # 12 "file.S" 2}. */
    private static final Pattern LINE_MARKER = Pattern.compile("^#\\s*(\\d+)\\s+\"((?:[^\"\\\\]|\\\\.)*)\"(\\s+\\d+)*\\s*$");
    /** A preprocessor directive: in a file that was not preprocessed, GNU as would skip it and assemble every branch. */
    private static final Pattern CPP_LINE = Pattern.compile("^\\s*#(if|ifdef|ifndef|elif|else|endif|define|undef|include|error)\\b.*");
    /** "# include <x.h>" (with a space) is a directive too; "# include the frame pointer" is a comment. */
    private static final Pattern CPP_INCLUDE = Pattern.compile("^\\s*#\\s*include\\s*[<\"].*");

    /** One line as an assembler reads it, with the file and line it came from. */
    record Line(SourceLocation where, String raw) {}

    /**
     * The lines of {@code text} (the file's text with block comments removed), each with where it
     * came from: cpp's line markers are followed and dropped (the first one names the preprocessed
     * file itself, known here by the SourceFile's name), and a preprocessor directive left in a file
     * that was not preprocessed is refused at its line.
     */
    static List<Line> lines(SourceFile file, String text) {
        List<Line> out = new ArrayList<>();
        String current = file.name(), mainAlias = null;
        int line = 1;
        for (String raw : text.split("\n", -1)) {
            Matcher marker = LINE_MARKER.matcher(raw);
            if (marker.matches()) {
                String name = marker.group(2).replace("\\\\", "\\").replace("\\\"", "\"");
                if (mainAlias == null) mainAlias = name;
                current = name.equals(mainAlias) ? file.name() : name;
                line = Integer.parseInt(marker.group(1).length() > 9 ? "0" : marker.group(1));
                continue;
            }
            SourceLocation where = new SourceLocation(current, line++);
            if (CPP_LINE.matcher(raw).matches() || CPP_INCLUDE.matcher(raw).matches()) {
                throw new AsmException(where, raw, "a C preprocessor line in a file that was not preprocessed:"
                        + " GNU as would take it for a comment and assemble every branch; name the file .S or pass --cpp");
            }
            out.add(new Line(where, raw));
        }
        return out;
    }

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
        boolean[] outside = outsideStrings(line);
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (outside[i] && ((hashComments && c == '#') || (c == '/' && i + 1 < line.length() && line.charAt(i + 1) == '/'))) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /**
     * Refuses a character outside a comment or string that GNU as syntax does not have: Keystone loops
     * on non-ASCII text and reads control characters in ways GNU as does not.
     */
    static void checkCharacters(SourceLocation where, String piece) {
        if (unterminatedString(piece) >= 0) {
            // GNU as only warns here and runs the string on over the following lines; Keystone loops
            // on it until its time limit (twice: ~16 s). Never what the author meant.
            throw new AsmException(where, piece, "unterminated string: the '\"' opened on this line is not closed"
                    + " (GNU as would run the string on into the next lines, with a warning)");
        }
        boolean[] outside = outsideStrings(piece);
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            if (outside[i] && (c > 0x7e || (c < 0x20 && c != '\t'))) {
                String what = c > 0x7e ? String.format("non-ASCII character U+%04X", (int) c)
                        : String.format("control character 0x%02x", (int) c);
                throw new AsmException(where, piece, what + " outside a comment or string (GNU as syntax is ASCII)");
            }
        }
    }

    /** GNU as on x86 also separates statements with ';'. */
    static List<String> splitStatements(String line) {
        List<String> out = new ArrayList<>();
        boolean[] outside = outsideStrings(line);
        int from = 0;
        for (int i = 0; i < line.length(); i++) {
            if (outside[i] && line.charAt(i) == ';') {
                out.add(line.substring(from, i));
                from = i + 1;
            }
        }
        out.add(line.substring(from));
        return out;
    }

    /**
     * For each character of {@code s}, whether it stands outside a {@code "string"} (the quotes, and
     * a character escaped with a backslash, belong to the string; an unterminated one runs to the end)
     * and is not the character a constant quotes ({@code '#}).
     */
    static boolean[] outsideStrings(String s) {
        boolean[] outside = new boolean[s.length()];
        scan(s, outside);
        return outside;
    }

    /** Where a string opened on this line is never closed, or -1. */
    static int unterminatedString(String s) {
        return scan(s, null);
    }

    /**
     * One pass over a line: marks in {@code outside} (when given) the characters outside strings, and
     * returns where a string left open at the end of the line began, or -1.
     */
    private static int scan(String s, boolean[] outside) {
        int open = -1;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (open >= 0) {
                if (c == '\\') i++;
                else if (c == '"') open = -1;
            } else if (c == '"') {
                open = i;
            } else {
                if (outside != null) outside[i] = true;
                // A character constant ('c: cmpb $'#', %al; movb $'"', %al) quotes the one character
                // after it, which is then no comment, separator or string start (as GNU as reads it).
                if (c == '\'' && i + 1 < s.length()) i++;
            }
        }
        return open;
    }
}
