package ctxlab.cli;

import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
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
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "GNU-as source (default: asm/context_x86_64.s)")
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

    @Option(names = "--bench", description = "after verifying, measure checks per second: a warm-up, then 5 timed rounds")
    boolean bench;

    @Option(names = "--debug", description = "show stack traces of internal errors", hidden = true)
    boolean debug;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static final String CHECK = "one random machine state run through two switches (A -> B, then B -> A)"
            + " and held against all 7 properties";

    @Override
    public Integer call() {
        if (iterations <= 0) {
            throw new ParameterException(spec.commandLine(), "--iterations must be at least 1, got " + iterations);
        }
        Path path = file != null ? file : Common.defaultSwitchFile();
        SourceFile source = SourceFile.read(path);
        String name = Common.display(path);
        source = new SourceFile(name, source.text());
        long s = seed != null ? seed : System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        Assembly assembly = Assembler.assemble(source, Verifier.CODE_BASE);
        assembly.symbol(symbol);   // "no symbol 'x' (global symbols: ...)" before any emulation
        try (Verifier verifier = new Verifier(assembly, name, symbol)) {
            Report report = verifier.run(iterations, s);
            List<double[]> rounds = bench ? bench(verifier, s) : List.of();
            if (json) {
                out.println(Common.json(json(report, rounds)));
            } else {
                text(out, report, rounds);
            }
            return report.passed(strict) ? Main.OK : Main.FAILED;
        }
    }

    /** Warm-up, then five rounds; each round's {checks/s, property evaluations/s, switches/s}. */
    private List<double[]> bench(Verifier verifier, long s) {
        int n = Math.max(iterations, 20_000);
        long until = System.nanoTime() + 1_500_000_000L;
        long round = 1;
        while (System.nanoTime() < until) verifier.run(n / 4, s + round++);
        List<double[]> rounds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Report r = verifier.run(n, s + round++);
            double secs = r.nanos() / 1e9;
            rounds.add(new double[] {r.checksPerSecond(), r.totalEvaluations() / secs, r.switches() / secs});
        }
        return rounds;
    }

    private static double median(List<double[]> rounds, int column) {
        double[] v = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v[v.length / 2];
    }

    private Map<String, Object> json(Report r, List<double[]> rounds) {
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
        j.put("checkDefinition", CHECK);
        Map<String, Long> ev = new LinkedHashMap<>();
        for (Property p : Property.values()) ev.put(p.id(), r.evaluations().getOrDefault(p, 0L));
        j.put("propertyEvaluations", ev);
        j.put("switches", r.switches());
        j.put("elapsedMs", r.nanos() / 1e6);
        if (!rounds.isEmpty()) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("checksPerSecond", rounds.stream().map(x -> Math.round(x[0])).toList());
            b.put("medianChecksPerSecond", Math.round(median(rounds, 0)));
            b.put("medianPropertyEvaluationsPerSecond", Math.round(median(rounds, 1)));
            b.put("medianSwitchesPerSecond", Math.round(median(rounds, 2)));
            j.put("bench", b);
        }
        return j;
    }

    private void text(PrintWriter out, Report r, List<double[]> rounds) {
        out.printf("verify %s in %s: seed %d, %d random states%n%n", r.symbol(), r.file(), r.seed(), r.iterations());
        for (Property p : Property.values()) {
            Violation v = r.violation(p);
            long n = r.evaluations().getOrDefault(p, 0L);
            String result = v != null ? "FAIL" : n == 0 ? "not evaluated" : "ok";
            out.printf("  %-12s %-5s %7d evaluated   %s%n", p.id(), result, n, p.summary());
        }
        for (Violation v : r.violations()) {
            out.printf("%n%s violated: %s%n", v.property().id(), v.detail());
            out.print(indent(v.counterexample()));
        }
        out.printf("%nfindings:%n");
        for (Finding f : r.findings()) {
            out.printf("  %-17s %s%n", f.id() + (f.warning() ? "" : " (info)"), f.detail());
        }
        out.printf("%n%d checks in %.1f ms: %,.0f checks/s (a check = %s; %d property evaluations, %d emulated"
                        + " switches)%n", r.iterations(), r.nanos() / 1e6, r.checksPerSecond(), CHECK, r.totalEvaluations(),
                r.switches());
        if (!rounds.isEmpty()) {
            out.printf("bench (warm, %d states per round): %s checks/s; median %,.0f checks/s = %,.0f property"
                            + " evaluations/s = %,.0f switches/s%n", Math.max(iterations, 20_000),
                    String.join(", ", rounds.stream().map(x -> String.format("%,.0f", x[0])).toList()),
                    median(rounds, 0), median(rounds, 1), median(rounds, 2));
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
