package ctxlab.asm;

/** A line of a source file, printed the way compilers do: {@code file:line}. */
public record SourceLocation(String file, int line) {
    @Override
    public String toString() {
        return file + ":" + line;
    }
}
