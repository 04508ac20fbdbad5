package ctxlab.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;

/**
 * The CLI's standard output and error: write errors are remembered (a PrintWriter would swallow
 * them) so that {@code trace > /dev/full} or a closed stdout ends in exit 2 instead of a silent 0,
 * and control characters are escaped so that no input (a vector name, a NUL in a source line) can
 * move the cursor, clear the screen or forge an output line.
 */
final class Output {
    private Output() {}

    /** A stream that keeps the first IOException instead of throwing it into a PrintWriter that would hide it. */
    static final class Recording extends OutputStream {
        private final OutputStream out;
        volatile IOException failure;

        Recording(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                record(e);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (failure != null) return;   // nothing more reaches a broken stream
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                record(e);
            }
        }

        @Override
        public void flush() {
            if (failure != null) return;
            try {
                out.flush();
            } catch (IOException e) {
                record(e);
            }
        }

        private void record(IOException e) {
            if (failure == null) failure = e;
        }

        /** A reader that went away (`| head`) is not an error worth a message; anything else is. */
        boolean failedOtherThanClosedPipe() {
            IOException e = failure;
            return e != null && (e.getMessage() == null || !e.getMessage().contains("Broken pipe"));
        }

        String reason() {
            IOException e = failure;
            return e == null ? "" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    static Recording stdout() {
        return new Recording(new FileOutputStream(FileDescriptor.out));
    }

    static Recording stderr() {
        return new Recording(new FileOutputStream(FileDescriptor.err));
    }

    static PrintWriter writer(OutputStream out, Charset cs) {
        return new PrintWriter(new Escaping(new OutputStreamWriter(out, cs)), true);
    }

    /**
     * Escapes C0 and C1 control characters and DEL as {@code \x..}, except newline, tab and the
     * colour sequences {@code ESC [ digits ; m} that the trace itself writes on a
     * terminal.
     */
    /** Set by {@code trace} while it writes its own colours to a terminal: only then may colour sequences pass. */
    static volatile boolean colour;

    static final class Escaping extends FilterWriter {
        private int pendingEsc = -1;   // chars of a colour sequence seen so far, -1 when none
        private final StringBuilder esc = new StringBuilder();

        Escaping(Writer out) {
            super(out);
        }

        @Override
        public void write(int c) throws IOException {
            if (pendingEsc >= 0) {
                esc.append((char) c);
                boolean ok = (esc.length() == 2 && c == '[') || (esc.length() > 2 && (Character.isDigit(c) || c == ';'));
                if (esc.length() > 2 && c == 'm') {
                    out.write(esc.toString());
                    esc.setLength(0);
                    pendingEsc = -1;
                    return;
                }
                if (ok && esc.length() < 16) return;
                // not a colour sequence: escape the ESC, write the rest through this filter
                String rest = esc.substring(1);
                esc.setLength(0);
                pendingEsc = -1;
                out.write("\\x1b");
                for (int i = 0; i < rest.length(); i++) write(rest.charAt(i));
                return;
            }
            if (c == 0x1b && colour) {
                pendingEsc = 0;
                esc.append((char) c);
                return;
            }
            if (isControl(c)) {
                out.write(String.format("\\x%02x", c));
            } else {
                out.write(c);
            }
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) write(cbuf[off + i]);
        }

        @Override
        public void write(String str, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) write(str.charAt(off + i));
        }

        @Override
        public void flush() throws IOException {
            if (pendingEsc >= 0 && esc.length() > 0) {
                String s = esc.substring(1);
                esc.setLength(0);
                pendingEsc = -1;
                out.write("\\x1b");
                for (int i = 0; i < s.length(); i++) write(s.charAt(i));
            }
            super.flush();
        }

        static boolean isControl(int c) {
            if (c == '\n' || c == '\t') return false;   // a carriage return could overwrite a printed line
            return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
        }
    }

    /** For one-line fields (a name): control characters, newline included, as {@code \x..}. */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }
}
