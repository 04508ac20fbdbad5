package ctxlab.asm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** An assembly source: the name used in messages ({@code file:line}) and its text. */
public record SourceFile(String name, String text) {
    /** The largest input file read (16 MiB): larger ones, and endless ones (/dev/zero, a FIFO), are refused. */
    public static final int MAX_BYTES = 16 << 20;

    public static SourceFile read(Path path) {
        try {
            return new SourceFile(path.toString(), readText(path));
        } catch (NoSuchFileException e) {
            throw new AsmException(path + ": no such file");
        } catch (InputTooLargeException e) {
            throw new AsmException(e.getMessage());
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new AsmException(path + ": not a UTF-8 text file");
        } catch (IOException e) {
            throw new AsmException(path + ": cannot read: " + e.getMessage());
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
        byte[] b;
        try (java.io.InputStream in = Files.newInputStream(path)) {
            b = in.readNBytes(MAX_BYTES + 1);
        }
        if (b.length > MAX_BYTES) throw new InputTooLargeException(path + ": more than " + MAX_BYTES + " bytes (16 MiB); refused");
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(b)).toString();
    }

    /** An input file over the size cap. */
    public static final class InputTooLargeException extends IOException {
        public InputTooLargeException(String message) {
            super(message);
        }
    }
}
