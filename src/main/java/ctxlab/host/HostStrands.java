package ctxlab.host;

import com.fasterxml.jackson.databind.JsonNode;
import ctxlab.asm.SourceFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The parent's side of {@code ctxlab strands}: the scheduler in the crash-isolated child. */
public final class HostStrands {
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private HostStrands() {}

    /** The child's "strands" event, or the crash in words. */
    public record Result(JsonNode strands, List<JsonNode> spawned, String crash, String guardMethod) {}

    public static Result run(Path root, Path switchFile, String program, int count, long stack, long argument) {
        return run(root, switchFile, program, count, stack, argument, TIMEOUT);
    }

    public static Result run(Path root, Path switchFile, String program, int count, long stack, long argument, Duration timeout) {
        Host.require();
        if (count < 1) throw new IllegalArgumentException("--count must be at least 1");
        ctxlab.abi.MakeContext.checkStack(stack);
        List<SourceFile> sources = HostSources.files(root, switchFile);
        Isolation.ChildRun run = Isolation.run(List.of("strands", root.toString(), switchFile.toString(), program,
                Integer.toString(count), Long.toString(stack), Long.toString(argument)), List.of("-XX:TieredStopAtLevel=1"), timeout);
        run.last("error").ifPresent(e -> {
            throw new HostException(e.path("message").asText());
        });
        run.last("code").filter(c -> c.path("refused").asBoolean(false)).ifPresent(c -> {
            throw new VerificationGate.VerificationFailedException(c.path("refusal").asText());
        });
        String guard = run.last("spawned").map(s -> s.path("guardMethod").asText()).orElse(Pages.guardMethod().label);
        if (run.crash().isPresent()) return new Result(null, run.all("spawned"), Isolation.describe(run, sources), guard);
        if (run.timedOut()) {
            return new Result(null, run.all("spawned"), "the strands did not finish within " + timeout.toSeconds() + " s (--timeout); killed", guard);
        }
        if (!run.finished()) throw new HostException("the host child JVM failed (exit " + run.exitCode() + "): " + run.lastStderrLine());
        return new Result(run.last("strands").orElseThrow(), run.all("spawned"), null, guard);
    }
}
