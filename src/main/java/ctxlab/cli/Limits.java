package ctxlab.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Resource caps, checked before any work starts: a figure too large for this machine is bad input
 * (exit 2, with the figure), never an OutOfMemoryError, an overflow or a silent wrap-around.
 */
final class Limits {
    private Limits() {}

    /** The largest input file any command reads (an assembly file, a test vector). */
    static final long MAX_INPUT = 16L << 20;
    /** The largest stack one strand may have. */
    static final long MAX_STACK = 1L << 30;
    /** The most strands one run may spawn. */
    static final int MAX_STRANDS = 1_000_000;
    /** The largest instruction budget of a trace (each step is kept, with its registers). */
    static final long MAX_STEPS = 1_000_000;
    static final long PAGE = 4096;

    /** {@code --count × (--stack + guard page)} against the memory this machine has available. */
    static void strands(int count, long stack) {
        if (count < 1 || count > MAX_STRANDS) {
            throw new IllegalArgumentException("--count must be between 1 and " + MAX_STRANDS + ", got " + count);
        }
        if (stack < 4096 || stack > MAX_STACK) {
            throw new IllegalArgumentException("--stack must be between 4096 and " + MAX_STACK + " bytes (1 GiB), got " + stack);
        }
        long perStrand = Math.addExact((stack + PAGE - 1) & -PAGE, PAGE);   // no overflow: stack <= 1 GiB
        long total;
        try {
            total = Math.multiplyExact(perStrand, (long) count);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("--count " + count + " x --stack " + stack + " overflows");
        }
        long available = availableMemory();
        if (available > 0 && total > available / 2) {
            throw new IllegalArgumentException(String.format("--count %d x --stack %d needs %,d bytes of stacks (with guard pages);"
                    + " this machine has %,d bytes available, and at most half of it may go to strands", count, stack, total, available));
        }
    }

    /** MemAvailable from /proc/meminfo, or -1 when unknown. */
    static long availableMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no memory check beyond the fixed caps
        }
        return -1;
    }

    /**
     * A file's bytes, refusing more than {@link #MAX_INPUT}: regular files by their size first, and
     * anything else (a FIFO, /dev/zero) by reading at most one byte past the cap.
     */
    static byte[] readCapped(Path file, String what) throws IOException {
        if (Files.isRegularFile(file) && Files.size(file) > MAX_INPUT) {
            throw new IllegalArgumentException(what + " " + Common.display(file) + " is " + Files.size(file)
                    + " bytes; at most " + MAX_INPUT + " (16 MiB) are read");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes((int) MAX_INPUT + 1);
            if (b.length > MAX_INPUT) {
                throw new IllegalArgumentException(what + " " + Common.display(file) + " is larger than "
                        + MAX_INPUT + " bytes (16 MiB); refused");
            }
            return b;
        }
    }
}
