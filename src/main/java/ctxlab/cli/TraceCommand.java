package ctxlab.cli;

import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
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
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Trace a context switch instruction by instruction: what each instruction saved or loaded, "
                + "where rsp went, what ret popped.",
                "Default: one cem_swapcontext call from main into a fresh strand made by makeContext, with memorable "
                + "register values (main 0x1111…–0x6666…, strand 0xaaaa…–0xffff…)."},
        footer = {"", "Exit codes: 0 traced to the end, 1 the routine faulted or ran past --max-steps,",
                "2 bad input or a missing prerequisite."})
final class TraceCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "GNU-as source of the routine (default: asm/context_x86_64.s)")
    Path file;

    @Option(names = "--symbol", paramLabel = "NAME", description = "routine to call (default: cem_swapcontext)")
    String symbol;

    @Option(names = "--scenario", paramLabel = "NAME",
            description = "trace a selftest scenario instead, every instruction of every strand (names: ${COMPLETION-CANDIDATES})",
            completionCandidates = ScenarioNames.class)
    String scenario;

    @Option(names = "--vector", paramLabel = "FILE", description = "trace a test vector (testvectors/…/*.json): its memory, registers and stop address; "
            + "its call.budget applies when lower than --max-steps")
    Path vector;

    @Option(names = "--format", paramLabel = "FORMAT", description = "text, json or html (default: text)")
    String format = "text";

    @Option(names = "--out", paramLabel = "FILE", description = "write the trace to FILE instead of standard output")
    Path out;

    @Option(names = "--max-steps", paramLabel = "N", description = "instruction budget (default: ${DEFAULT-VALUE}); a routine still running after N steps is a runaway")
    long maxSteps = Tracer.DEFAULT_MAX_STEPS;

    @Option(names = "--switches", paramLabel = "N", description = "with --scenario: stop before switch N+1 (default: ${DEFAULT-VALUE}; 0 = no limit)")
    long switches = ScenarioTracer.DEFAULT_SWITCHES;

    @Option(names = "--color", paramLabel = "WHEN", description = "auto, always or never (default: auto: only on a terminal, and not if NO_COLOR is set)")
    String color = "auto";

    @Option(names = "--debug", description = "show stack traces of internal errors", hidden = true)
    boolean debug;

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
        if (maxSteps < 1) return usage(err, "--max-steps must be at least 1");
        if (switches < 0) return usage(err, "--switches must be 0 (no limit) or more");
        if (vector != null) {
            if (scenario != null || file != null || symbol != null) {
                return usage(err, "--vector cannot be combined with --scenario, FILE or --symbol");
            }
        }
        if (vector == null && arch.arm64(file)) {
            if (scenario != null) return usage(err, "--scenario is not available for arm64 yet (trace the switch itself)");
            if (format.equals("html")) return usage(err, "--format html is not available for arm64 yet (text or json)");
            return Arm64Commands.trace(spec.commandLine().getOut(), err, file != null ? file
                    : ArchOption.defaultFile(ArchOption.Arch.ARM64), symbol, format, out, maxSteps);
        }
        Path source = file != null ? file : Common.defaultSwitchFile();
        Trace trace;
        if (vector != null) {
            trace = VectorTracer.trace(Common.root(), vector, maxSteps, Duration.ofSeconds(60));
        } else if (scenario != null) {
            if (symbol != null) return usage(err, "--symbol cannot be combined with --scenario (scenarios call cem_swapcontext)");
            if (ScenarioTracer.find(scenario).isEmpty()) {
                return usage(err, "no scenario '" + scenario + "' (scenarios: " + String.join(", ", ScenarioTracer.names()) + ")");
            }
            trace = ScenarioTracer.trace(Common.root(), source, Common::display, scenario,
                    new Tracer.Limits(maxSteps, switches == 0 ? -1 : switches, Duration.ofSeconds(60)));
        } else {
            String routine = symbol != null ? symbol : Selftest.SWITCH;
            SourceFile read = SourceFile.read(source);
            SourceFile named = new SourceFile(Common.display(source), read.text());
            Assembly assembly = Assembler.assemble(named, Selftest.CODE_BASE);
            assembly.symbol(routine);
            TraceSetup setup = TraceSetup.defaultSwitch(assembly, routine, Map.of(named.name(), named.text()));
            trace = Tracer.run(setup, new Tracer.Limits(maxSteps, -1, Duration.ofSeconds(60)));
        }

        String text = render(trace, out == null && wantsColour());
        if (out != null) {
            try {
                if (out.getParent() != null) Files.createDirectories(out.getParent());
                Files.writeString(out, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("ctxlab: cannot write " + out + ": " + e.getMessage());
                return Main.BAD_INPUT;
            }
            spec.commandLine().getOut().printf("wrote %s: %d steps, %s%n", Common.display(out), trace.steps().size(),
                    trace.end().message());
        } else {
            PrintWriter o = spec.commandLine().getOut();
            o.print(text);
            o.flush();
        }
        if (!trace.end().reason().ok()) {
            err.println("ctxlab: trace " + (trace.end().reason() == Trace.Reason.BUDGET ? "stopped" : "failed")
                    + ": " + trace.end().message());
            return Main.FAILED;
        }
        return Main.OK;
    }

    private String render(Trace trace, boolean colour) {
        return switch (format) {
            case "json" -> Common.json(JsonFormat.tree(trace)) + "\n";
            case "html" -> HtmlFormat.page(trace);
            default -> {
                StringWriter sw = new StringWriter();
                TextFormat.write(trace, new PrintWriter(sw), colour);
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
