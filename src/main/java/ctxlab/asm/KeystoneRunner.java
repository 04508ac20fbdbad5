package ctxlab.asm;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keystone on a worker thread of its own, so that a runaway can be abandoned: Keystone (wasm) loops
 * forever on some inputs and nothing inside it times out. Chicory's compiled code checks the thread's
 * interrupt flag, so an interrupted call ends with a trap; the instance is then broken and dropped
 * with its thread, and the next call starts a fresh one.
 *
 * <p>One instance is used by one caller at a time ({@link KeystoneFrontEnd#run} synchronizes).
 */
final class KeystoneRunner {
    /** Seconds a single ks_asm may take: {@code -Dctxlab.keystone.timeout=S}, default 8 (real calls take milliseconds). */
    static final double TIMEOUT_SECONDS = timeout();

    /** ks_asm did not return in time. */
    static final class Timeout extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Timeout(double seconds) {
            super("Keystone did not answer within "
                    + (seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds)) + " s",
                    null, false, false);
        }
    }

    private final double seconds;
    private final java.util.function.Supplier<Keystone> opener;
    private ExecutorService worker;
    private volatile Keystone keystone;
    private volatile Thread thread, abandoned;

    KeystoneRunner(double seconds) {
        this(seconds, Keystone::open);
    }

    /** @param opener how to open the engine (the architecture: x86-64 by default, AArch64 for Arm64Assembler) */
    KeystoneRunner(double seconds, java.util.function.Supplier<Keystone> opener) {
        this.seconds = seconds;
        this.opener = opener;
    }

    /** ks_asm within the time limit; a KeystoneException as {@link Keystone#asm} throws it, or {@link Timeout}. */
    Keystone.Result asm(String program, long base) {
        if (worker == null) {
            worker = Executors.newSingleThreadExecutor(r -> thread = Thread.ofPlatform().daemon().name("keystone").unstarted(r));
        }
        try {
            // Instantiating takes 0.5-1 s on a cold JVM and cannot loop: not part of the limit.
            worker.submit(() -> {
                if (keystone == null || keystone.isBroken()) keystone = opener.get();
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AsmException("interrupted while Keystone was loading");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
        Future<Keystone.Result> f = worker.submit(() -> keystone.asm(program, base));
        try {
            return f.get((long) (seconds * 1000), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            abandon(f);
            throw new Timeout(seconds);
        } catch (InterruptedException e) {
            abandon(f);
            Thread.currentThread().interrupt();
            throw new AsmException("interrupted while Keystone was assembling");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        }
    }

    /** Interrupts the call (Chicory traps on it) and forgets thread and instance alike. */
    private void abandon(Future<?> f) {
        f.cancel(true);
        worker.shutdownNow();
        abandoned = thread;
        worker = null;
        keystone = null;
    }

    /** The worker thread of the last abandoned call (tests check that it ends), or null. */
    Thread abandoned() {
        return abandoned;
    }

    private static double timeout() {
        String s = System.getProperty("ctxlab.keystone.timeout");
        if (s != null) {
            try {
                double v = Double.parseDouble(s);
                if (v > 0 && v <= 600) return v;
            } catch (NumberFormatException e) {
                // fall through to the default
            }
        }
        return 8;
    }
}
