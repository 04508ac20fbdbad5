package ctxlab.asm;

/**
 * A line of a source file, printed the way compilers do: {@code file:line}. Code without source lines
 * (an ELF routine) has line 0 and a {@code file} that says where instead ({@code x.o:f+0x4}).
 */
public record SourceLocation(String file, int line) {
    @Override
    public String toString() {
        return line > 0 ? file + ":" + line : file;
    }
}
