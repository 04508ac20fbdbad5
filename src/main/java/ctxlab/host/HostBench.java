package ctxlab.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The parent's side of {@code ctxlab bench}: builds Boost's ping-pong if it can, runs the child, returns its figures. */
public final class HostBench {
    public static final Duration TIMEOUT = Duration.ofMinutes(15);

    private HostBench() {}

    /**
     * The figures, or a crash.
     *
     * @param boostNote why Boost.Context was not measured (null when it was)
     */
    public record Result(ChildEvent.Bench bench, String crash, String boostNote) {}

    public static Result run(Path root, Path switchFile, List<String> benchArgs, Path boostBinary, boolean tryBoost) {
        return run(root, switchFile, benchArgs, boostBinary, tryBoost, TIMEOUT);
    }

    public static Result run(Path root, Path switchFile, List<String> benchArgs, Path boostBinary, boolean tryBoost,
                             Duration timeout) {
        Host.require();
        var sources = HostSources.files(root, switchFile);
        Path tmp = null;
        String boostNote = null;
        try {
            if (boostBinary == null && tryBoost) {
                tmp = Files.createTempDirectory("ctxlab-boost");
                Optional<Path> built = buildBoost(root, tmp);
                if (built.isPresent()) boostBinary = built.get();
                else boostNote = "Boost.Context not measured: scripts/bench-boost could not build its ping-pong"
                        + " (needs g++ and libboost-context-dev)";
            } else if (boostBinary == null) {
                boostNote = "Boost.Context not measured (scripts/bench-boost measures it)";
            }
            List<String> args = new ArrayList<>(List.of("bench", root.toString(), switchFile.toString()));
            args.addAll(benchArgs);
            if (boostBinary != null) args.addAll(List.of("--boost", boostBinary.toAbsolutePath().toString()));
            Isolation.ChildRun run = Isolation.run(args, List.of("-Djdk.virtualThreadScheduler.parallelism=1",
                    "-Djdk.virtualThreadScheduler.maxPoolSize=1", "-Xmx4g"), timeout);
            run.last(ChildEvent.Error.class).ifPresent(e -> {
                if (e.exit() == 1) throw new VerificationGate.VerificationFailedException(e.message());
                throw new HostException(e.message());
            });
            // the routine refused by the child's gate: its reason, in one line (the child says nothing on stderr)
            run.last(ChildEvent.Code.class).filter(ChildEvent.Code::refused).ifPresent(c -> {
                throw new VerificationGate.VerificationFailedException(c.refusal());
            });
            if (run.crash().isPresent()) return new Result(null, Isolation.describe(run, sources), boostNote);
            if (run.timedOut()) return new Result(null, "the bench child did not finish within " + timeout.toSeconds() + " s (--timeout); killed", boostNote);
            ChildEvent.Bench bench = run.last(ChildEvent.Bench.class).orElseThrow(() -> new HostException("the bench child JVM failed (exit "
                    + run.exitCode() + "): " + run.failure()));
            return new Result(bench, null, boostNote);
        } catch (IOException e) {
            throw new HostException("cannot create a temporary directory: " + e.getMessage());
        } finally {
            if (tmp != null) deleteTree(tmp);
        }
    }

    /** scripts/bench-boost --build DIR: g++ against libboost-context-dev, now, never at build time. */
    static Optional<Path> buildBoost(Path root, Path dir) {
        Path script = root.resolve("scripts/bench-boost");
        if (!Files.isExecutable(script)) return Optional.empty();
        try {
            Process p = new ProcessBuilder(script.toString(), "--build", dir.toString()).redirectErrorStream(false).start();
            p.getErrorStream().transferTo(java.io.OutputStream.nullOutputStream());
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) return Optional.empty();
            Path binary = Path.of(out);
            return Files.isExecutable(binary) ? Optional.of(binary) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
