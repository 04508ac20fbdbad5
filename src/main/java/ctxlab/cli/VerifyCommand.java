package ctxlab.cli;

import ctxlab.asm.Assembly;
import ctxlab.verify.Bench;
import ctxlab.verify.Finding;
import ctxlab.verify.Property;
import ctxlab.verify.Report;
import ctxlab.verify.Verifier;
import ctxlab.verify.Violation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a context-switch routine against the System V ABI, from random states.",
                "",
                "Emulates call NAME(save, restore) in Unicorn from random machine states, with the Cem"
                        + " 64-byte context layout, and checks seven properties: restore, save, roundtrip, memory,"
                        + " flags, termination, makecontext. A check is one random machine state run through two"
                        + " switches (A -> B, then B -> A) and held against all seven properties.",
                ""},
        footer = {"", "Exit codes: 0 all properties hold; 1 a property is violated (with --strict: also a"
                + " warning finding); 2 bad input (cannot assemble, no such symbol, unreadable file, bad option)."})
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "GNU-as source or ELF file (.o, .so, executable) (default: asm/context_x86_64.s)")
    Path file;

    @Option(names = "--symbol", paramLabel = "NAME", description = "the routine: NAME(save=%%rdi, restore=%%rsi) (default: ${DEFAULT-VALUE})")
    String symbol = Verifier.DEFAULT_SYMBOL;

    @Option(names = "--iterations", paramLabel = "N", description = "random machine states to check (default: ${DEFAULT-VALUE})")
    int iterations = Verifier.DEFAULT_ITERATIONS;

    @Option(names = "--seed", paramLabel = "S", converter = Converters.Address.class,
            description = "seed of the random states, decimal or 0x-hex (default: from the clock; always printed)")
    Long seed;

    @Option(names = "--strict", description = "also fail (exit 1) on warning findings (x87 control word, CET shadow stack)")
    boolean strict;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Option(names = "--threads", paramLabel = "N", description = "split the checks over N threads, one Unicorn engine"
            + " each (default: all cores, ${DEFAULT-VALUE} here); the report is the same whatever N")
    int threads = Runtime.getRuntime().availableProcessors();

    static final int MAX_THREADS = 256;

    /** The threads the run used (never more than the checks). */
    private int threadsUsed = 1;

    @Option(names = "--bench", description = "after verifying, measure checks per second (warm-up, then timed rounds)"
            + " in this JVM and in a forked JVM with the default JIT, side by side")
    boolean bench;

    /** The forked side of --bench: timed rounds only, printed as JSON. */
    @Option(names = "--bench-worker", hidden = true)
    boolean benchWorker;

    @Option(names = "--debug", description = "show stack traces of internal errors", hidden = true)
    boolean debug;

    @picocli.CommandLine.Mixin
    AsmOptions asmOptions = new AsmOptions();

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static final String CHECK = "one random machine state run through two switches (A -> B, then B -> A)"
            + " and held against all 7 properties";

    @Override
    public Integer call() {
        if (iterations <= 0) {
            throw new ParameterException(spec.commandLine(), "--iterations must be at least 1, got " + iterations);
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new ParameterException(spec.commandLine(), "--threads must be between 1 and " + MAX_THREADS + ", got " + threads);
        }
        ArchOption.Arch a = arch.resolve(file);
        Path path = file != null ? file : a == ArchOption.Arch.ARM64 ? ArchOption.defaultFile(a) : Common.defaultSwitchFile();
        long s = seed != null ? seed : System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        if (a == ArchOption.Arch.ARM64) {
            if (bench || benchWorker) throw new ParameterException(spec.commandLine(), "--bench is not available for arm64 yet");
            if (threads != 1 && spec.commandLine().getParseResult().hasMatchedOption("--threads")) {
                throw new ParameterException(spec.commandLine(), "--threads is not available for arm64 yet (it runs on one thread)");
            }
            return Arm64Commands.verify(out, Arm64Commands.source(path, asmOptions), symbol, iterations, s, strict, json);
        }
        // Unicorn is already loading on the other core (Main.main) while Keystone assembles.
        // A GNU-as source, or an ELF file (.o, .so, executable) whose --symbol is taken.
        Input input = Input.load(path, Verifier.CODE_BASE, symbol, spec.commandLine().getParseResult().hasMatchedOption("--symbol"), asmOptions.options());
        String name = input.name();
        Assembly assembly = input.assembly();
        symbol = input.symbol();
        assembly.symbol(symbol);   // "no symbol 'x' (global symbols: ...)" before any emulation
        try (Verifier verifier = new Verifier(assembly, name, symbol)) {
            if (benchWorker) {
                out.println(Common.json(Map.of("rounds", roundsJson(Bench.run(verifier, s, FORKED_ROUND, 5, 5000)))));
                return Main.OK;
            }
            threadsUsed = Math.min(threads, iterations);
            Report report = verifier.run(iterations, s, threadsUsed);
            Map<String, Object> benchResult = bench ? bench(verifier, path, s) : null;
            if (json) {
                Map<String, Object> j = json(report);
                if (benchResult != null) j.put("bench", benchResult);
                out.println(Common.json(j));
            } else {
                text(out, report, benchResult);
            }
            return report.passed(strict) ? Main.OK : Main.FAILED;
        }
    }

    static final int IN_PROCESS_ROUND = 10_000, FORKED_ROUND = 20_000;

    /**
     * Checks per second, side by side: in this JVM (the launcher's, tuned for startup: C1 only),
     * and in a forked JVM with the default tiered JIT, as JMH forks one.
     */
    private Map<String, Object> bench(Verifier verifier, Path path, long s) {
        Map<String, Object> b = new LinkedHashMap<>();
        List<Bench.Round> here = Bench.run(verifier, s, IN_PROCESS_ROUND, 3, 1000);
        Map<String, Object> inProcess = new LinkedHashMap<>();
        inProcess.put("jvm", jvmDescription());
        inProcess.put("statesPerRound", IN_PROCESS_ROUND);
        inProcess.put("rounds", roundsJson(here));
        inProcess.put("medianChecksPerSecond", Math.round(Bench.median(here).checksPerSecond()));
        b.put("inProcess", inProcess);
        Map<String, Object> forked = new LinkedHashMap<>();
        forked.put("jvm", "forked JVM (-XX:+UseSerialGC, default tiered JIT)");
        forked.put("statesPerRound", FORKED_ROUND);
        try {
            List<Bench.Round> there = fork(path, s);
            forked.put("rounds", roundsJson(there));
            Bench.Round m = Bench.median(there);
            forked.put("medianChecksPerSecond", Math.round(m.checksPerSecond()));
            forked.put("medianPropertyEvaluationsPerSecond", Math.round(m.evaluationsPerSecond()));
            forked.put("medianSwitchesPerSecond", Math.round(m.switchesPerSecond()));
        } catch (java.io.IOException | InterruptedException | RuntimeException e) {
            forked.put("error", "could not run the forked JVM: " + e.getMessage());
        }
        b.put("forked", forked);
        return b;
    }

    private static String jvmDescription() {
        List<String> flags = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:")).toList();
        return "this JVM" + (flags.isEmpty() ? "" : " (" + String.join(" ", flags) + ")");
    }

    private List<Bench.Round> fork(Path path, long s) throws java.io.IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "-Dctxlab.root=" + Common.root().toAbsolutePath(), Main.class.getName(), "verify",
                path.toAbsolutePath().toString(), "--symbol", symbol, "--seed", Long.toString(s), "--bench-worker"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes()).strip();
        if (p.waitFor() != 0) throw new IllegalStateException("exit " + p.exitValue() + (stderr.isEmpty() ? "" : ": " + stderr));
        com.fasterxml.jackson.databind.JsonNode rounds = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stdout).get("rounds");
        List<Bench.Round> out = new ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode r : rounds) {
            out.add(new Bench.Round(r.get("checksPerSecond").asDouble(), r.get("propertyEvaluationsPerSecond").asDouble(),
                    r.get("switchesPerSecond").asDouble()));
        }
        return out;
    }

    private static List<Map<String, Long>> roundsJson(List<Bench.Round> rounds) {
        return rounds.stream().map(r -> {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("checksPerSecond", Math.round(r.checksPerSecond()));
            m.put("propertyEvaluationsPerSecond", Math.round(r.evaluationsPerSecond()));
            m.put("switchesPerSecond", Math.round(r.switchesPerSecond()));
            return m;
        }).toList();
    }

    private Map<String, Object> json(Report r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("verdict", r.verdict(strict));
        j.put("symbol", r.symbol());
        j.put("file", r.file());
        j.put("iterations", r.iterations());
        j.put("seed", r.seed());
        j.put("strict", strict);
        j.put("violations", r.violations().stream().map(v -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("property", v.property().id());
            m.put("detail", v.detail());
            m.put("line", v.line());
            m.put("iteration", v.iteration());
            m.put("counterexample", v.counterexample());
            return m;
        }).toList());
        j.put("findings", r.findings().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", f.id());
            m.put("severity", f.severity().name().toLowerCase(java.util.Locale.ROOT));
            m.put("detail", f.detail());
            return m;
        }).toList());
        j.put("codeSize", r.codeSize());
        j.put("instructionCount", r.instructionCount());
        Map<String, Long> executed = new LinkedHashMap<>();
        executed.put("min", r.minExecuted());
        executed.put("max", r.maxExecuted());
        j.put("executedPerSwitch", executed);
        j.put("checksPerSecond", Math.round(r.checksPerSecond()));
        j.put("threads", threadsUsed);
        j.put("checkDefinition", CHECK);
        Map<String, Long> ev = new LinkedHashMap<>();
        for (Property p : Property.values()) ev.put(p.id(), r.evaluations().getOrDefault(p, 0L));
        j.put("propertyEvaluations", ev);
        j.put("switches", r.switches());
        j.put("elapsedMs", r.nanos() / 1e6);
        return j;
    }

    @SuppressWarnings("unchecked")
    private void text(PrintWriter out, Report r, Map<String, Object> bench) {
        out.printf("verify %s in %s: seed %d, %d random states%n%n", r.symbol(), r.file(), r.seed(), r.iterations());
        for (Property p : Property.values()) {
            Violation v = r.violation(p);
            long n = r.evaluations().getOrDefault(p, 0L);
            String result = v != null ? "FAIL" : n == 0 ? "-" : "ok";
            out.printf("  %-12s %-4s %6d evaluated   %s%n", p.id(), result, n, p.summary());
        }
        for (Violation v : r.violations()) {
            out.printf("%n%s violated: %s%n", v.property().id(), v.detail());
            out.print(indent(v.counterexample()));
        }
        out.printf("%nfindings:%n");
        for (Finding f : r.findings()) {
            out.printf("  %-17s %s%n", f.id() + (f.warning() ? "" : " (info)"), f.detail());
        }
        out.printf("%n%d checks in %.1f ms on %d thread%s: %,.0f checks/s (a check = %s; %d property evaluations, %d emulated"
                        + " switches)%n", r.iterations(), r.nanos() / 1e6, threadsUsed, threadsUsed == 1 ? "" : "s",
                r.checksPerSecond(), CHECK, r.totalEvaluations(), r.switches());
        if (bench != null) {
            out.printf("%nbench, checks/s (warm; a check as above):%n");
            for (String side : List.of("inProcess", "forked")) {
                Map<String, Object> b = (Map<String, Object>) bench.get(side);
                if (b.containsKey("error")) {
                    out.printf("  %-52s %s%n", b.get("jvm"), b.get("error"));
                    continue;
                }
                List<Map<String, Long>> rounds = (List<Map<String, Long>>) b.get("rounds");
                out.printf("  %-52s median %,7d  (rounds of %,d: %s)%n", b.get("jvm"), (Long) b.get("medianChecksPerSecond"),
                        (Integer) b.get("statesPerRound"), String.join(", ", rounds.stream()
                                .map(x -> String.format("%,d", x.get("checksPerSecond"))).toList()));
            }
            Map<String, Object> f = (Map<String, Object>) bench.get("forked");
            if (f.containsKey("medianSwitchesPerSecond")) {
                out.printf("  forked median = %,d property evaluations/s = %,d emulated switches/s%n",
                        (Long) f.get("medianPropertyEvaluationsPerSecond"), (Long) f.get("medianSwitchesPerSecond"));
            }
        }
        boolean passed = r.passed(strict);
        out.printf("verdict: %s%s%n", passed ? "PASS" : "FAIL",
                !r.violations().isEmpty() ? " (" + String.join(", ", r.violations().stream().map(v -> v.property().id()).toList())
                        + ")" + "; reproduce with --seed " + r.seed()
                        : passed ? "" : " (--strict: warnings " + String.join(", ", r.findings().stream()
                        .filter(Finding::warning).map(Finding::id).toList()) + ")");
    }

    private static String indent(String text) {
        StringBuilder sb = new StringBuilder();
        Arrays.stream(text.split("\n")).forEach(l -> sb.append("  ").append(l).append('\n'));
        return sb.toString();
    }
}
