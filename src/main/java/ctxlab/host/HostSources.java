package ctxlab.host;

import ctxlab.asm.SourceFile;
import ctxlab.asm.elf.ElfFile;
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

    /**
     * The unit for another convention's routine ({@code vectors --host}): the routine's file and
     * the test-vector harness. Cem's strand bodies, scheduler and benchmarks call
     * {@code cem_swapcontext}, which such a file does not define.
     */
    public static List<SourceFile> conventionFiles(Path root, Path switchFile) {
        return conventionFiles(root, switchFile, List.of());
    }

    /** @param asm the vectors' further files (relative to the root), assembled after the routine as Unicorn's runner does */
    public static List<SourceFile> conventionFiles(Path root, Path switchFile, List<String> asm) {
        requireSource(switchFile);
        Path base = root.toAbsolutePath().normalize();
        Path abs = switchFile.toAbsolutePath().normalize();
        String name = abs.startsWith(base) ? base.relativize(abs).toString() : switchFile.toString();
        List<SourceFile> files = new ArrayList<>();
        files.add(new SourceFile(name, SourceFile.read(switchFile).text()));
        for (String a : asm) files.add(new SourceFile(a, SourceFile.read(root.resolve(a).normalize()).text()));
        String harness = "asm/host/harness.s";
        files.add(new SourceFile(harness, SourceFile.read(root.resolve(harness).normalize()).text()));
        return files;
    }

    /**
     * The child JVM assembles the routine's source for the base the kernel gives it, where the
     * emulated commands take an ELF file's bytes at a base of their choice: one line, exit 2.
     */
    public static void requireSource(Path switchFile) {
        if (ElfFile.isElf(switchFile)) {
            throw new IllegalArgumentException(switchFile + ": an ELF file; ELF input is not supported on the host (selftest --host,"
                    + " vectors --host, strands and bench assemble the routine from its GNU-as source): give the .s file");
        }
    }

    public static List<SourceFile> files(Path root, Path switchFile) {
        requireSource(switchFile);
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
