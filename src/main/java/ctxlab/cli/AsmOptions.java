package ctxlab.cli;

import ctxlab.asm.SourceOptions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The C preprocessor options every command that reads assembly shares ({@code .S} files, or any with --cpp). */
final class AsmOptions {
    @Option(names = "--cpp", description = "run the C preprocessor on the file even if it is not .S")
    boolean cpp;

    @Option(names = "-D", paramLabel = "NAME[=VALUE]", description = "define a preprocessor macro (.S files, --cpp)")
    List<String> defines = new ArrayList<>();

    @Option(names = "-U", paramLabel = "NAME", description = "undefine a preprocessor macro (.S files, --cpp)")
    List<String> undefines = new ArrayList<>();

    @Option(names = "-I", paramLabel = "DIR", description = "add an include directory (.S files, --cpp)")
    List<String> includes = new ArrayList<>();

    SourceOptions options() {
        return new SourceOptions(cpp, defines, undefines, includes);
    }

    /** The options again, as arguments for a child JVM (verify --bench's forked side). */
    List<String> forwarded() {
        List<String> a = new ArrayList<>();
        if (cpp) a.add("--cpp");
        defines.forEach(d -> a.add("-D" + d));
        undefines.forEach(u -> a.add("-U" + u));
        includes.forEach(i -> a.add("-I" + i));
        return a;
    }

    /** Whether anything was given (the --host children do not take these yet). */
    boolean given() {
        return cpp || !defines.isEmpty() || !undefines.isEmpty() || !includes.isEmpty();
    }
}
