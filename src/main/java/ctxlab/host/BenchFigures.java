package ctxlab.host;

/** The parts of the child's "bench" event ({@link ChildEvent.Bench}), as measured in {@link Bench}. */
public final class BenchFigures {
    private BenchFigures() {}

    public record Machine(String cpu, int cores, String kernel, String java) {}

    /** Every round's ns of each measurement, in round order; {@code boostContextNs} null when Boost was not run. */
    public record Rounds(double[] nativeSwitchNs, double[] roundTripNs, double[] glibcSwapcontextNs,
                         double[] virtualThreadNs, double[] bareRoundTripNs, double[] boostContextNs) {}

    /** How many switches (round trips, hand-offs) one round of each measurement times. */
    public record PerRound(long nativeSwitches, long roundTrips, long glibcSwitches, long virtualThreadHandoffs) {}

    /**
     * The --compare routine, measured in the same rounds.
     *
     * @param file         as the child was given it (absolute)
     * @param ratioToBoost null when Boost was not run
     */
    public record Compared(String file, double nativeSwitchNs, double roundTripNs, double bareRoundTripNs,
                           Double ratioToBoost, CompareRounds rounds) {}

    public record CompareRounds(double[] nativeSwitchNs, double[] roundTripNs, double[] bareRoundTripNs) {}

    /** The scale run: many strands with small stacks through the scheduler; rss figures -1 when unknown. */
    public record Scale(int strands, long stackSize, long yieldsEach, double spawnMs, double runMs, double totalMs,
                        long switches, double switchesPerSecond, long rssBytes, long rssAddedBytes,
                        long rssPerStrandBytes, long peakRssBytes) {}
}
