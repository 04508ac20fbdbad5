package ctxlab.qemu;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One child process (as, ld, qemu-aarch64) with a time limit, a clean environment (no QEMU_*
 * variable can change what qemu does), no stdin, and bounded output. A child still running when
 * the JVM exits normally is killed by a shutdown hook; when the JVM is killed outright, the
 * generated program kills itself (PR_SET_PDEATHSIG, see {@link Program}), and as and ld end on their own.
 */
final class Proc {
    record Result(int exit, byte[] stdout, String stderr, boolean timedOut) {
        String lastErrorLine() {
            return stderr.strip().lines().reduce((a, b) -> b).orElse("");
        }
    }

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }), "ctxlab-qemu-reaper"));
    }

    private Proc() {}

    static Result run(List<String> command, Path dir, Duration timeout, int maxOutput) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        String path = pb.environment().getOrDefault("PATH", "/usr/bin:/bin");
        pb.environment().clear();
        pb.environment().put("PATH", path);
        pb.environment().put("LC_ALL", "C");
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new QemuException("cannot start " + command.getFirst() + ": " + e.getMessage());
        }
        LIVE.add(p);
        try {
            CompletableFuture<byte[]> out = drain(p.getInputStream(), maxOutput), err = drain(p.getErrorStream(), 1 << 16);
            boolean done = p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
            }
            return new Result(done ? p.exitValue() : -1, out.join(), new String(err.join(), StandardCharsets.UTF_8), !done);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new QemuException("interrupted while running " + command.getFirst());
        } finally {
            LIVE.remove(p);
        }
    }

    /** Reads a stream to its end on a virtual thread, keeping at most {@code max} bytes. */
    private static CompletableFuture<byte[]> drain(InputStream in, int max) {
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            try (in) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    int keep = Math.min(n, max - b.size());
                    if (keep > 0) b.write(buf, 0, keep);
                }
            } catch (IOException e) {
                // the process was killed: what was read so far is all there is
            }
            f.complete(b.toByteArray());
        });
        return f;
    }

}
