package ctxlab.qemu;

/** The qemu differential could not be set up (the routine does not assemble with GNU as, a tool failed). */
public final class QemuException extends RuntimeException {
    public QemuException(String message) {
        super(message);
    }
}
