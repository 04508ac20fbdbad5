package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ctxlab.TestFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** scripts/lib.sh's helpers, as the launcher calls them: run by bash, not imitated in Java. */
class LauncherScriptTest {

    private static String bash(Path cwd, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return out + " rc=" + p.waitFor();
    }

    private static String longVerify(String... args) throws Exception {
        return bash(TestFiles.ROOT, ". scripts/lib.sh; long_verify \"$@\" && echo long || echo short", args);
    }

    /** The full JIT for verify runs of 500,000 checks and more, in either spelling of the option; nothing else. */
    @Test
    void longVerifyRunsAreRecognised() throws Exception {
        assertEquals("long rc=0", longVerify("verify", "--iterations", "500000"));
        assertEquals("long rc=0", longVerify("verify", "asm/context_x86_64.s", "--iterations=1000000", "--json"));
        assertEquals("short rc=0", longVerify("verify", "--iterations", "499999"));
        assertEquals("short rc=0", longVerify("verify"));
        assertEquals("short rc=0", longVerify("selftest", "--iterations", "900000"));
        assertEquals("short rc=0", longVerify("verify", "--iterations", "lots"));
        assertEquals("short rc=0", longVerify("verify", "--iterations", "99999999999"), "too many digits: picocli refuses it");
        assertEquals("short rc=0", longVerify("verify", "--iterations"));
    }

    /** A mistyped CTXLAB_JIT is refused before anything is built or started. */
    @Test
    void anUnknownJitChoiceIsRefused() throws Exception {
        assertEquals("ctxlab: CTXLAB_JIT must be c1, full or unset (got 'c2') rc=2",
                bash(TestFiles.ROOT, "CTXLAB_JIT=c2 ./ctxlab --version"));
    }

    /** Started as {@code bash ctxlab} from the checkout (no slash in its path), it still finds lib.sh. */
    @Test
    void startsByBareName() throws Exception {
        assertEquals("ctxlab: CTXLAB_JIT must be c1, full or unset (got 'x') rc=2",
                bash(TestFiles.ROOT, "CTXLAB_JIT=x bash ctxlab --version"));
    }

    /** Sourced from elsewhere, lib.sh finds the checkout and leaves the caller where it was. */
    @Test
    void libFindsTheCheckoutWithoutMovingTheCaller(@TempDir Path elsewhere) throws Exception {
        String out = bash(elsewhere, ". \"$1/scripts/lib.sh\"; echo \"$ctxlab_root\"; pwd", TestFiles.ROOT.toString());
        assertEquals(TestFiles.ROOT.toRealPath() + "\n" + elsewhere.toRealPath() + " rc=0",
                out.replace(TestFiles.ROOT.toString(), TestFiles.ROOT.toRealPath().toString()));
    }

    /** The JDK's feature release comes from its release file, without starting it. */
    @Test
    void javaMajorReadsTheReleaseFile(@TempDir Path jdk) throws Exception {
        Files.createDirectories(jdk.resolve("bin"));
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"25.0.3\"\nOS_NAME=\"Linux\"\n");
        assertEquals("25 rc=0", bash(TestFiles.ROOT, ". scripts/lib.sh; java_major \"$1/bin/java\"", jdk.toString()));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.9\"");   // no newline at the end
        assertEquals("17 rc=0", bash(TestFiles.ROOT, ". scripts/lib.sh; java_major \"$1/bin/java\"", jdk.toString()));
    }
    /**
     * The launcher's staleness check: a source or pom.xml newer than the build stamp, however deep,
     * and a file added or removed (its directory changes), counts; anything else does not.
     */
    @Test
    void sourcesNewerThanTheStamp(@TempDir Path tree) throws Exception {
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L);
        java.nio.file.attribute.FileTime stampTime = java.nio.file.attribute.FileTime.fromMillis(1_000_000_100_000L);
        java.nio.file.attribute.FileTime later = java.nio.file.attribute.FileTime.fromMillis(1_000_000_200_000L);
        Path deep = tree.resolve("src/main/java/ctxlab/x/Deep.java");
        Files.createDirectories(deep.getParent());
        Files.writeString(deep, "class Deep {}");
        Files.writeString(tree.resolve("pom.xml"), "<project/>");
        Files.createDirectories(tree.resolve("src/test"));
        Path testFile = Files.writeString(tree.resolve("src/test/T.java"), "class T {}");
        Path stamp = Files.writeString(tree.resolve("stamp"), "");
        String check = ". \"$1/scripts/lib.sh\"; cd \"$2\"; sources_newer stamp && echo newer || echo same";
        Runnable allOld = () -> {
            try (var paths = Files.walk(tree)) {
                for (Path q : paths.toList()) Files.setLastModifiedTime(q, old);
                Files.setLastModifiedTime(stamp, stampTime);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        allOld.run();
        assertEquals("same rc=0", bash(tree, check, TestFiles.ROOT.toString(), tree.toString()));
        Files.setLastModifiedTime(testFile, later);   // tests are not what the launcher builds
        assertEquals("same rc=0", bash(tree, check, TestFiles.ROOT.toString(), tree.toString()));
        Files.setLastModifiedTime(deep, later);
        assertEquals("newer rc=0", bash(tree, check, TestFiles.ROOT.toString(), tree.toString()));
        allOld.run();
        Files.setLastModifiedTime(tree.resolve("pom.xml"), later);
        assertEquals("newer rc=0", bash(tree, check, TestFiles.ROOT.toString(), tree.toString()));
        allOld.run();
        Files.delete(deep);   // a removed source changes its directory
        Files.setLastModifiedTime(deep.getParent(), later);
        assertEquals("newer rc=0", bash(tree, check, TestFiles.ROOT.toString(), tree.toString()));
    }
}
