package ctxlab.cli;

import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.Assembly;
import ctxlab.verify.AutoDetect;
import ctxlab.verify.Bench;
import ctxlab.verify.Checker;
import ctxlab.verify.ConventionVerifier;
import ctxlab.verify.Finding;
import ctxlab.verify.Property;
import ctxlab.verify.Report;
import ctxlab.verify.Verifier;
import ctxlab.verify.Violation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Check a context-switch routine against its calling convention (System V AMD64 or AAPCS64), from random states.",
                "",
                "Emulates the routine in Unicorn from random machine states under its runtime's convention"
                        + " (Cem's cem_swapcontext(save, restore) by default; Boost.Context, libaco, minicoro, libco"
                        + " or your own with --convention) and checks seven properties: restore, save, roundtrip, memory,"
                        + " flags, termination, makecontext (arm64: nine, adding dregs, resume and alignment, without flags)."
                        + " A check is one random machine state run through two switches (A -> B, then B -> A) and"
                        + " held against all of them.",
                "",
                "Which convention: --convention NAME or PATH; else a '# convention: NAME' line in the file; else the"
                        + " one whose routine the symbol names (cem_swapcontext, jump_fcontext, acosw, _mco_switch,"
                        + " coctx_swap); else auto: every known convention of the file's architecture is tried and"
                        + " the one the routine satisfies is named.",
                ""},
        footer = {"", "Exit codes: 0 all properties hold; 1 a property is violated (with --strict: also a"
                + " warning finding); 2 bad input (cannot assemble, no such symbol, unreadable file, bad option,"
                + " bad convention file), or under auto: no known convention fits the routine."})
final class VerifyCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "GNU-as source or ELF file (.o, .so, executable) (default: asm/context_x86_64.s)")
    Path file;

    @Option(names = "--symbol", paramLabel = "NAME", description = "the routine (default: the convention's routine the file"
            + " defines, e.g. ${DEFAULT-VALUE}; else the file's only global symbol)")
    String symbol = Verifier.DEFAULT_SYMBOL;

    @Option(names = "--convention", paramLabel = "NAME|PATH|auto", description = "the routine's contract: a known convention ("
            + "cem, boost-fcontext, libaco, minicoro, libco; arm64: cem-arm64, boost-fcontext-arm64), a convention .json file"
            + " (format: README), or auto: try every known one of the file's architecture (default: named by the symbol or the"
            + " file, else auto)")
    String convention;

    @Option(names = "--maker", paramLabel = "FILE:SYMBOL", description = "make fresh contexts with this routine (a .s/.S source"
            + " or an ELF object, e.g. runtime/context.o:cem_makecontext) instead of the convention's own maker or layout")
    String makerSpec;

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
            + " each; the report is the same whatever N (default: all cores for 10000 checks or more, one below:"
            + " starting a second engine costs more than it saves)")
    Integer threads;

    /** Below this many checks the default is one thread: a second engine's start-up outweighs the split. */
    static final int THREADED_FROM = 10_000;

    static final int MAX_THREADS = 256;

    /** The threads the run used (never more than the checks). */
    private int threadsUsed = 1;

    @Option(names = "--measure", description = "on an x86-64 Linux host, measure this routine natively beside the same"
            + " routine ending in pop+jmp (a few seconds, in a child JVM) and put the figures in the return-stack finding")
    boolean measure;

    @Option(names = "--bench", description = "after verifying, measure checks per second (warm-up, then timed rounds)"
            + " in this JVM and in a forked JVM with the default JIT, side by side")
    boolean bench;

    /** The forked side of --bench: timed rounds only, printed as JSON. */
    @Option(names = "--bench-worker", hidden = true)
    boolean benchWorker;

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

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
        if (threads != null && (threads < 1 || threads > MAX_THREADS)) {
            throw new ParameterException(spec.commandLine(), "--threads must be between 1 and " + MAX_THREADS + ", got " + threads);
        }
        ArchOption.Arch a = arch.resolve(file);
        Path path = file != null ? file : a == ArchOption.Arch.ARM64 ? ArchOption.defaultFile(a) : Common.defaultSwitchFile();
        long s = seed != null ? seed : System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        if (a == ArchOption.Arch.ARM64) {
            if (bench || benchWorker) throw new ParameterException(spec.commandLine(), "--bench is not available for arm64 yet");
            if (measure) throw new ParameterException(spec.commandLine(), "--measure runs x86-64 code natively: not for arm64");
            return Arm64Commands.verify(out, spec.commandLine().getErr(), new Arm64Commands.VerifyRequest(path, asmOptions, symbol,
                    spec.commandLine().getParseResult().hasMatchedOption("--symbol"), convention, makerSpec, iterations, s, threads,
                    strict, json));
        }
        boolean symbolGiven = spec.commandLine().getParseResult().hasMatchedOption("--symbol");
        boolean auto = "auto".equals(convention);
        Convention explicit = convention != null && !auto ? Conventions.resolve(convention) : null;
        if (explicit != null && explicit.arch() != ctxlab.abi.Arch.X86_64) {
            throw new IllegalArgumentException(Common.display(path) + " is an x86-64 routine, but --convention " + convention
                    + " is an " + explicit.arch().id() + " convention (x86-64 conventions: " + String.join(", ", Conventions.names())
                    + "; for an arm64 file give --arch arm64 or a 'ctxlab-arch: arm64' comment)");
        }
        java.util.function.Supplier<List<String>> preferred = explicit != null ? explicit::symbols
                : () -> Conventions.shipped().stream().flatMap(c -> c.symbols().stream()).toList();
        String first = explicit == null && !auto ? Verifier.DEFAULT_SYMBOL : null;
        // Unicorn is already loading on the other core (Main.main) while Keystone assembles.
        // A GNU-as source, or an ELF file (.o, .so, executable) whose --symbol is taken.
        Input input = Input.loadPreferring(path, Verifier.CODE_BASE, symbolGiven ? symbol : null, first, preferred,
                asmOptions.options());
        String name = input.name();
        Assembly assembly = input.assembly();
        symbol = input.symbol();
        assembly.symbol(symbol);   // "no symbol 'x' (global symbols: ...)" before any emulation
        ConventionVerifier.MakerCode maker = makerSpec != null ? ConventionChoice.maker(makerSpec, asmOptions.options()) : null;
        Convention chosen = explicit;
        String how = explicit != null ? "--convention" : null;
        if (chosen == null && !auto) {
            chosen = ConventionChoice.named(input).orElse(null);
            how = chosen != null ? "named in the file" : null;
            if (chosen == null) {
                chosen = Conventions.bySymbol(symbol).orElse(null);
                how = chosen != null ? "symbol " + symbol : null;
            }
        }
        AutoDetect.Result tried = null;
        if (chosen == null) {
            tried = AutoDetect.run(Conventions.shipped(), assembly, name, symbol, maker, iterations, s);
            List<AutoDetect.Tried> fit = tried.fitting();
            if (fit.size() != 1) return noFit(out, name, tried, fit);
            chosen = fit.get(0).convention();
            how = "auto";
        }
        // Cem's own verifier (with its findings) for the shipped cem, not for a user's file that calls itself cem.
        boolean cem = maker == null && (explicit == null ? chosen.name() : convention).equals(Conventions.DEFAULT);
        try (Checker verifier = cem ? new Verifier(assembly, name, symbol) : new ConventionVerifier(chosen, assembly, name, symbol, maker)) {
            if (benchWorker) {
                out.println(Common.json(new Rounds(roundsJson(Bench.run(verifier, s, FORKED_ROUND, 5, 5000)))));
                return Main.OK;
            }
            threadsUsed = Math.min(threads != null ? threads
                    : iterations >= THREADED_FROM ? Runtime.getRuntime().availableProcessors() : 1, iterations);
            Report report = verifier.run(iterations, s, threadsUsed);
            if (cem) report = returnStack(report, assembly, path);
            VerifyJson.BenchJson benchResult = bench ? bench(verifier, path, s) : null;
            if (json) {
                VerifyJson j = VerifyJson.of(report, strict, CHECK, threadsUsed).withConvention(chosen.name(), how,
                        chosen.source().startsWith("conventions/") ? null : chosen.source(),
                        maker != null ? maker.symbol() + " (" + maker.file() + ")" : null,
                        tried != null ? VerifyJson.Tried.of(tried) : null);
                out.println(Common.json(benchResult != null ? j.withBench(benchResult) : j));
            } else {
                text(out, report, benchResult, chosen, how, verifier instanceof ConventionVerifier cv ? cv.freshSource() : null, tried);
            }
            return report.passed(strict) ? Main.OK : Main.FAILED;
        }
    }

    /**
     * A ret that pops its address from another stack than the one the routine was called on: the
     * CPU's return-stack buffer predicts the caller's return address and is wrong on every switch.
     * With --measure on an x86-64 Linux host, the finding carries both routines' measured ns.
     */
    private Report returnStack(Report r, Assembly assembly, Path path) {
        boolean switchesStacks = r.findings().stream().anyMatch(f -> f.id().equals(Finding.CET));
        List<Assembly.Line> code = assembly.linesOf(symbol).stream().filter(Assembly.Line::instruction).toList();
        if (!switchesStacks || code.isEmpty() || !code.getLast().text().strip().toLowerCase(java.util.Locale.ROOT).matches("retq?")) {
            return r;
        }
        String at = code.getLast().where() + ": " + code.getLast().text().strip();
        String what = "ret (" + at + ") pops the resumed strand's address from another stack than the call pushed it on:"
                + " the return-stack buffer predicts the caller's return address, so every switch mispredicts; ending in"
                + " pop+jmp (or lea+jmp, asm/context_x86_64_fast.s) avoids it";
        if (!measure) {
            return r.withFinding(new Finding(Finding.RETURN_STACK, Finding.Severity.INFO, what
                    + " (measure it with --measure on an x86-64 Linux host)"));
        }
        String figures;
        try {
            var m = ctxlab.host.SwitchCost.measure(Common.root(), path, 5, 2_000_000);
            figures = String.format(" — measured here, medians of %d interleaved rounds: %.2f ns per switch as written, %.2f ns"
                    + " with pop+jmp (%.2fx)", m.rounds(), m.routineNs(), m.popJmpNs(), m.ratio());
        } catch (RuntimeException e) {
            figures = " (not measured: " + e.getMessage() + ")";
        }
        return r.withFinding(new Finding(Finding.RETURN_STACK, Finding.Severity.INFO, what + figures));
    }

    /** Auto found none (or several): exit 2, naming the closest. */
    private int noFit(PrintWriter out, String name, AutoDetect.Result tried, List<AutoDetect.Tried> fit) {
        String message;
        if (fit.isEmpty()) {
            AutoDetect.Tried c = tried.closest();
            message = "no known convention fits " + symbol + "; closest: " + c.convention().name() + " (violates: "
                    + String.join(", ", c.report().violations().stream().map(v -> v.property().id()).toList())
                    + "); describe yours with --convention FILE";
        } else {
            message = symbol + " fits several conventions (" + String.join(", ", fit.stream().map(t -> t.convention().name()).toList())
                    + "): choose one with --convention";
        }
        if (json) {
            out.println(Common.json(new VerifyJson.NoFit(fit.isEmpty() ? "no-convention" : "ambiguous", symbol, name,
                    tried.tried().get(0).report().seed(), message, VerifyJson.Tried.of(tried))));
        }
        spec.commandLine().getErr().println("ctxlab: " + message);
        return Main.BAD_INPUT;
    }


    static final int IN_PROCESS_ROUND = 10_000, FORKED_ROUND = 20_000;

    /**
     * Checks per second, side by side: in this JVM (the launcher's, tuned for startup: C1 only),
     * and in a forked JVM with the default tiered JIT, as JMH forks one.
     */
    private VerifyJson.BenchJson bench(Checker verifier, Path path, long s) {
        List<Bench.Round> here = Bench.run(verifier, s, IN_PROCESS_ROUND, 3, 1000);
        var inProcess = new VerifyJson.BenchSide(jvmDescription(), IN_PROCESS_ROUND, roundsJson(here),
                Math.round(Bench.median(here).checksPerSecond()), null, null, null);
        String forkedJvm = "forked JVM (-XX:+UseSerialGC -Xmn16m, default tiered JIT)";
        VerifyJson.BenchSide forked;
        try {
            List<Bench.Round> there = fork(path, s);
            Bench.Round m = Bench.median(there);
            forked = new VerifyJson.BenchSide(forkedJvm, FORKED_ROUND, roundsJson(there), Math.round(m.checksPerSecond()),
                    Math.round(m.evaluationsPerSecond()), Math.round(m.switchesPerSecond()), null);
        } catch (java.io.IOException | InterruptedException | RuntimeException e) {
            forked = new VerifyJson.BenchSide(forkedJvm, FORKED_ROUND, null, null, null, null,
                    "could not run the forked JVM: " + e.getMessage());
        }
        return new VerifyJson.BenchJson(inProcess, forked);
    }

    /** What the forked side of --bench prints. */
    record Rounds(List<VerifyJson.Round> rounds) {}

    private static String jvmDescription() {
        List<String> flags = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-XX:") || a.startsWith("-Xmn")).toList();
        return "this JVM" + (flags.isEmpty() ? "" : " (" + String.join(" ", flags) + ")");
    }

    private List<Bench.Round> fork(Path path, long s) throws java.io.IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmn16m", "-cp", System.getProperty("java.class.path"),
                "-Dctxlab.root=" + Common.root().toAbsolutePath(), Main.class.getName(), "verify",
                path.toAbsolutePath().toString(), "--symbol", symbol, "--seed", Long.toString(s), "--bench-worker"));
        if (convention != null) cmd.addAll(List.of("--convention", convention.contains("/") || convention.endsWith(".json")
                ? Path.of(convention).toAbsolutePath().toString() : convention));
        if (makerSpec != null) cmd.addAll(List.of("--maker", makerSpec));
        cmd.addAll(asmOptions.forwarded());
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

    private static List<VerifyJson.Round> roundsJson(List<Bench.Round> rounds) {
        return rounds.stream().map(r -> new VerifyJson.Round(Math.round(r.checksPerSecond()),
                Math.round(r.evaluationsPerSecond()), Math.round(r.switchesPerSecond()))).toList();
    }

    private void text(PrintWriter out, Report r, VerifyJson.BenchJson bench, Convention c, String how, String fresh,
                      AutoDetect.Result tried) {
        out.printf("verify %s in %s: seed %d, %d random states%n", r.symbol(), r.file(), r.seed(), r.iterations());
        out.printf("convention %s (%s; %s)%n", c.name(), c.runtime() != null ? c.runtime() : c.source(), how);
        if (tried != null) {
            out.printf("  auto: %s%n", String.join("; ", tried.tried().stream().map(t -> t.convention().name() + " "
                    + (t.fits() ? "fits" : "violates " + String.join(" ", t.report().violations().stream().map(v -> v.property().id()).toList())))
                    .toList()));
        }
        if (fresh != null) out.printf("  fresh contexts: %s%n", fresh);
        out.println();
        boolean cemText = c.name().equals(Conventions.DEFAULT) && fresh == null;
        for (Property p : Property.values()) {
            Violation v = r.violation(p);
            long n = r.evaluations().getOrDefault(p, 0L);
            String result = v != null ? "FAIL" : n == 0 ? "-" : "ok";
            out.printf("  %-12s %-4s %6d evaluated   %s%n", p.id(), result, n, cemText ? p.summary() : ConventionVerifier.summary(p, c));
        }
        for (Violation v : r.violations()) {
            out.printf("%n%s violated: %s%n", v.property().id(), v.detail());
            if (v.line() != null && !v.counterexample().contains(v.line())) out.printf("  at %s%n", v.line());
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
            for (VerifyJson.BenchSide b : List.of(bench.inProcess(), bench.forked())) {
                if (b.error() != null) {
                    out.printf("  %-52s %s%n", b.jvm(), b.error());
                    continue;
                }
                out.printf("  %-52s median %,7d  (rounds of %,d: %s)%n", b.jvm(), b.medianChecksPerSecond(), b.statesPerRound(),
                        String.join(", ", b.rounds().stream().map(x -> String.format("%,d", x.checksPerSecond())).toList()));
            }
            VerifyJson.BenchSide f = bench.forked();
            if (f.medianSwitchesPerSecond() != null) {
                out.printf("  forked median = %,d property evaluations/s = %,d emulated switches/s%n",
                        f.medianPropertyEvaluationsPerSecond(), f.medianSwitchesPerSecond());
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
