package ctxlab.asm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An assembly source: the name used in messages ({@code file:line}) and its text.
 *
 * <p>Preprocessed text carries line markers ({@code # 12 "file.S"}); the first one names this
 * file, whatever {@link #name} it is given later (see {@link Assembler}).
 */
public record SourceFile(String name, String text) {
    /** Largest source (and preprocessed text) ctxlab reads: far beyond any switch routine. */
    public static final int MAX_BYTES = 16 * 1024 * 1024;

    public SourceFile {
        // A UTF-8 byte-order mark means nothing to GNU as, and Keystone loops on it.
        if (text.startsWith("\uFEFF")) text = text.substring(1);
    }

    public static SourceFile read(Path path) {
        return read(path, SourceOptions.DEFAULT);
    }

    /** Reads the file; a {@code .S} file (or any, with {@code --cpp}) through the C preprocessor. */
    public static SourceFile read(Path path, SourceOptions options) {
        return read(path, options, Preprocessor.Target.X86_64);
    }

    /** The same for a source of {@code target}'s architecture (the preprocessor's predefined macros). */
    public static SourceFile read(Path path, SourceOptions options, Preprocessor.Target target) {
        String raw = readCapped(path);
        if (!options.preprocesses(path.toString())) return new SourceFile(path.toString(), raw);
        return new SourceFile(path.toString(), Preprocessor.run(path, options, target));
    }

    /** The file's text as written (no preprocessing), with the same checks and limits. */
    public static String readRaw(Path path) {
        String t = readCapped(path);
        return t.startsWith("\uFEFF") ? t.substring(1) : t;
    }

    /** {@link #readText}, with its failures as one-line {@link AsmException}s naming the file. */
    private static String readCapped(Path path) {
        if (Files.isDirectory(path)) throw new AsmException(path + ": is a directory, not a source file");
        try {
            return readText(path);
        } catch (NoSuchFileException e) {
            throw new AsmException(path + ": no such file");
        } catch (InputTooLargeException e) {
            throw new AsmException(Text.escape(e.getMessage()));
        } catch (CharacterCodingException e) {
            throw new AsmException(path + ": not a UTF-8 text file");
        } catch (IOException e) {
            throw new AsmException(path + ": cannot read: " + Text.escape(e.getMessage()));
        }
    }

    /**
     * A file's text as strict UTF-8, at most {@link #MAX_BYTES} bytes: a regular file by its size
     * before reading, anything else by reading at most one byte past the cap.
     *
     * @throws InputTooLargeException past the cap
     */
    public static String readText(Path path) throws IOException {
        if (Files.isDirectory(path)) throw new IOException("is a directory");
        if (Files.isRegularFile(path) && Files.size(path) > MAX_BYTES) {
            throw new InputTooLargeException(path + ": " + Files.size(path) + " bytes; at most " + MAX_BYTES + " (16 MiB) are read");
        }
        byte[] b = Files.isRegularFile(path) ? readBytes(path) : readInTime(path);
        if (b.length > MAX_BYTES) throw new InputTooLargeException(path + ": more than " + MAX_BYTES + " bytes (16 MiB); refused");
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(b)).toString();
    }

    private static byte[] readBytes(Path path) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(path)) {
            return in.readNBytes(MAX_BYTES + 1);
        }
    }

    private static volatile long pipeMillis = 30_000;

    /** Tests: another time limit for reading a pipe or device (milliseconds); 0 restores the default. */
    static void pipeMillis(long millis) {
        pipeMillis = millis > 0 ? millis : 30_000;
    }

    /**
     * A pipe or device, read on a daemon thread against the clock: opening a FIFO that nobody writes
     * blocks for ever (and cannot be interrupted), and a writer may never finish.
     */
    private static byte[] readInTime(Path path) throws IOException {
        java.util.concurrent.FutureTask<byte[]> read = new java.util.concurrent.FutureTask<>(() -> readBytes(path));
        Thread.ofPlatform().daemon().name("input-reader").start(read);
        long limit = pipeMillis;
        try {
            return read.get(limit, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            read.cancel(true);
            throw new IOException("not a regular file, and it did not give its text within "
                    + (limit % 1000 == 0 ? limit / 1000 + " s" : limit + " ms") + " (a pipe without a writer, or one that does not end)");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading");
        }
    }

    /** An input file over the size cap. */
    public static final class InputTooLargeException extends IOException {
        public InputTooLargeException(String message) {
            super(message);
        }
    }
}
