package ctxlab.verify;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * What a verification run, or one thread's stripe of it ({@link Stripes}), counted: the counts
 * both architectures keep alike. A verifier's own findings (x87, CET, FPCR) live in its subclass.
 * The per-check code adds to the fields directly.
 *
 * @param <P> the properties
 * @param <V> a property's first violation
 */
class StripeTally<P extends Enum<P>, V> {
    /** Per property, the violation of the lowest iteration. */
    final Map<P, V> first;
    /** How often each property was evaluated, by {@link Enum#ordinal()}. */
    final long[] evaluations;
    long roundTrips, switches;
    /** Instructions executed per arriving switch, the fewest and the most (-1: none arrived). */
    long minExec = Long.MAX_VALUE, maxExec = -1;
    int fresh, done;
    private final Class<P> properties;
    private final ToIntFunction<V> iteration;

    /** @param iteration a violation's iteration: the lower one is kept when stripes merge */
    StripeTally(Class<P> properties, ToIntFunction<V> iteration) {
        this.properties = properties;
        this.first = new EnumMap<>(properties);
        this.evaluations = new long[properties.getEnumConstants().length];
        this.iteration = iteration;
    }

    /** A switch arrived after {@code n} instructions. */
    final void executed(long n) {
        minExec = Math.min(minExec, n);
        maxExec = Math.max(maxExec, n);
    }

    /** Adds another stripe's counts: sums, extremes, and per property the lower iteration's violation. */
    void merge(StripeTally<P, V> o) {
        o.first.forEach((p, v) -> first.merge(p, v, (a, b) -> iteration.applyAsInt(a) <= iteration.applyAsInt(b) ? a : b));
        for (int k = 0; k < evaluations.length; k++) evaluations[k] += o.evaluations[k];
        roundTrips += o.roundTrips;
        switches += o.switches;
        minExec = Math.min(minExec, o.minExec);
        maxExec = Math.max(maxExec, o.maxExec);
        fresh += o.fresh;
        done += o.done;
    }

    /** The evaluations by property, every property present. */
    final Map<P, Long> evaluationCounts() {
        Map<P, Long> m = new EnumMap<>(properties);
        for (P p : properties.getEnumConstants()) m.put(p, evaluations[p.ordinal()]);
        return m;
    }

    /** The fewest instructions a switch executed, -1 when none arrived (as the reports hold it). */
    final long minExecuted() {
        return maxExec < 0 ? -1 : minExec;
    }

    /** "17 executed per switch" or "12-17 executed per switch", then {@code suffix}; {@code none} when none arrived. */
    final String executedPerSwitch(String none, String suffix) {
        if (maxExec < 0) return none;
        return (minExec == maxExec ? Long.toString(minExec) : minExec + "-" + maxExec) + " executed per switch" + suffix;
    }
}
