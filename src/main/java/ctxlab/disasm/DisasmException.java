package ctxlab.disasm;

/** Capstone refused something (cs_open, cs_option); the message carries cs_strerror's words. */
public class DisasmException extends RuntimeException {
    public DisasmException(String message) {
        super(message);
    }

    public DisasmException(String message, Throwable cause) {
        super(message, cause);
    }
}
