package ctxlab.host;

/** Something on the host side went wrong (a syscall, an unsupported host, refused code): one line for the user. */
public class HostException extends RuntimeException {
    public HostException(String message) {
        super(message);
    }

    public HostException(String message, Throwable cause) {
        super(message, cause);
    }
}
