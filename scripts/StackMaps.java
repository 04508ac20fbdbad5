import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Run by scripts/setup on the launcher's copy of a library jar (target/lib): rewrites every class
 * older than Java 6 (class-file version below 50) as a Java 8 class with stack-map frames.
 *
 * <p>Why: the JVM's AOT cache cannot hold such classes ("Old class has been linked", "Verified with
 * old verifier"), so picocli 4.7.7, which is compiled for Java 5, was loaded and verified from its
 * jar at every start (~160 classes, about 0.1 s of a cold {@code ctxlab verify}). The code is not
 * changed: the JDK's own class-file API copies every instruction and computes the frames. The jar in
 * Maven's repository is untouched; only target/lib's copy is rewritten, and on any failure that copy
 * stays as it was (the launcher is then only slower to start).
 *
 * <p>Usage: {@code java scripts/StackMaps.java JAR...}. Prints each jar it rewrote, with how many
 * classes; jars without such classes are left alone.
 */
public final class StackMaps {
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: java scripts/StackMaps.java JAR...");
            System.exit(2);
        }
        for (String a : args) {
            int n = rewrite(Path.of(a));
            if (n > 0) System.out.println(Path.of(a).getFileName() + ": " + n + " classes given stack-map frames");
        }
    }

    private static int rewrite(Path jar) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        Map<String, ZipEntry> meta = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                entries.put(e.getName(), z.getInputStream(e).readAllBytes());
                meta.put(e.getName(), e);
            }
        }
        // Frames need the class hierarchy: the jar's own classes, then the JDK's.
        ClassHierarchyResolver own = ClassHierarchyResolver.ofResourceParsing(desc -> {
            String d = desc.descriptorString();
            byte[] b = entries.get(d.substring(1, d.length() - 1) + ".class");
            return b == null ? null : new ByteArrayInputStream(b);
        });
        ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                ClassFile.ClassHierarchyResolverOption.of(own.orElse(ClassHierarchyResolver.defaultResolver())));
        // Passing the method bodies through a code transform makes the class-file API rebuild each
        // Code attribute (and so its frames) instead of copying it as it was.
        ClassTransform rewrite = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                .andThen(ClassTransform.endHandler(b -> b.withVersion(ClassFile.JAVA_8_VERSION, 0)));
        int rewritten = 0;
        Path tmp = Files.createTempFile(jar.toAbsolutePath().getParent(), ".stackmaps", ".jar");
        try {
            try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(tmp))) {
                for (var e : entries.entrySet()) {
                    byte[] bytes = e.getValue();
                    if (e.getKey().endsWith(".class") && !e.getKey().endsWith("module-info.class")) {
                        ClassModel m = cf.parse(bytes);
                        if (m.majorVersion() < ClassFile.JAVA_6_VERSION) {
                            bytes = cf.transformClass(m, rewrite);
                            rewritten++;
                        }
                    }
                    ZipEntry copy = new ZipEntry(e.getKey());
                    copy.setTime(meta.get(e.getKey()).getTime());
                    out.putNextEntry(copy);
                    out.write(bytes);
                    out.closeEntry();
                }
            }
            if (rewritten > 0) Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return rewritten;
    }
}
