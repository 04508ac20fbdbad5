package ctxlab.disasm;

/** libcapstone cannot be loaded: a missing prerequisite (exit 2), never a crash. */
public final class DisassemblerUnavailableException extends DisasmException {
    public DisassemblerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
