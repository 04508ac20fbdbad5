package ctxlab.verify;

/** Something that checks a routine from random states: the Cem {@link Verifier}, or a {@link ConventionVerifier}. */
public interface Checker extends AutoCloseable {
    /** Checks {@code iterations} random states from {@code seed}. */
    Report run(int iterations, long seed);

    /** The same report, with the checks split over {@code threads} threads (each with its own engine). */
    default Report run(int iterations, long seed, int threads) {
        return run(iterations, seed);
    }

    @Override
    void close();
}
