package ctxlab.vectors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Where a vector's code files may come from: the project tree only, assembly files only. */
public final class Sources {
    private Sources() {}

    /** Whether a file name looks like assembly text (.s, .S, .asm): only such files are read for a vector, or quoted. */
    public static boolean isAssemblyName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".s") || n.endsWith(".asm");
    }

    /**
     * {@code root/name}, checked again on the real file system: a symbolic link inside the tree that
     * points out of it is refused like {@code ..}.
     *
     * @throws VectorException naming the vector and the JSON path
     */
    public static Path resolve(Path root, String name, String vector, String at) {
        Path r = root.toAbsolutePath().normalize();
        Path f = r.resolve(name).normalize();
        if (!f.startsWith(r) || Path.of(name).isAbsolute()) {
            throw new VectorException(vector, at, name + " is outside the project tree");
        }
        try {
            if (Files.exists(f) && !f.toRealPath().startsWith(r.toRealPath())) {
                throw new VectorException(vector, at, name + " leads outside the project tree (a symbolic link)");
            }
        } catch (IOException e) {
            throw new VectorException(vector, at, name + ": cannot read: " + e.getMessage());
        }
        return f;
    }
}
