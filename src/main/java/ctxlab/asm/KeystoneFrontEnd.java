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
            throw locate(statements, base, null);
        }
        Keystone.Result result = whole.result();
        if (result == null || !result.stderr().isBlank() || !complete(result.bytes(), statements.size())) {
            throw locate(statements, base, whole);
        }
        Assembly assembly = layout(statements, read, result.bytes(), base);
        crossCheck.accept(assembly);
        return assembly;
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
