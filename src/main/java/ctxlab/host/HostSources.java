package ctxlab.host;

import ctxlab.asm.SourceFile;
import ctxlab.selftest.Selftest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What goes into the host's one unit of code: the switch routine under test, the selftest strand
 * bodies (so the verification gate can run the six scenarios on the very same bytes) and the
 * host's own native code (scheduler programs, benchmarks, the test-vector harness).
 */
public final class HostSources {
    public static final List<String> HOST_FILES = List.of("asm/host/scheduler.s", "asm/host/bench.s", "asm/host/harness.s");

    private HostSources() {}

    public static List<SourceFile> files(Path root, Path switchFile) {
        // The project's own files are named as in the project ("asm/host/scheduler.s:71: …").
        Path base = root.toAbsolutePath().normalize();
        List<SourceFile> files = new ArrayList<>(Selftest.sources(root, switchFile, p -> {
            Path abs = p.toAbsolutePath().normalize();
            return abs.startsWith(base) && !p.equals(switchFile) ? base.relativize(abs).toString() : p.toString();
        }));
        Selftest.requireSwitch(files.getFirst());
        for (String s : HOST_FILES) files.add(new SourceFile(s, SourceFile.read(root.resolve(s).normalize()).text()));
        return files;
    }
}
