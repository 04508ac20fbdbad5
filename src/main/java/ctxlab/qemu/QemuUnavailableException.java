package ctxlab.qemu;

/** A tool the qemu differential needs is not installed: the message names it and its Debian package. */
public final class QemuUnavailableException extends RuntimeException {
    public QemuUnavailableException(String message) {
        super(message);
    }
}
