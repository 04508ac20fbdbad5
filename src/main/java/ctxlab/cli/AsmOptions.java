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

    /** Whether anything was given (the --host children do not take these yet). */
    boolean given() {
        return cpp || !defines.isEmpty() || !undefines.isEmpty() || !includes.isEmpty();
    }
}
