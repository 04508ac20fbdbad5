package ctxlab.vectors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finding vector files: the {@code testvectors/} folder and its subfolders, or paths given. */
public final class Corpus {
    /** The corpus folder, relative to the project root. */
    public static final String DIR = "testvectors";
    /** The schema beside the vectors; not a vector itself. */
    public static final String SCHEMA = "vector.schema.json";

    private Corpus() {}

    /** A vector file: where it is, how messages name it, and its id (path under the folder searched). */
    public record Entry(Path file, String display, String id) {
        public Vector read() {
            return VectorParser.read(file, display, id);
        }
    }

    /**
     * The vector files under {@code paths}, in order: a file as given, a directory searched
     * recursively for {@code *.json} (schema files excepted), sorted by path.
     *
     * @throws VectorException for a path that does not exist
     */
    public static List<Entry> find(List<Path> paths) {
        List<Entry> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile)
                            .filter(f -> f.getFileName().toString().endsWith(".json"))
                            .filter(f -> !f.getFileName().toString().endsWith(".schema.json"))
                            .sorted()
                            .forEach(f -> out.add(new Entry(f, display(f), p.relativize(f).toString().replace('\\', '/'))));
                } catch (IOException | UncheckedIOException e) {
                    // the walk meets what it may not read (say /proc) lazily, as an unchecked exception
                    IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
                    throw new VectorException(display(p) + ": cannot search the folder: " + (io instanceof java.nio.file.AccessDeniedException
                            ? "permission denied: " : "") + io.getMessage());
                }
            } else if (Files.isRegularFile(p)) {
                out.add(new Entry(p, display(p), p.getFileName().toString()));
            } else {
                throw new VectorException(display(p) + (Files.exists(p)
                        ? ": not a vector file or a folder of them (a device, a pipe or a socket)"
                        : ": no such file or directory"));
            }
        }
        return out;
    }

    /** A path as a user reads it: relative to the working directory when inside it. */
    public static String display(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }
}
