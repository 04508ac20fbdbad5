package ctxlab.asm;

/**
 * A failure reported by (or inside) the Keystone assembler.
 *
 * <ul>
 *   <li>Assembly errors: {@link #errno()} is Keystone's {@code ks_err} (e.g. 514 = KS_ERR_ASM_MNEMONICFAIL),
 *       {@link #keystoneMessage()} is {@code ks_strerror(errno)}. Keystone reports no line number.</li>
 *   <li>Crashes (a trap inside the WebAssembly module): {@link #crashed()} is true and errno is -1;
 *       the {@link Keystone} instance is unusable afterwards.</li>
 *   <li>Setup problems (the compiled module is missing): errno is -1, crashed is false.</li>
 * </ul>
 * {@link #stderr()} is whatever Keystone/LLVM wrote to stdout/stderr during the failing call (often empty).
 */
public class KeystoneException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String keystoneMessage;
    private final String stderr;
    private final boolean crashed;

    public KeystoneException(String message, int errno, String keystoneMessage, String stderr,
                             boolean crashed, Throwable cause) {
        super(message, cause);
        this.errno = errno;
        this.keystoneMessage = keystoneMessage == null ? "" : keystoneMessage;
        this.stderr = stderr == null ? "" : stderr;
        this.crashed = crashed;
    }

    /** An error Keystone returned normally (ks_asm/ks_open returned an error code). */
    public KeystoneException(int errno, String keystoneMessage, String stderr) {
        this(describe(errno, keystoneMessage, stderr), errno, keystoneMessage, stderr, false, null);
    }

    private static String describe(int errno, String keystoneMessage, String stderr) {
        String s = "Keystone error " + errno + ": " + keystoneMessage;
        return stderr == null || stderr.isBlank() ? s : s + " [stderr: " + stderr.strip() + "]";
    }

    /** Keystone's ks_err code; -1 for crashes and setup problems. */
    public int errno() {
        return errno;
    }

    /** ks_strerror(errno), or a description of the crash/setup problem. */
    public String keystoneMessage() {
        return keystoneMessage;
    }

    /** Text written to fd 1/2 by the engine during the failing call; empty if none. */
    public String stderr() {
        return stderr;
    }

    /** True if the WebAssembly module trapped (the instance is then broken). */
    public boolean crashed() {
        return crashed;
    }
}
