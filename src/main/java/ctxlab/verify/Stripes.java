package ctxlab.verify;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.IntFunction;

/**
 * Iterations split over threads, shared by the verifiers: thread k checks iterations k, k + n, ...
 * on an engine of its own (a Unicorn machine belongs to the thread that made it), and the caller
 * merges what each stripe found. Since a state depends on (seed, iteration) alone and each property
 * keeps the violation of its lowest iteration, the merged report is the same for any thread count.
 */
final class Stripes {
    private Stripes() {}

    /**
     * @param threads how many stripes (at least 1; never more than the iterations)
     * @param stripe  k -> the result of stripe k; stripe 0 runs on the calling thread (with the
     *                caller's own verifier), the others on threads of their own
     * @return the stripes' results, stripe 0 first
     */
    static <T> List<T> run(int threads, int iterations, IntFunction<T> stripe) {
        int n = Math.max(1, Math.min(threads, iterations));
        List<CompletableFuture<T>> others = new ArrayList<>();
        for (int k = 1; k < n; k++) {
            int start = k;
            CompletableFuture<T> f = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("verify-" + k).start(() -> {
                try {
                    f.complete(stripe.apply(start));
                } catch (Throwable e) {
                    f.completeExceptionally(e);
                }
            });
            others.add(f);
        }
        List<T> out = new ArrayList<>();
        out.add(stripe.apply(0));
        for (CompletableFuture<T> f : others) {
            try {
                out.add(f.join());
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
        }
        return out;
    }

    /** How many stripes {@link #run} makes. */
    static int count(int threads, int iterations) {
        return Math.max(1, Math.min(threads, iterations));
    }
}
