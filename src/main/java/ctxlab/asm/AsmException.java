package ctxlab.asm;

/**
 * The source cannot be assembled. The message always names {@code file:line} (when one line is
 * to blame), the offending text and the reason, so a user never needs a stack trace.
 */
public final class AsmException extends RuntimeException {
    /** Characters of the offending line an error quotes. */
    static final int MAX_QUOTED = 200;
    private final SourceLocation where;
    private final String text;

    public AsmException(SourceLocation where, String text, String reason) {
        super(format(where, text, reason));
        this.where = where;
        this.text = text;
    }

    public AsmException(String message) {
        super(Text.escape(message));
        this.where = null;
        this.text = null;
    }

    /** The blamed line, or null when the error is not about one line. */
    public SourceLocation where() {
        return where;
    }

    public String text() {
        return text;
    }

    private static String format(SourceLocation where, String text, String reason) {
        // Only the one offending line is quoted, with control characters escaped (it is input).
        String line = text == null ? "" : text.strip().split("\n", 2)[0];
        // and only its start: a line can be megabytes long
        if (line.length() > MAX_QUOTED) line = line.substring(0, MAX_QUOTED) + " … (" + line.length() + " characters)";
        // a reason may quote a name from the line (a label of a million characters): bounded too
        if (reason.length() > 4 * MAX_QUOTED) reason = reason.substring(0, 4 * MAX_QUOTED) + " …";
        return Text.escape(where + ": " + reason) + (line.isBlank() ? "" : "\n    " + Text.escape(line));
    }
}
