package ctxlab.asm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** An assembly source: the name used in messages ({@code file:line}) and its text. */
public record SourceFile(String name, String text) {

    public static SourceFile read(Path path) {
        try {
            return new SourceFile(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new AsmException(path + ": no such file");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new AsmException(path + ": not a UTF-8 text file");
        } catch (IOException e) {
            throw new AsmException(path + ": cannot read: " + e.getMessage());
        }
    }
}
