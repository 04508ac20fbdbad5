package ctxlab.qemu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The temporary folder of one run (generated sources, objects, programs), named after this process
 * ({@code ctxlab-qemu-PID-…}) and deleted afterwards. A run killed outright (SIGKILL) cannot delete
 * its own: the next run deletes the folders of processes that are gone.
 */
final class Workdir {
    private static final Pattern NAME = Pattern.compile("ctxlab-qemu-(\\d+)-.*");

    private Workdir() {}

    static Path create() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> s = Files.list(tmp)) {
            for (Path p : s.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p) && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) delete(p);
            }
        } catch (IOException | UncheckedIOException | NumberFormatException e) {
            // someone else's folder, or unreadable: not ours to clean
        }
        try {
            return Files.createTempDirectory("ctxlab-qemu-" + ProcessHandle.current().pid() + "-");
        } catch (IOException e) {
            throw new QemuException("cannot create a temporary folder: " + e.getMessage());
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | UncheckedIOException e) {
            // a temporary folder left behind is not worth failing the run for
        }
    }
}
