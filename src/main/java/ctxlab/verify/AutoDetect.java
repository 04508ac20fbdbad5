package ctxlab.verify;

import ctxlab.abi.Convention;
import ctxlab.asm.Assembly;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code --convention auto}: the routine is verified under every known convention; the ones it
 * satisfies are the candidates. A routine that fits none is not reported as violating a convention
 * nobody chose; the closest one (fewest violated properties) is named instead.
 */
public final class AutoDetect {
    private AutoDetect() {}

    /** One convention tried, with its report. */
    public record Tried(Convention convention, Report report) {
        public boolean fits() {
            return report.violations().isEmpty();
        }
    }

    /** Every convention tried, in the order given. */
    public record Result(List<Tried> tried) {
        public Result {
            tried = List.copyOf(tried);
        }

        public List<Tried> fitting() {
            return tried.stream().filter(Tried::fits).toList();
        }

        /** The convention with the fewest violated properties (the first of equals). */
        public Tried closest() {
            return tried.stream().min(Comparator.comparingInt(t -> t.report().violations().size())).orElseThrow();
        }
    }

    /**
     * @param maker a maker routine for every convention that describes one (conventions without a
     *              maker description are then not candidates); null: each convention's own
     */
    public static Result run(List<Convention> candidates, Assembly assembly, String file, String symbol,
                             ConventionVerifier.MakerCode maker, int iterations, long seed) {
        List<Tried> tried = new ArrayList<>();
        for (Convention c : candidates) {
            if (maker != null && (c.fresh() == null || c.fresh().maker() == null)) continue;
            try (ConventionVerifier v = new ConventionVerifier(c, assembly, file, symbol, maker)) {
                tried.add(new Tried(c, v.run(iterations, seed)));
            }
        }
        if (tried.isEmpty()) throw new IllegalArgumentException("no known convention describes a maker routine for --maker");
        return new Result(tried);
    }

    /** One arm64 convention tried, with its report. */
    public record Tried64(Convention convention, Arm64Report report) {
        public boolean fits() {
            return report.violations().isEmpty();
        }
    }

    /**
     * Auto for an arm64 routine: every candidate (the arm64 conventions) verified; as {@link #run}.
     *
     * @return every convention tried, in the order given
     */
    public static List<Tried64> runArm64(List<Convention> candidates, Assembly assembly, String file, String symbol,
                                         ConventionVerifier.MakerCode maker, int iterations, long seed, int threads) {
        List<Tried64> tried = new ArrayList<>();
        for (Convention c : candidates) {
            if (maker != null && (c.fresh() == null || c.fresh().maker() == null)) continue;
            try (Arm64Verifier v = new Arm64Verifier(c, assembly, file, symbol, maker)) {
                tried.add(new Tried64(c, v.run(iterations, seed, threads)));
            }
        }
        if (tried.isEmpty()) throw new IllegalArgumentException("no known arm64 convention describes a maker routine for --maker");
        return tried;
    }

    /** The arm64 convention with the fewest violated properties (the first of equals). */
    public static Tried64 closest(List<Tried64> tried) {
        return tried.stream().min(Comparator.comparingInt(t -> t.report().violations().size())).orElseThrow();
    }
}
