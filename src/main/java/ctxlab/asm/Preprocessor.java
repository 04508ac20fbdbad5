package ctxlab.asm;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The system C preprocessor, run as {@code gcc -c file.S} runs it ({@code -x assembler-with-cpp}):
 * {@code cpp} from PATH, else {@code gcc -E}. Its output keeps the line markers
 * ({@code # 12 "file.S"}) that {@link Assembler} follows, so that every {@code file:line} points
 * into the original file and its headers.
 */
public final class Preprocessor {
    /** Longest a preprocessor run may take; a header that includes itself forever is cut off. */
    static final long TIMEOUT_SECONDS = 30;

    private Preprocessor() {}

    /** The preprocessed text of {@code path}; errors name the file and line as cpp reports them. */
    public static String run(Path path, SourceOptions options) {
        List<String> cmd = new ArrayList<>(command(System.getenv().getOrDefault("PATH", "")));
        cmd.add("-x");
        cmd.add("assembler-with-cpp");
        for (String d : options.defines()) cmd.add("-D" + d);
        for (String u : options.undefines()) cmd.add("-U" + u);
        for (String i : options.includes()) cmd.add("-I" + i);
        cmd.add(path.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new AsmException(path + ": cannot run the C preprocessor (" + cmd.get(0) + "): " + e.getMessage());
        }
        try {
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readCapped(p.getErrorStream(), 64 * 1024));
            byte[] out = readCapped(p.getInputStream(), SourceFile.MAX_BYTES + 1);
            if (out.length > SourceFile.MAX_BYTES) {
                p.destroyForcibly();
                throw new AsmException(path + ": the preprocessed text is larger than " + SourceFile.MAX_BYTES / (1024 * 1024)
                        + " MiB; ctxlab refuses it");
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AsmException(path + ": the C preprocessor did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String diagnostics = new String(err.join(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AsmException(firstError(diagnostics, path));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new AsmException(path + ": interrupted while preprocessing");
        } finally {
            if (p.isAlive()) p.destroyForcibly();
        }
    }

    /** cpp, else gcc -E (gcc's driver runs the same preprocessor); neither: a missing prerequisite. */
    static List<String> command(String pathVariable) {
        if (onPath(pathVariable, "cpp")) return List.of("cpp");
        if (onPath(pathVariable, "gcc")) return List.of("gcc", "-E");
        throw new AsmException("a .S file needs the C preprocessor, and neither cpp nor gcc is on PATH:"
                + " install the Debian package cpp (apt-get install cpp)");
    }

    private static boolean onPath(String pathVariable, String tool) {
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** The first "file:line: error: ..." of cpp's diagnostics (they already name file and line). */
    private static String firstError(String diagnostics, Path path) {
        for (String line : diagnostics.split("\n")) {
            if (line.contains("error")) return Text.escape(line.strip());
        }
        String first = diagnostics.strip().split("\n", 2)[0];
        return path + ": the C preprocessor failed" + (first.isEmpty() ? "" : ": " + Text.escape(first));
    }

    private static byte[] readCapped(InputStream in, long cap) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() < cap) out.write(buf, 0, (int) Math.min(n, cap - out.size()));
            }
        } catch (IOException e) {
            // the process died; its exit status tells
        }
        return out.toByteArray();
    }
}
