package ctxlab.verify;

import java.util.List;
import java.util.Map;

/**
 * What one AArch64 verification found (the counterpart of {@link Report}).
 *
 * @param switchesFpcr whether the routine switches FPCR (mentions it in an instruction); when not,
 *                     FPCR is reported as a finding instead of being part of the properties
 */
public record Arm64Report(String file, String symbol, long seed, int iterations, List<Violation> violations,
                          List<Finding> findings, Map<Arm64Property, Long> evaluations, int freshContexts,
                          int codeSize, int instructionCount, long minExecuted, long maxExecuted, long switches,
                          long nanos, boolean switchesFpcr) {

    /** The first counterexample found for one property. */
    public record Violation(Arm64Property property, String detail, String line, int iteration, String counterexample) {}

    public Arm64Report {
        violations = List.copyOf(violations);
        findings = List.copyOf(findings);
        evaluations = Map.copyOf(evaluations);
    }

    public boolean passed(boolean strict) {
        return violations.isEmpty() && (!strict || findings.stream().noneMatch(Finding::warning));
    }

    public String verdict(boolean strict) {
        return passed(strict) ? "pass" : "fail";
    }

    public Violation violation(Arm64Property p) {
        return violations.stream().filter(v -> v.property() == p).findFirst().orElse(null);
    }

    public long totalEvaluations() {
        return evaluations.values().stream().mapToLong(Long::longValue).sum();
    }

    public double checksPerSecond() {
        return nanos <= 0 ? 0 : iterations * 1e9 / nanos;
    }
}
