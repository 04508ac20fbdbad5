package ctxlab.selftest;

import ctxlab.asm.AssemblyCache;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.asm.SourceOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Assembles the switch routine with the strand bodies and runs the six scenarios. */
public final class Selftest {
    /** Where the code goes in emulation; any page-aligned address works. */
    public static final long CODE_BASE = 0x40_0000L;
    public static final String SWITCH = "cem_swapcontext";

    private Selftest() {}

    /** The switch file plus the strand files, as one assembly unit. */
    public static Assembly assemble(Path root, Path switchFile) {
        return assemble(root, switchFile, SourceOptions.DEFAULT);
    }

    /** The same, the switch file read with these preprocessor options. */
    public static Assembly assemble(Path root, Path switchFile, SourceOptions options) {
        return assemble(sources(root, switchFile, Path::toString, options));
    }

    /** The switch file first, then the strand files; {@code display} names them in messages. */
    public static List<SourceFile> sources(Path root, Path switchFile, Function<Path, String> display) {
        return sources(root, switchFile, display, SourceOptions.DEFAULT);
    }

    /** The same, the switch file read with these preprocessor options. */
    public static List<SourceFile> sources(Path root, Path switchFile, Function<Path, String> display, SourceOptions options) {
        List<Path> paths = new ArrayList<>();
        paths.add(switchFile);
        for (String s : Scenarios.STRAND_FILES) paths.add(root.resolve(s).normalize());
        List<SourceFile> files = new ArrayList<>();
        for (Path p : paths) {
            SourceOptions o = p == switchFile ? options : SourceOptions.DEFAULT;
            files.add(new SourceFile(display.apply(p), SourceFile.read(p, o).text()));
        }
        return files;
    }

    /** The same with the routine already read (an ELF file's routine as bytes). */
    public static List<SourceFile> sources(Path root, SourceFile routine, Function<Path, String> display) {
        List<SourceFile> files = new ArrayList<>();
        files.add(routine);
        for (String s : Scenarios.STRAND_FILES) {
            Path p = root.resolve(s).normalize();
            files.add(new SourceFile(display.apply(p), SourceFile.read(p).text()));
        }
        return files;
    }

    /** Assembles {@link #sources} after {@link #requireSwitch} on the first. */
    public static Assembly assemble(List<SourceFile> sources) {
        requireSwitch(sources.get(0));
        return AssemblyCache.assemble(sources, CODE_BASE);
    }

    /**
     * Assembles the switch file alone, so that a file without the routine is reported as such
     * ("no symbol 'cem_swapcontext' …"), not as a missing symbol in some strand body.
     */
    public static void requireSwitch(SourceFile switchFile) {
        AssemblyCache.assemble(switchFile, CODE_BASE).symbol(SWITCH);
    }

    /** Runs every scenario on a fresh backend of its own, so one's failure cannot leak into another. */
    public static List<Outcome> run(Assembly assembly, Function<Assembly, Backend> backends) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Scenario s : Scenarios.all()) {
            try (Backend b = backends.apply(assembly)) {
                outcomes.add(s.execute(b));
            }
        }
        return outcomes;
    }

    public static List<Outcome> runEmulated(Assembly assembly) {
        return run(assembly, a -> new EmulatedBackend(a, SWITCH));
    }
}
