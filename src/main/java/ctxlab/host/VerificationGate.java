package ctxlab.host;

import ctxlab.asm.Assembly;
import ctxlab.selftest.Outcome;
import ctxlab.selftest.Selftest;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The only way to machine code that may run on the host CPU: the bytes must first pass emulated
 * verification in this process. {@link HostCode#load} takes a {@link Verified} token, and only
 * this class can make one.
 *
 * <p>What "verification" means is the list in {@link #standard()}. Today it is the six selftest
 * scenarios in Unicorn on the very same {@link Assembly} (same bytes, same base). When
 * {@code ctxlab verify} exists, add it there as another {@link Verifier}: every host path
 * (selftest --host, the scheduler, bench) then requires it too.
 */
public final class VerificationGate {

    /** One emulated check the bytes must pass before they may run natively. */
    public interface Verifier {
        String name();

        /** What failed, one line each; empty when the assembly passed. */
        List<String> verify(Assembly assembly);
    }

    /** The six selftest scenarios in Unicorn. */
    public static final class SelftestVerifier implements Verifier {
        @Override
        public String name() {
            return "selftest (6 scenarios in Unicorn)";
        }

        @Override
        public List<String> verify(Assembly assembly) {
            List<String> failures = new ArrayList<>();
            for (Outcome o : Selftest.runEmulated(assembly)) {
                for (String f : o.failures()) failures.add(o.name() + ": " + f);
            }
            return failures;
        }
    }

    /**
     * Proof that an assembly's bytes, at its base, passed every verifier of the gate in this
     * process. Instances exist only through {@link VerificationGate#check}.
     */
    public static final class Verified {
        private final String sha256;
        private final long base;
        private final int size;
        private final List<String> verifiers;

        private Verified(String sha256, long base, int size, List<String> verifiers) {
            this.sha256 = sha256;
            this.base = base;
            this.size = size;
            this.verifiers = List.copyOf(verifiers);
        }

        public String sha256() {
            return sha256;
        }

        public long base() {
            return base;
        }

        public List<String> verifiers() {
            return verifiers;
        }

        /** Whether this token covers exactly these bytes at exactly this base. */
        public boolean covers(Assembly assembly) {
            return assembly.base() == base && assembly.size() == size && VerificationGate.sha256(assembly.code()).equals(sha256);
        }

        @Override
        public String toString() {
            return String.format("Verified[%d bytes at 0x%x, sha256 %s, by %s]", size, base, sha256, verifiers);
        }
    }

    /** The assembly did not pass: nothing of it may run natively. */
    public static final class VerificationFailedException extends HostException {
        private final List<String> failures;

        VerificationFailedException(String verifier, List<String> failures) {
            super("refusing to run this code on the host: it failed emulated verification (" + verifier + "): "
                    + failures.get(0) + (failures.size() > 1 ? " (and " + (failures.size() - 1) + " more)" : ""));
            this.failures = List.copyOf(failures);
        }

        /** The refusal as the child reported it (its failures are in the message). */
        VerificationFailedException(String message) {
            super(message);
            this.failures = List.of(message);
        }

        public List<String> failures() {
            return failures;
        }
    }

    private static final VerificationGate STANDARD = new VerificationGate(List.of(new SelftestVerifier()));

    private final List<Verifier> verifiers;
    /** Tokens already issued in this process, by "sha256@base". */
    private final Map<String, Verified> issued = new ConcurrentHashMap<>();

    private VerificationGate(List<Verifier> verifiers) {
        this.verifiers = List.copyOf(verifiers);
    }

    /** The gate every host path goes through. Extend its verifier list here (e.g. with verify). */
    public static VerificationGate standard() {
        return STANDARD;
    }

    public List<String> verifierNames() {
        return verifiers.stream().map(Verifier::name).toList();
    }

    /**
     * Runs every verifier on the assembly (once per distinct bytes and base in this process).
     *
     * @throws VerificationFailedException at the first verifier that reports failures
     */
    public Verified check(Assembly assembly) {
        String hash = sha256(assembly.code());
        String key = hash + "@" + assembly.base();
        Verified done = issued.get(key);
        if (done != null) return done;
        for (Verifier v : verifiers) {
            List<String> failures = v.verify(assembly);
            if (!failures.isEmpty()) throw new VerificationFailedException(v.name(), failures);
        }
        Verified token = new Verified(hash, assembly.base(), assembly.size(), verifierNames());
        issued.put(key, token);
        return token;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
