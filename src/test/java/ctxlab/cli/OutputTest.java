package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class OutputTest {
    static String escaped(String s, boolean colour) {
        StringWriter w = new StringWriter();
        Output.colour = colour;
        try (PrintWriter p = new PrintWriter(new Output.Escaping(w))) {
            p.print(s);
        } finally {
            Output.colour = false;
        }
        return w.toString();
    }

    @Test
    void controlCharactersAreEscaped() {
        assertEquals("a\\x00b\\x1b[2Jc\\x0dd\\x7f\\x9b\n\te", escaped("a\u0000b\u001b[2Jc\rd\u007f\u009b\n\te", false));
        assertEquals("plain text, é and → pass", escaped("plain text, é and → pass", false));
    }

    @Test
    void colourSequencesPassOnlyWhenTheTraceColours() {
        assertEquals("\u001b[1;31mred\u001b[0m", escaped("\u001b[1;31mred\u001b[0m", true));
        assertEquals("\\x1b[1;31mred", escaped("\u001b[1;31mred", false));
        assertEquals("\\x1b[2Jx", escaped("\u001b[2Jx", true), "clearing the screen is no colour");
    }

    static final class Failing extends OutputStream {
        final String message;

        Failing(String message) {
            this.message = message;
        }

        @Override
        public void write(int b) throws IOException {
            throw new IOException(message);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException(message);
        }
    }

    @Test
    void aFullDiskIsAFailureAClosedPipeIsNot() {
        Output.Recording full = new Output.Recording(new Failing("No space left on device"));
        PrintWriter w = Output.writer(full, java.nio.charset.StandardCharsets.UTF_8);
        w.println("x");
        w.flush();
        assertTrue(full.failedOtherThanClosedPipe());
        assertEquals("No space left on device", full.reason());
        Output.Recording pipe = new Output.Recording(new Failing("Broken pipe"));
        PrintWriter p = Output.writer(pipe, java.nio.charset.StandardCharsets.UTF_8);
        p.println("x");
        p.flush();
        assertFalse(pipe.failedOtherThanClosedPipe());
    }
}
