package ctxlab.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/StackMaps.java, which setup runs on target/lib so that the AOT cache can hold picocli:
 * on a copy of the real picocli jar, every class comes out at version 52 with frames, and the
 * rewritten picocli still parses a command line with the JVM's verifier on.
 */
class StackMapsTest {
    @Test
    void picocliComesOutArchivableAndStillWorks(@TempDir Path dir) throws Exception {
        Path original = Path.of(picocli.CommandLine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path jar = dir.resolve("picocli.jar");
        Files.copy(original, jar);
        int oldBefore = countOld(jar);
        assertTrue(oldBefore > 100, "picocli 4.7 is compiled for Java 5: " + oldBefore + " old classes");

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Path.of("scripts/StackMaps.java").toAbsolutePath().toString(), jar.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "StackMaps ran too long");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("picocli.jar: " + oldBefore + " classes given stack-map frames"), out);

        assertEquals(0, countOld(jar), "every class at version 50 or later");
        int withFrames = 0;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (var e : Collections.list(z.entries())) {
                if (!e.getName().endsWith(".class")) continue;
                ClassModel m = ClassFile.of().parse(z.getInputStream(e).readAllBytes());
                for (MethodModel mm : m.methods()) {
                    var code = mm.findAttribute(Attributes.code());
                    if (code.isPresent() && code.get().findAttribute(Attributes.stackMapTable()).isPresent()) withFrames++;
                }
            }
        }
        assertTrue(withFrames > 500, "methods with a StackMapTable: " + withFrames);

        // ctxlab's own CLI on the rewritten jar, the verifier on for every class: picocli builds the
        // verify command's model from its annotations and prints its help.
        String cp = System.getProperty("java.class.path").replace(original.toString(), jar.toString());
        assertTrue(cp.contains(jar.toString()), cp);
        Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xverify:all", "-Xlog:class+load=info", "-cp", cp, "ctxlab.cli.Main", "verify", "--help")
                .redirectErrorStream(true).start();
        String help = new String(cli.getInputStream().readAllBytes());
        assertTrue(cli.waitFor(120, TimeUnit.SECONDS), "the CLI ran too long");
        assertEquals(0, cli.exitValue(), help);
        assertTrue(help.contains("picocli.CommandLine source: " + jar.toUri().toString().replace("file:///", "file:/")), "picocli from the rewritten jar");
        assertTrue(help.contains("Usage: ctxlab verify"), help.lines().filter(l -> !l.startsWith("[")).toList().toString());
    }

    private static int countOld(Path jar) throws Exception {
        int n = 0;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (var e : Collections.list(z.entries())) {
                if (!e.getName().endsWith(".class") || e.getName().endsWith("module-info.class")) continue;
                if (ClassFile.of().parse(z.getInputStream(e).readAllBytes()).majorVersion() < ClassFile.JAVA_6_VERSION) n++;
            }
        }
        return n;
    }
}
