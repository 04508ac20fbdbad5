package ctxlab.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import ctxlab.verify.AutoDetect;
import ctxlab.verify.Property;
import ctxlab.verify.Report;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code verify --json} prints, as types: Jackson writes the records' components in
 * declaration order; absent parts (no convention file, no maker, no auto, no bench) are left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record VerifyJson(String verdict, String symbol, String file, int iterations, long seed, boolean strict,
                  List<ViolationJson> violations, List<FindingJson> findings, int codeSize, int instructionCount,
                  Executed executedPerSwitch, long checksPerSecond, int threads, String checkDefinition,
                  Map<String, Long> propertyEvaluations, long switches, double elapsedMs,
                  String convention, String conventionChosenBy, String conventionFile, String maker,
                  List<Tried> auto, BenchJson bench) {

    record ViolationJson(String property, String detail, String line, int iteration, String counterexample) {}

    record FindingJson(String id, String severity, String detail) {}

    record Executed(long min, long max) {}

    record Tried(String convention, boolean fits, List<String> violated) {
        static List<Tried> of(AutoDetect.Result r) {
            return r.tried().stream().map(t -> new Tried(t.convention().name(), t.fits(),
                    t.report().violations().stream().map(v -> v.property().id()).toList())).toList();
        }

        static List<Tried> ofArm64(List<AutoDetect.Tried64> tried) {
            return tried.stream().map(t -> new Tried(t.convention().name(), t.fits(),
                    t.report().violations().stream().map(v -> v.property().id()).toList())).toList();
        }
    }

    /**
     * {@code verify --arch arm64 --json}: the x86-64 fields (with the nine AAPCS64 properties in
     * {@code propertyEvaluations}) and {@code arch}, {@code switchesFpcr}, {@code freshContexts}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Arm64(String verdict, String arch, String convention, String conventionChosenBy, String conventionFile,
                 String maker, String freshFrom, String symbol, String file, int iterations, long seed, boolean strict,
                 List<ViolationJson> violations, List<FindingJson> findings, int codeSize, int instructionCount,
                 boolean switchesFpcr, Executed executedPerSwitch, long checksPerSecond, int threads, String checkDefinition,
                 Map<String, Long> propertyEvaluations, long switches, double elapsedMs, List<Tried> auto) {

        static Arm64 of(ctxlab.verify.Arm64Report r, boolean strict, String checkDefinition, int threads, String convention,
                        String chosenBy, String conventionFile, String maker, String fresh, List<Tried> auto) {
            Map<String, Long> ev = new LinkedHashMap<>();
            for (ctxlab.verify.Arm64Property p : ctxlab.verify.Arm64Property.values()) ev.put(p.id(), r.evaluations().getOrDefault(p, 0L));
            return new Arm64(r.verdict(strict), "arm64", convention, chosenBy, conventionFile, maker, fresh, r.symbol(), r.file(),
                    r.iterations(), r.seed(), strict,
                    r.violations().stream().map(v -> new ViolationJson(v.property().id(), v.detail(), v.line(), v.iteration(),
                            v.counterexample())).toList(),
                    r.findings().stream().map(f -> new FindingJson(f.id(), f.severity().name().toLowerCase(Locale.ROOT), f.detail()))
                            .toList(),
                    r.codeSize(), r.instructionCount(), r.switchesFpcr(), new Executed(r.minExecuted(), r.maxExecuted()),
                    Math.round(r.checksPerSecond()), threads, checkDefinition, ev, r.switches(), r.nanos() / 1e6, auto);
        }
    }

    /** {@code --bench}: checks per second here and in a forked JVM. */
    record BenchJson(BenchSide inProcess, BenchSide forked) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BenchSide(String jvm, int statesPerRound, List<Round> rounds, Long medianChecksPerSecond,
                     Long medianPropertyEvaluationsPerSecond, Long medianSwitchesPerSecond, String error) {}

    record Round(long checksPerSecond, long propertyEvaluationsPerSecond, long switchesPerSecond) {}

    /** The exit-2 answer of auto when no known convention (or several) fits. */
    record NoFit(String verdict, String symbol, String file, long seed, String message, List<Tried> auto) {}

    static VerifyJson of(Report r, boolean strict, String checkDefinition, int threads) {
        Map<String, Long> ev = new LinkedHashMap<>();
        for (Property p : Property.values()) ev.put(p.id(), r.evaluations().getOrDefault(p, 0L));
        return new VerifyJson(r.verdict(strict), r.symbol(), r.file(), r.iterations(), r.seed(), strict,
                r.violations().stream().map(v -> new ViolationJson(v.property().id(), v.detail(), v.line(), v.iteration(),
                        v.counterexample())).toList(),
                r.findings().stream().map(f -> new FindingJson(f.id(), f.severity().name().toLowerCase(Locale.ROOT), f.detail()))
                        .toList(),
                r.codeSize(), r.instructionCount(), new Executed(r.minExecuted(), r.maxExecuted()),
                Math.round(r.checksPerSecond()), threads, checkDefinition, ev, r.switches(), r.nanos() / 1e6,
                null, null, null, null, null, null);
    }

    VerifyJson withConvention(String name, String chosenBy, String file, String maker, List<Tried> auto) {
        return new VerifyJson(verdict, symbol, this.file, iterations, seed, strict, violations, findings, codeSize,
                instructionCount, executedPerSwitch, checksPerSecond, threads, checkDefinition, propertyEvaluations, switches,
                elapsedMs, name, chosenBy, file, maker, auto, bench);
    }

    VerifyJson withBench(BenchJson b) {
        return new VerifyJson(verdict, symbol, file, iterations, seed, strict, violations, findings, codeSize,
                instructionCount, executedPerSwitch, checksPerSecond, threads, checkDefinition, propertyEvaluations, switches,
                elapsedMs, convention, conventionChosenBy, conventionFile, maker, auto, b);
    }

}
