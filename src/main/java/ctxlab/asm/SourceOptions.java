package ctxlab.asm;

import java.util.List;

/**
 * How a source file is read: whether it goes through the C preprocessor (always for {@code .S};
 * for any file with {@code cpp}) and the {@code -D}, {@code -U}, {@code -I} arguments passed to it,
 * in the order given.
 *
 * @param cpp       preprocess even a file whose name does not end in {@code .S}
 * @param defines   {@code NAME} or {@code NAME=VALUE}, as after {@code -D}
 * @param undefines {@code NAME}, as after {@code -U}
 * @param includes  include directories, as after {@code -I}
 */
public record SourceOptions(boolean cpp, List<String> defines, List<String> undefines, List<String> includes) {
    /** No forced preprocessing and no arguments: {@code .S} files are still preprocessed. */
    public static final SourceOptions DEFAULT = new SourceOptions(false, List.of(), List.of(), List.of());

    public SourceOptions {
        defines = List.copyOf(defines);
        undefines = List.copyOf(undefines);
        includes = List.copyOf(includes);
    }

    /** Whether a file of this name is preprocessed: {@code .S} (GNU's convention), or any with {@code cpp}. */
    public boolean preprocesses(String fileName) {
        return cpp || fileName.endsWith(".S") || fileName.endsWith(".sx");
    }
}
