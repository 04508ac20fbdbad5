package ctxlab.host;

import java.util.Locale;
import java.util.Optional;

/**
 * Host gating: real switches need an x86-64 CPU and the Linux System V ABI (and mmap, mprotect,
 * glibc's ucontext). Everything emulated works anywhere; host commands check here first.
 */
public final class Host {
    private Host() {}

    /** Why this host cannot run native switches, or empty when it can. */
    public static Optional<String> unsupported(String osName, String osArch) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        boolean linux = os.equals("linux");
        boolean x86_64 = arch.equals("amd64") || arch.equals("x86_64");
        if (linux && x86_64) return Optional.empty();
        return Optional.of("host execution needs x86-64 Linux; this is " + osName + " on " + osArch
                + " (the emulated commands work here: drop --host)");
    }

    /** Why this host cannot run native switches, or empty when it can. */
    public static Optional<String> unsupported() {
        return unsupported(System.getProperty("os.name"), System.getProperty("os.arch"));
    }

    /** @throws UnsupportedHostException unless this is x86-64 Linux */
    public static void require() {
        unsupported().ifPresent(m -> {
            throw new UnsupportedHostException(m);
        });
    }

    /** The host cannot run native code of this project. */
    public static final class UnsupportedHostException extends HostException {
        public UnsupportedHostException(String message) {
            super(message);
        }
    }
}
