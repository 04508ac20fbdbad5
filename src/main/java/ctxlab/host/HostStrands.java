package ctxlab.host;

import ctxlab.asm.SourceFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The parent's side of {@code ctxlab strands}: the scheduler in the crash-isolated child. */
public final class HostStrands {
    public static final Duration TIMEOUT = Duration.ofSeconds(30);

    private HostStrands() {}

    /** The child's "strands" event, or the crash in words. */
    public record Result(ChildEvent.Strands strands, List<ChildEvent.Spawned> spawned, String crash, String guardMethod) {}

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
        run.throwIfError();
        run.last(ChildEvent.Code.class).filter(ChildEvent.Code::refused).ifPresent(c -> {
            throw new VerificationGate.VerificationFailedException(c.refusal());
        });
        List<ChildEvent.Spawned> spawned = run.all(ChildEvent.Spawned.class);
        String guard = spawned.isEmpty() ? Pages.guardMethod().label : spawned.getLast().guardMethod();
        if (run.crash().isPresent()) return new Result(null, spawned, Isolation.describe(run, sources), guard);
        if (run.timedOut()) {
            return new Result(null, spawned, "the strands did not finish within " + timeout.toSeconds() + " s (--timeout); killed", guard);
        }
        if (!run.finished()) throw new HostException("the host child JVM failed (exit " + run.exitCode() + "): " + run.lastStderrLine());
        ChildEvent.Strands strands = run.last(ChildEvent.Strands.class).orElseThrow(() -> new HostException(
                "the host child JVM ended without reporting its strands (exit " + run.exitCode() + ")"));
        return new Result(strands, spawned, null, guard);
    }
}
