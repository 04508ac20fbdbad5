package ctxlab.verify;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What one verification found.
 *
 * @param iterations      random states checked (each = one "check", see {@link #checksPerSecond()})
 * @param evaluations     property evaluations made, per property (a property is not evaluated on a
 *                        switch that already failed to arrive, nor makecontext on a random context)
 * @param freshContexts   iterations whose restore context came from makeContext
 * @param codeSize        bytes of the routine (its {@code .size}, else up to the next global label)
 * @param instructionCount instructions in the routine's text
 * @param minExecuted     fewest instructions executed by one switch (-1 if none arrived)
 * @param maxExecuted     most instructions executed by one switch
 * @param switches        emulated switches (two per state when the first one arrives)
 * @param nanos           wall time of the iterations (not of assembling or setting up)
 */
public record Report(String file, String symbol, long seed, int iterations, List<Violation> violations,
                     List<Finding> findings, Map<Property, Long> evaluations, int freshContexts,
                     int codeSize, int instructionCount, long minExecuted, long maxExecuted,
                     long switches, long nanos) {

    public Report {
        violations = List.copyOf(violations);
        findings = List.copyOf(findings);
        evaluations = Map.copyOf(evaluations.isEmpty() ? new EnumMap<>(Property.class) : evaluations);
    }

    /** The same report with one more finding. */
    public Report withFinding(Finding f) {
        List<Finding> all = new java.util.ArrayList<>(findings);
        all.add(f);
        return new Report(file, symbol, seed, iterations, violations, all, evaluations, freshContexts, codeSize,
                instructionCount, minExecuted, maxExecuted, switches, nanos);
    }

    /** True when no property was violated, and (with {@code strict}) no warning was found. */
    public boolean passed(boolean strict) {
        return violations.isEmpty() && (!strict || findings.stream().noneMatch(Finding::warning));
    }

    public String verdict(boolean strict) {
        return passed(strict) ? "pass" : "fail";
    }

    public Violation violation(Property p) {
        return violations.stream().filter(v -> v.property() == p).findFirst().orElse(null);
    }

    public long totalEvaluations() {
        return evaluations.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Checks per second: a check is one random machine state run through the routine (switch
     * A->B, then B->A) and held against all seven properties.
     */
    public double checksPerSecond() {
        return nanos <= 0 ? 0 : iterations * 1e9 / nanos;
    }
}
