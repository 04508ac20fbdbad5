package ctxlab.selftest;

import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
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
        List<SourceFile> files = new ArrayList<>();
        files.add(SourceFile.read(switchFile));
        // Alone first, so that a file without the routine is reported as such, not as a
        // missing symbol in some strand body.
        Assembler.assemble(files.get(0), CODE_BASE).symbol(SWITCH);
        for (String s : Scenarios.STRAND_FILES) files.add(SourceFile.read(root.resolve(s).normalize()));
        return Assembler.assemble(files, CODE_BASE);
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
