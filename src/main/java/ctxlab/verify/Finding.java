package ctxlab.verify;

/**
 * Something worth knowing that is not one of the seven properties. Warnings fail the run only
 * with {@code --strict}; infos never do.
 */
public record Finding(String id, Severity severity, String detail) {
    public enum Severity { WARNING, INFO }

    public static final String X87 = "x87-control-word";
    public static final String CET = "cet-shadow-stack";
    public static final String CODE_SIZE = "code-size";
    public static final String RETURN_STACK = "return-stack";

    public boolean warning() {
        return severity == Severity.WARNING;
    }
}
