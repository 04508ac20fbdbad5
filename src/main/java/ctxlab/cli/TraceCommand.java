package ctxlab.cli;

import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.Assembly;
import ctxlab.trace.ConventionSetup;
import ctxlab.verify.AutoDetect;
import ctxlab.verify.ConventionVerifier;
import java.util.List;
import ctxlab.selftest.Selftest;
import ctxlab.trace.HtmlFormat;
import ctxlab.trace.JsonFormat;
import ctxlab.trace.ScenarioTracer;
import ctxlab.trace.TextFormat;
import ctxlab.trace.Trace;
import ctxlab.trace.TraceSetup;
import ctxlab.trace.Tracer;
import ctxlab.trace.VectorTracer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Trace a context switch instruction by instruction: what each instruction saved or loaded, "
                + "where rsp went, what ret popped.",
                "Default: one cem_swapcontext call from main into a fresh strand made by makeContext, with memorable "
                + "register values (main 0x1111…–0x6666…, strand 0xaaaa…–0xffff…).",
                "Another runtime's routine (--convention, a '# convention:' line, or its symbol: jump_fcontext, acosw, "
                + "_mco_switch, coctx_swap): main → a fresh strand made by the convention's maker or layout → main, "
                + "both switches judged; Boost's frames are labelled on the stacks."},
        footer = {"", "Exit codes: 0 traced to the end and every switch arrived right (or a vector ended as it expects),",
                "1 a switch arrived wrong (a ✗ in the verdict), the routine faulted or ran past --max-steps,",
                "2 bad input or a missing prerequisite."})
final class TraceCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "GNU-as source or ELF file (.o, .so, executable) of the routine (default: asm/context_x86_64.s)")
    Path file;

    @Option(names = "--symbol", paramLabel = "NAME", description = "routine to call (default: cem_swapcontext, else the routine of the file's convention,"
            + " e.g. jump_fcontext)")
    String symbol;

    @Option(names = "--scenario", paramLabel = "NAME",
            description = "trace a selftest scenario instead, every instruction of every strand (names: ${COMPLETION-CANDIDATES})",
            completionCandidates = ScenarioNames.class)
    String scenario;

    @Option(names = "--vector", paramLabel = "FILE", description = "trace a test vector (testvectors/…/*.json): its memory, registers and stop address; "
            + "its call.budget applies when lower than --max-steps")
    Path vector;

    @Option(names = "--convention", paramLabel = "NAME|PATH|auto", description = "the routine's contract: a known convention ("
            + "cem, boost-fcontext, libaco, minicoro, libco; with --arch arm64: cem-arm64, boost-fcontext-arm64), a convention .json"
            + " file, or auto: the one known convention (of the routine's architecture) the"
            + " routine satisfies (default: named by a '# convention:' line in the file or by the symbol, else cem)")
    String convention;

    @Option(names = "--maker", paramLabel = "FILE:SYMBOL", description = "make the fresh strand with this routine (.s/.S or"
            + " ELF) instead of the convention's own maker or layout")
    String makerSpec;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or html (default: text)")
    String format = "text";

    @Option(names = "--out", paramLabel = "FILE", description = "write the trace to FILE instead of standard output")
    Path out;

    @Option(names = "--max-steps", paramLabel = "N", description = "instruction budget (default: 10000, and 10000 per switch "
            + "with --scenario, 1000000 with --switches 0); a routine still running after N steps is a runaway")
    Long maxSteps;

    @Option(names = "--steps", paramLabel = "A-B", description = "text: show only steps A to B (\"5-9\", \"12\", \"12-\")")
    String steps;

    @Option(names = "--compact", description = "text: leave out the stack when it did not change")
    boolean compact;

    @Option(names = "--switches", paramLabel = "N", description = "with --scenario: stop before switch N+1 (default: ${DEFAULT-VALUE}; 0 = no limit)")
    long switches = ScenarioTracer.DEFAULT_SWITCHES;

    @Option(names = "--color", paramLabel = "WHEN", description = "auto, always or never (default: auto: only on a terminal, and not if NO_COLOR is set)")
    String color = "auto";

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

    @picocli.CommandLine.Mixin
    AsmOptions asmOptions = new AsmOptions();

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** For --help: the scenario names. */
    static final class ScenarioNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ScenarioTracer.names().iterator();
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        if (!format.equals("text") && !format.equals("json") && !format.equals("html")) {
            return usage(err, "--format must be text, json or html, not '" + format + "'");
        }
        if (!color.equals("auto") && !color.equals("always") && !color.equals("never")) {
            return usage(err, "--color must be auto, always or never, not '" + color + "'");
        }
        if (maxSteps != null && (maxSteps < 1 || maxSteps > Limits.MAX_STEPS)) {
            return usage(err, "--max-steps must be between 1 and " + Limits.MAX_STEPS + " (every step is kept), got " + maxSteps);
        }
        if (out != null) {
            if (out.toString().isEmpty()) return usage(err, "--out needs a file name (got an empty one)");
            if (Files.isDirectory(out)) return usage(err, "--out " + out + " is a folder; give a file name");
        }
        if (switches < 0) return usage(err, "--switches must be 0 (no limit) or more");
        int[] range;
        try {
            range = TextFormat.range(steps);
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        // A scenario's budget grows with the switches it may run: the ping-pong's 1000 round trips
        // are ~60,000 instructions, far beyond one switch's budget.
        long budget = maxSteps != null ? maxSteps
                : scenario == null ? Tracer.DEFAULT_MAX_STEPS
                : switches == 0 ? Tracer.UNLIMITED_SWITCHES_STEPS : Tracer.DEFAULT_MAX_STEPS * Math.max(1, switches);
        if (vector != null) {
            if (scenario != null || file != null || symbol != null) {
                return usage(err, "--vector cannot be combined with --scenario, FILE or --symbol");
            }
        }
        if ((vector != null || scenario != null) && (convention != null || makerSpec != null)) {
            return usage(err, "--convention and --maker trace a routine (FILE), not a --scenario or --vector (those are Cem's)");
        }
        if (vector == null && arch.arm64(file)) {
            if (scenario != null) return usage(err, "--scenario is not available for arm64 yet (trace the switch itself)");
            return Arm64Commands.trace(spec.commandLine().getOut(), err, file != null ? file
                    : ArchOption.defaultFile(ArchOption.Arch.ARM64), symbol, format, out, budget, asmOptions, convention, makerSpec);
        }
        Path source = file != null ? file : Common.defaultSwitchFile();
        Trace trace;
        if (vector != null) {
            trace = VectorTracer.trace(Common.root(), vector, budget, Duration.ofSeconds(60));
        } else if (scenario != null) {
            if (symbol != null) return usage(err, "--symbol cannot be combined with --scenario (scenarios call cem_swapcontext)");
            if (ScenarioTracer.find(scenario).isEmpty()) {
                return usage(err, "no scenario '" + scenario + "' (scenarios: " + String.join(", ", ScenarioTracer.names()) + ")");
            }
            trace = ScenarioTracer.trace(Common.root(), source, Common::display, asmOptions.options(), scenario,
                    new Tracer.Limits(budget, switches == 0 ? -1 : switches, Duration.ofSeconds(60)));
        } else {
            // A GNU-as source, or an ELF file (.o, .so, executable) whose --symbol is taken.
            boolean auto = "auto".equals(convention);
            Convention explicit = convention != null && !auto ? ConventionChoice.ofArch(Conventions.resolve(convention),
                    ctxlab.abi.Arch.X86_64, "--convention " + convention) : null;
            Input input;
            if (symbol == null && (auto || explicit != null && !explicit.name().equals(Conventions.DEFAULT))) {
                List<String> preferred = explicit != null ? explicit.symbols()
                        : Conventions.shipped().stream().flatMap(c -> c.symbols().stream()).toList();
                input = Input.loadPreferring(source, Selftest.CODE_BASE, null, null, () -> preferred, asmOptions.options());
            } else if (symbol == null && explicit == null && !auto && ctxlab.asm.elf.ElfFile.isElf(source)) {
                // an ELF object has no "# convention:" line: cem_swapcontext, else the known routine it defines
                input = Input.loadPreferring(source, Selftest.CODE_BASE, null, Selftest.SWITCH,
                        () -> Conventions.shipped().stream().flatMap(c -> c.symbols().stream()).toList(), asmOptions.options());
            } else {
                input = Input.load(source, Selftest.CODE_BASE, symbol != null ? symbol : Selftest.SWITCH, symbol != null, asmOptions.options());
            }
            ConventionVerifier.MakerCode maker = makerSpec != null ? ConventionChoice.maker(makerSpec, asmOptions.options()) : null;
            Convention chosen = explicit;
            if (chosen == null && !auto) {
                chosen = ConventionChoice.named(input).orElse(null);
                if (chosen != null && symbol == null) input = ConventionChoice.routineOf(input, chosen);
                if (chosen == null && symbol == null && !input.assembly().symbols().containsKey(input.symbol())) {
                    // no cem_swapcontext: the known routine the file defines names its convention
                    for (Convention c : Conventions.shipped()) {
                        Input in = ConventionChoice.routineOf(input, c);
                        if (in != input) {
                            input = in;
                            chosen = c;
                            break;
                        }
                    }
                }
                if (chosen == null) chosen = Conventions.bySymbol(input.symbol()).orElse(null);
            }
            String routine = input.symbol();
            Assembly assembly = input.assembly();
            assembly.symbol(routine);
            if (auto) {
                AutoDetect.Result tried = AutoDetect.run(Conventions.shipped(), assembly, input.name(), routine, maker,
                        AUTO_ITERATIONS, 1);
                List<AutoDetect.Tried> fit = tried.fitting();
                if (fit.size() != 1) {
                    if (fit.isEmpty()) {
                        AutoDetect.Tried c = tried.closest();
                        return usage(err, "no known convention fits " + routine + "; closest: " + c.convention().name()
                                + " (violates: " + String.join(", ", c.report().violations().stream().map(v -> v.property().id()).toList())
                                + "); describe yours with --convention FILE, or name one to trace it under it");
                    }
                    return usage(err, routine + " fits several conventions (" + String.join(", ", fit.stream()
                            .map(t -> t.convention().name()).toList()) + "): choose one with --convention");
                }
                chosen = fit.get(0).convention();
            }
            TraceSetup setup;
            if ((chosen == null || chosen.name().equals(Conventions.DEFAULT) && chosen.source().startsWith("conventions/"))
                    && maker == null) {
                setup = TraceSetup.defaultSwitch(assembly, routine, input.sources());   // Cem's own trace, as always
            } else {
                setup = ConventionSetup.of(chosen != null ? chosen : Conventions.resolve(Conventions.DEFAULT), assembly, routine,
                        input.sources(), maker);
            }
            trace = Tracer.run(setup, new Tracer.Limits(budget, -1, Duration.ofSeconds(60)));
        }

        String text = render(trace, out == null && wantsColour(), range);
        if (out != null) {
            try {
                if (out.getParent() != null) Files.createDirectories(out.getParent());
                Files.writeString(out, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("ctxlab: cannot write " + out + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getMessage().equals(out.toString()) ? e.getClass().getSimpleName() : e.getMessage()));
                return Main.BAD_INPUT;
            }
            spec.commandLine().getOut().printf("wrote %s: %d steps, %s%n", Common.display(out), trace.steps().size(),
                    trace.end().message());
        } else {
            PrintWriter o = spec.commandLine().getOut();
            boolean coloured = wantsColour();
            Output.colour = coloured;   // the trace's own colour sequences pass; any other control character is escaped
            try {
                o.print(text);
                o.flush();
            } finally {
                Output.colour = false;
            }
        }
        if (trace.end().expected()) {
            err.println("ctxlab: trace ended as expected: " + trace.end().message());
        } else if (!trace.end().reason().ok()) {
            err.println("ctxlab: trace " + (trace.end().reason() == Trace.Reason.BUDGET ? "stopped" : "failed")
                    + ": " + trace.end().message());
            return Main.FAILED;
        }
        if (!trace.arrivedRight()) {
            for (Trace.Arrival a : trace.arrivals()) {
                for (Trace.Check c : a.checks()) {
                    if (!c.ok()) err.println("ctxlab: trace: switch " + a.number() + " arrived wrong: ✗ " + c.text());
                }
            }
            return Main.FAILED;
        }
        return Main.OK;
    }

    /** Random states per convention when --convention auto picks one (the trace itself is one run). */
    static final int AUTO_ITERATIONS = 200;

    private String render(Trace trace, boolean colour, int[] range) {
        return switch (format) {
            case "json" -> Common.json(JsonFormat.tree(trace)) + "\n";
            case "html" -> HtmlFormat.page(trace);
            default -> {
                StringWriter sw = new StringWriter();
                TextFormat.write(trace, new PrintWriter(sw), new TextFormat.Options(colour, compact, range[0], range[1]));
                yield sw.toString();
            }
        };
    }

    /** Colour on a terminal only, and never when NO_COLOR is set (no-color.org). */
    private boolean wantsColour() {
        if (!format.equals("text") || color.equals("never")) return false;
        if (color.equals("always")) return true;
        String noColor = System.getenv("NO_COLOR");
        if (noColor != null && !noColor.isEmpty()) return false;
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    private static int usage(PrintWriter err, String message) {
        err.println("ctxlab: trace: " + message);
        return Main.BAD_INPUT;
    }
}
