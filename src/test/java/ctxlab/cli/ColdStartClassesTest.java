package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a cold {@code verify} must not start: the JDK classes whose static initialisers cost a
 * cold JVM 15-70 ms each and that nothing in a verify needs (docs/performance.md, fifth pass). Run
 * in a child JVM with the class-initialisation log, on an assembly-cache hit as the launcher's
 * repeat runs are. A change that brings one back (Jackson's parser for cem.json, a SHA-256 cache
 * key, picocli's java.time converters) fails here and says which class it was.
 */
class ColdStartClassesTest {
    private static final List<String> NOT_IN_A_COLD_VERIFY = List.of(
            "java/math/BigDecimal",          // Jackson's parser base class holds BigDecimal constants
            "java/security/MessageDigest",   // starts the JDK's security providers
            "java/time/YearMonth",           // picocli's reflective java.time converters
            "java/time/OffsetDateTime");

    private static String run(Path cache, Path log, String... args) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Xlog:class+init=info:file=" + log, "-cp", System.getProperty("java.class.path"), "ctxlab.cli.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(TestFiles.ROOT.toFile()).redirectErrorStream(true);
        pb.environment().put("XDG_CACHE_HOME", cache.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /** The command's class-initialisation log on its second run, an assembly-cache hit; its output must contain {@code done}. */
    private static String secondRunLog(Path tmp, String done, String... args) throws Exception {
        run(tmp.resolve("cache"), tmp.resolve("first.log"), args);   // fills the assembly cache
        String out = run(tmp.resolve("cache"), tmp.resolve("second.log"), args);
        assertTrue(out.contains(done), out);
        return Files.readString(tmp.resolve("second.log"));
    }

    private static void noneInitialised(String log, String witness, List<String> classes, String what) {
        assertTrue(log.contains("Initializing '" + witness + "'"), "the log is the class-initialisation log");
        for (String c : classes) {
            assertTrue(!log.contains("Initializing '" + c + "'"), c + " was initialised by " + what);
        }
    }

    /** Test vectors are read by the same reader: no ObjectMapper (~55 ms) and no BigDecimal for them either. */
    @Test
    void vectorsOnACacheHitMakeNoObjectMapper(@TempDir Path tmp) throws Exception {
        String log = secondRunLog(tmp, "passed", "vectors", "testvectors/mxcsr");
        noneInitialised(log, "ctxlab/vectors/VectorParser",
                List.of("com/fasterxml/jackson/databind/ObjectMapper", "java/math/BigDecimal", "java/time/YearMonth"), "a cold vectors run");
    }

    @Test
    void aVerifyOnACacheHitInitialisesNoneOfTheExpensiveClasses(@TempDir Path tmp) throws Exception {
        String log = secondRunLog(tmp, "verdict: PASS", "verify", "asm/context_x86_64.s", "--iterations", "50", "--seed", "1");
        noneInitialised(log, "ctxlab/verify/Verifier", NOT_IN_A_COLD_VERIFY, "a cold verify");
    }
}
