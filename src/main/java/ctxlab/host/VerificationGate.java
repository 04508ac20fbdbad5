package ctxlab.host;

import ctxlab.asm.Assembly;
import ctxlab.selftest.Outcome;
import ctxlab.selftest.Selftest;
import ctxlab.verify.Report;
import ctxlab.verify.Violation;
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
 * <p>What "verification" means is the list in {@link #standard()}: {@code ctxlab verify}'s seven
 * properties on the switch routine's bytes, then the six selftest scenarios in Unicorn on the very
 * same {@link Assembly} (same bytes, same base). Every host path (selftest --host, vectors --host,
 * the scheduler, bench) goes through it.
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
     * {@code ctxlab verify} on the switch routine: its bytes, exactly as they will run, are placed at
     * the verifier's own base (the host's base is wherever the kernel put the code). That is the
     * same program only if the routine does not depend on where it sits; if it does, it jumps or
     * reads outside what the verifier mapped, faults, and is refused — never passed by mistake.
     */
    public static final class VerifyVerifier implements Verifier {
        /** Fewer states than the CLI's 2000: the gate runs before every host command. Fixed seed: the same answer every time. */
        static final int ITERATIONS = 500;
        static final long SEED = 0x5eed_ca11L;

        @Override
        public String name() {
            return "verify (" + ITERATIONS + " random states, seed 0x" + Long.toHexString(SEED) + ")";
        }

        @Override
        public List<String> verify(Assembly assembly) {
            long[] extent = assembly.extent(Selftest.SWITCH);
            byte[] routine = assembly.bytesOf(Selftest.SWITCH);
            List<Assembly.Line> lines = assembly.linesOf(Selftest.SWITCH).stream()
                    .map(l -> new Assembly.Line(l.offset() - extent[0], l.length(), l.where(), l.text(), l.instruction()))
                    .toList();
            Assembly alone = new Assembly(routine, ctxlab.verify.Verifier.CODE_BASE,
                    Map.of(Selftest.SWITCH, new Assembly.Symbol(Selftest.SWITCH, 0, true, routine.length)), lines);
            String file = lines.isEmpty() ? Selftest.SWITCH : lines.get(0).where().file();
            try (ctxlab.verify.Verifier v = new ctxlab.verify.Verifier(alone, file, Selftest.SWITCH)) {
                Report r = v.run(ITERATIONS, SEED);
                List<String> failures = new ArrayList<>();
                for (Violation x : r.violations()) {
                    failures.add(x.property().name().toLowerCase(java.util.Locale.ROOT) + ": " + x.detail()
                            + (x.line() == null || x.line().isEmpty() ? "" : " (" + x.line() + ")"));
                }
                return failures;
            }
        }
    }

    /**
     * {@code ctxlab verify --convention C} on a routine of another convention: the whole unit's
     * bytes, exactly as they will run, placed at the verifier's base (the routine's file comes
     * first in the unit, so its own makers and labels are where they are in the host code). As
     * for {@link VerifyVerifier}, code that depends on where it sits faults there and is refused.
     */
    public static final class ConventionVerifyVerifier implements Verifier {
        private final ctxlab.abi.Convention convention;
        private final String symbol;

        public ConventionVerifyVerifier(ctxlab.abi.Convention convention, String symbol) {
            this.convention = convention;
            this.symbol = symbol;
        }

        @Override
        public String name() {
            return "verify --convention " + convention.name() + " --symbol " + symbol + " (" + VerifyVerifier.ITERATIONS + " random states, seed 0x"
                    + Long.toHexString(VerifyVerifier.SEED) + ")";
        }

        @Override
        public List<String> verify(Assembly assembly) {
            Assembly at = new Assembly(assembly.code(), ctxlab.verify.ConventionVerifier.CODE_BASE, assembly.symbols(), assembly.lines());
            String file = assembly.linesOf(symbol).isEmpty() ? symbol : assembly.linesOf(symbol).get(0).where().file();
            try (ctxlab.verify.ConventionVerifier v = new ctxlab.verify.ConventionVerifier(convention, at, file, symbol, null)) {
                Report r = v.run(VerifyVerifier.ITERATIONS, VerifyVerifier.SEED);
                List<String> failures = new ArrayList<>();
                for (Violation x : r.violations()) {
                    failures.add(x.property().name().toLowerCase(java.util.Locale.ROOT) + ": " + x.detail()
                            + (x.line() == null || x.line().isEmpty() ? "" : " (" + x.line() + ")"));
                }
                return failures;
            }
        }
    }

    /** The gate for a routine of another convention than Cem's: verify under that convention. */
    public static VerificationGate forConvention(ctxlab.abi.Convention convention, String symbol) {
        return CONVENTION_GATES.computeIfAbsent(convention.name() + ":" + symbol,
                k -> new VerificationGate(List.of(new ConventionVerifyVerifier(convention, symbol))));
    }

    private static final Map<String, VerificationGate> CONVENTION_GATES = new ConcurrentHashMap<>();

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

    private static final VerificationGate STANDARD = new VerificationGate(List.of(new VerifyVerifier(), new SelftestVerifier()));

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
