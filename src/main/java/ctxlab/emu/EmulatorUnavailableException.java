package ctxlab.emu;

/**
 * The Unicorn shared library ({@code libunicorn.so.2}) could not be loaded or lacks a symbol.
 * Thrown by every entry point of this package instead of an {@link ExceptionInInitializerError}.
 */
public final class EmulatorUnavailableException extends RuntimeException {

    static final String HINT = "Unicorn (libunicorn2) not found; run scripts/setup (or: apt-get install libunicorn2)";

    public EmulatorUnavailableException(String detail, Throwable cause) {
        super(detail == null || detail.isEmpty() ? HINT : HINT + ": " + detail, cause);
    }
}
