package ctxlab.verify;

import java.util.ArrayList;
import java.util.List;

/** Timed rounds of verification: how many checks per second a warm JVM does. */
public final class Bench {
    /** One timed round. */
    public record Round(double checksPerSecond, double evaluationsPerSecond, double switchesPerSecond) {}

    private Bench() {}

    /**
     * Warms up for {@code warmupMillis} (rounds of a quarter size), then times {@code rounds} rounds of
     * {@code perRound} states, each with its own seed (so no round repeats another's states).
     */
    public static List<Round> run(Checker verifier, long seed, int perRound, int rounds, long warmupMillis) {
        long until = System.nanoTime() + warmupMillis * 1_000_000L;
        long s = seed;
        while (System.nanoTime() < until) verifier.run(Math.max(1, perRound / 4), ++s);
        List<Round> out = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Report r = verifier.run(perRound, ++s);
            double secs = r.nanos() / 1e9;
            out.add(new Round(r.checksPerSecond(), r.totalEvaluations() / secs, r.switches() / secs));
        }
        return out;
    }

    public static Round median(List<Round> rounds) {
        double[] c = rounds.stream().mapToDouble(Round::checksPerSecond).sorted().toArray();
        double m = c[c.length / 2];
        return rounds.stream().filter(r -> r.checksPerSecond() == m).findFirst().orElseThrow();
    }

    public static String list(List<Round> rounds) {
        return String.join(", ", rounds.stream().map(r -> String.format("%,.0f", r.checksPerSecond())).toList());
    }
}
