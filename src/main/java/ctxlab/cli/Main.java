package ctxlab.cli;

import ctxlab.asm.AsmException;
import ctxlab.asm.KeystoneException;
import ctxlab.emu.EmulatorUnavailableException;
import ctxlab.host.HostException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ctxlab} command line. Exit codes: 0 success, 1 a check failed, 2 bad input or setup. */
@Command(name = "ctxlab", mixinStandardHelpOptions = true, version = "ctxlab 0.1.0",
        description = "Assemble, emulate, verify and trace an x86-64 or AArch64 green-thread context switch.",
        footer = {"", "Exit codes: 0 success, 1 a check failed, 2 bad input, usage or missing prerequisite."})
public final class Main implements java.util.concurrent.Callable<Integer> {
    public static final int OK = 0, FAILED = 1, BAD_INPUT = 2;

    /**
     * The commands, in the order help lists them. Registered lazily: picocli builds a model of every
     * registered command from its annotations, which a cold JVM pays for at every start, so a run of
     * one command registers only that one (all of them for help, usage and errors).
     */
    private static final java.util.List<String> COMMANDS =
            java.util.List.of("assemble", "verify", "selftest", "vectors", "trace", "bench", "strands", "conventions", "help");

    // A switch, not a map of constructor references: the JDK 25 AOT cache creation crashed on those
    // (archiveHeapWriter guarantee) when they sat in a static field.
    private static Object command(String name) {
        return switch (name) {
            case "assemble" -> new AssembleCommand();
            case "verify" -> new VerifyCommand();
            case "selftest" -> new SelftestCommand();
            case "vectors" -> new VectorsCommand();
            case "trace" -> new TraceCommand();
            case "bench" -> new BenchCommand();
            case "strands" -> new StrandsCommand();
            case "conventions" -> new ConventionsCommand();
            default -> new CommandLine.HelpCommand();
        };
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Inherited by every command: assemble afresh instead of using the assembled-output cache. */
    @CommandLine.Option(names = "--no-cache", scope = CommandLine.ScopeType.INHERIT,
            description = "do not use the assembled-output cache (~/.cache/ctxlab or $XDG_CACHE_HOME/ctxlab): run Keystone")
    void noCache(boolean on) {
        if (on) ctxlab.asm.AssemblyCache.setEnabled(false);
    }

    /** No command given: that is a usage error, like any other. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return BAD_INPUT;
    }

    public static void main(String[] args) {
        // Both engines take a few hundred milliseconds to load: overlap them with each other and
        // with argument parsing (two cores on the machines this runs on).
        // Keystone only when the assembled-output cache is off: a cache hit never needs it, and an
        // idle core runs Unicorn's load instead.
        if (args.length > 0 && !args[0].startsWith("-") && !args[0].equals("help")) {
            boolean noCache = java.util.Arrays.asList(args).contains("--no-cache");
            if (noCache) ctxlab.asm.Keystone.preload();
            Thread.ofPlatform().daemon().name("unicorn-preload").start(ctxlab.emu.Unicorn::available);
            // Capstone only where it is sure to be used: the tracer decodes operands with it and every
            // fresh assembly is cross-checked by it; a cache hit of verify, selftest or vectors never
            // needs it, and binding it took the second core from Unicorn's load (verify, 9 cold runs
            // interleaved: see docs/performance.md).
            if (noCache || args[0].equals("trace") || args[0].equals("assemble")) {
                Thread.ofPlatform().daemon().name("capstone-preload").start(ctxlab.disasm.Capstone::available);
            }
        }
        Output.Recording stdout = Output.stdout(), stderr = Output.stderr();
        PrintWriter out = Output.writer(stdout, System.out.charset()), err = Output.writer(stderr, System.err.charset());
        int code = execute(args, out, err);
        out.flush();
        err.flush();
        if (stdout.failedOtherThanClosedPipe()) {
            err.println("ctxlab: cannot write the output: " + stdout.reason());
            err.flush();
            code = BAD_INPUT;
        }
        System.exit(code);
    }

    private static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";

    /** Runs the CLI with the given streams; the process-free entry point tests use. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        boolean debug = java.util.Arrays.asList(args).contains("--debug");
        ctxlab.asm.AssemblyCache.setEnabled(!"false".equals(System.getProperty("ctxlab.cache")));
        // picocli registers converters for the java.time and java.sql types by reflection, in every
        // CommandLine it makes, and Class.forName runs their static initialisers (date-time formatters):
        // 20-70 ms of a cold start. No option of ctxlab has such a type.
        if (System.getProperty(CONVERTER_EXCLUDES) == null) System.setProperty(CONVERTER_EXCLUDES, "java\\.time\\..*,java\\.sql\\..*");
        CommandLine cl = new CommandLine(new Main());
        if (args.length > 0 && COMMANDS.contains(args[0]) && !args[0].equals("help")) {
            cl.addSubcommand(command(args[0]));
        } else {
            for (String c : COMMANDS) cl.addSubcommand(command(c));
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("ctxlab: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, command, parsed) -> {
            if (debug) ex.printStackTrace(err);
            err.println("ctxlab: " + oneLine(ex));
            // a routine refused for failing the emulated checks the command ran first: a failed check,
            // as selftest --host and vectors --host report it, not bad input
            return ex instanceof ctxlab.host.VerificationGate.VerificationFailedException ? FAILED : BAD_INPUT;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println("ctxlab: out of memory: the input is too large for this JVM (" + e.getMessage() + ")");
            return BAD_INPUT;
        } catch (StackOverflowError e) {
            err.println("ctxlab: the input is nested too deeply (stack overflow)");
            return BAD_INPUT;
        }
    }

    /** Whether a blamed location ({@code file:line}) is in a file named like assembly text. */
    static boolean isAssemblyText(String location) {
        String file = location.toLowerCase(java.util.Locale.ROOT);
        return file.endsWith(".s") || file.endsWith(".asm") || file.endsWith(".inc");
    }

    /** At most {@code n} lines of a message: an error never quotes more than one source line. */
    static String firstLines(String s, int n) {
        if (s == null) return null;
        String[] lines = s.split("\n", -1);
        return lines.length <= n ? s : String.join("\n", java.util.Arrays.copyOf(lines, n));
    }

    /** A message for the user; the kind of failure decides the words, never a stack trace. */
    static String oneLine(Throwable ex) {
        if (ex instanceof OutOfMemoryError) return "out of memory: the input is too large for this JVM";
        if (ex instanceof StackOverflowError) return "the input is nested too deeply (stack overflow)";
        if (ex instanceof AsmException a && a.where() != null && !isAssemblyText(a.where().file())) {
            // Not an assembly file (say, a secret handed in as input): name the line, never quote it.
            // Even the reason can quote it (a symbol name), so only the location is given.
            return a.where() + ": cannot be assembled; " + a.where().file()
                    + " is not named like an assembly file (.s, .S, .asm), so nothing of its text is shown";
        }
        if (ex instanceof AsmException || ex instanceof EmulatorUnavailableException) return firstLines(ex.getMessage(), 2);
        if (ex instanceof ctxlab.disasm.DisasmException) return ex.getMessage();
        if (ex instanceof KeystoneException k) return "Keystone: " + k.getMessage();
        if (ex instanceof IllegalArgumentException || ex instanceof HostException) return ex.getMessage();
        String msg = ex.getMessage();
        if (msg != null) msg = firstLines(msg, 1);
        return "internal error: " + ex.getClass().getSimpleName() + (msg == null ? "" : ": " + msg)
                + " (run with --debug for details)";
    }
}
