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
        String raw = readText(path);
        if (!options.preprocesses(path.toString())) return new SourceFile(path.toString(), raw);
        return new SourceFile(path.toString(), Preprocessor.run(path, options));
    }

    /** The file's text as written (no preprocessing), with the same checks and limits. */
    public static String readRaw(Path path) {
        String t = readText(path);
        return t.startsWith("\uFEFF") ? t.substring(1) : t;
    }

    private static String readText(Path path) {
        if (Files.isDirectory(path)) throw new AsmException(path + ": is a directory, not a source file");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(path)) {
            // Read with a cap: /dev/zero or a FIFO must not fill the heap.
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new AsmException(path + ": no such file");
        } catch (IOException e) {
            throw new AsmException(path + ": cannot read: " + Text.escape(e.getMessage()));
        }
        if (bytes.length > MAX_BYTES) {
            throw new AsmException(path + ": larger than " + MAX_BYTES / (1024 * 1024) + " MiB; ctxlab refuses it");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new AsmException(path + ": not a UTF-8 text file");
        }
    }
}
