package ctxlab.asm;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The steps both front-ends take to assemble a unit: read the files into statements, hand Keystone
 * the whole unit with its marker table in one call (on a worker, with a time limit: it loops forever
 * on some inputs), and when it rejects the text, does not answer or gives back output that does not
 * add up, find the statement to blame; otherwise lay the code out and have Capstone read it again.
 *
 * <p>What the architectures do differently stays with each front-end: how it reads, when Keystone's
 * output is complete, how the statement to blame is found, the layout and the cross-check.
 *
 * @param <S> the front-end's statement
 * @param <R> its reader, which also keeps what the layout needs besides the statements
 */
abstract class KeystoneFrontEnd<S extends AsmStatement, R extends UnitReader<S>> {
    private final Supplier<Keystone> opener;
    private final KeystoneProgram program;
    private final Supplier<R> reader;
    private final Consumer<Assembly> crossCheck;
    private KeystoneRunner keystone;

    /**
     * @param opener     how to open Keystone for the architecture
     * @param program    how the statements are written for Keystone
     * @param reader     a fresh reader for a unit
     * @param crossCheck throws at the first statement Capstone reads otherwise than it was written
     */
    KeystoneFrontEnd(Supplier<Keystone> opener, KeystoneProgram program, Supplier<R> reader, Consumer<Assembly> crossCheck) {
        this.opener = opener;
        this.program = program;
        this.reader = reader;
        this.crossCheck = crossCheck;
        this.keystone = new KeystoneRunner(KeystoneRunner.TIMEOUT_SECONDS, opener);
    }

    /** Whether Keystone's output (its stderr empty) holds the code and a marker table that can be trusted. */
    abstract boolean complete(byte[] out, int statements);

    /**
     * The error naming the statement Keystone fails on.
     *
     * @param whole what the call for the whole unit gave, or null when it did not answer in time
     */
    abstract AsmException locate(List<S> statements, long base, KeystoneAttempt whole);

    abstract Assembly layout(List<S> statements, R read, byte[] out, long base);

    final Assembly assemble(List<SourceFile> files, long base) {
        R read = reader.get();
        for (SourceFile f : files) read.read(f);
        read.resolveExternals();
        List<S> statements = read.statements;
        if (statements.stream().noneMatch(s -> s.kind() != AsmStatement.Kind.NONE)) {
            throw new AsmException(String.join(", ", files.stream().map(SourceFile::name).toList())
                    + ": no instructions to assemble");
        }
        KeystoneAttempt whole;
        try {
            whole = run(text(statements, true, statements.size()), base);
        } catch (KeystoneRunner.Timeout t) {
            throw located(files, statements, base, null, t.getMessage());
        }
        Keystone.Result result = whole.result();
        if (result == null || !result.stderr().isBlank() || !complete(result.bytes(), statements.size())) {
            throw located(files, statements, base, whole, whole.error() != null ? "Keystone: " + whole.error().getMessage()
                    : !result.stderr().isBlank() ? "Keystone: " + result.stderr().strip().split("\n", 2)[0]
                    : "Keystone's output is incomplete");
        }
        Assembly assembly = layout(statements, read, result.bytes(), base);
        crossCheck.accept(assembly);
        return assembly;
    }

    /** Longest the search for the statement to blame may take (each probe assembles a prefix: quadratic in the file). */
    static final long LOCATE_SECONDS = 20;
    private static volatile long locateSeconds = LOCATE_SECONDS;

    /** Tests: another bound for the search (seconds); 0 restores the default. */
    static void locateSeconds(long seconds) {
        locateSeconds = seconds > 0 ? seconds : LOCATE_SECONDS;
    }
    private static final ThreadLocal<Long> LOCATE_DEADLINE = new ThreadLocal<>();

    /** Thrown by {@link #blame} once the search has taken too long. */
    private static final class SearchTooLong extends RuntimeException {
        SearchTooLong() {
            super(null, null, false, false);
        }
    }

    /** {@link #locate}, bounded: past {@link #LOCATE_SECONDS} the file is blamed as a whole, with Keystone's reason. */
    private AsmException located(List<SourceFile> files, List<S> statements, long base, KeystoneAttempt whole, String reason) {
        long limit = locateSeconds;
        LOCATE_DEADLINE.set(System.nanoTime() + limit * 1_000_000_000L);
        try {
            return locate(statements, base, whole);
        } catch (SearchTooLong e) {
            return new AsmException(String.join(", ", files.stream().map(SourceFile::name).toList()) + ": " + reason
                    + "; finding the statement to blame took more than " + limit + " s (" + statements.size()
                    + " statements), so ctxlab stopped looking");
        } finally {
            LOCATE_DEADLINE.remove();
        }
    }

    /** The first {@code count} statements as Keystone gets them (see {@link KeystoneProgram#text}). */
    final String text(List<S> statements, boolean markers, int count) {
        return program.text(statements, markers, count);
    }

    /**
     * Runs Keystone; a rejection comes back as an attempt. One call at a time: the runner has one
     * worker, and {@link #limit} must not swap it mid-call.
     *
     * @throws KeystoneRunner.Timeout when it did not answer in time
     */
    final synchronized KeystoneAttempt run(String text, long base) {
        try {
            return new KeystoneAttempt(keystone.asm(text, base), null);
        } catch (KeystoneException e) {
            return new KeystoneAttempt(null, e);
        }
    }

    /**
     * Why Keystone fails on the first {@code k} statements, blaming statement k; null when it does not.
     *
     * @param why the reason Keystone's answer gives (null: none), for the front-end to say; that it
     *            loops is said here
     */
    final AsmException blame(List<S> statements, int k, long base, Function<KeystoneAttempt, String> why) {
        Long deadline = LOCATE_DEADLINE.get();
        if (deadline != null && System.nanoTime() - deadline > 0) throw new SearchTooLong();
        S s = statements.get(k - 1);
        KeystoneAttempt a;
        try {
            a = run(text(statements, false, k), base);
        } catch (KeystoneRunner.Timeout t) {
            return new AsmException(s.where(), s.text(), t.getMessage() + " (it loops on this statement)");
        }
        String reason = why.apply(a);
        return reason == null ? null : new AsmException(s.where(), s.text(), reason);
    }

    /** Tests: another time limit for Keystone (seconds); null restores the default. */
    final synchronized void limit(Double seconds) {
        keystone = new KeystoneRunner(seconds == null ? KeystoneRunner.TIMEOUT_SECONDS : seconds, opener);
    }
}
