package ctxlab.asm;

/**
 * The source cannot be assembled. The message always names {@code file:line} (when one line is
 * to blame), the offending text and the reason, so a user never needs a stack trace.
 */
public final class AsmException extends RuntimeException {
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
        return Text.escape(where + ": " + reason) + (line.isBlank() ? "" : "\n    " + Text.escape(line));
    }
}
