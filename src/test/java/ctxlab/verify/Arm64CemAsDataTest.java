package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ctxlab.TestFiles;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AArch64 variants (asm/variants-arm64) under Cem's AArch64 convention as data: cem-arm64.json,
 * copied to a user's folder under another name and read from there, gives every variant exactly
 * the verdict its header names, which is Arm64Verifier's default verdict (same failing properties).
 */
class Arm64CemAsDataTest {
    @TempDir
    static Path dir;

    static Convention userCopy() throws Exception {
        Path copy = dir.resolve("my-cem-arm64.json");
        if (!Files.exists(copy)) {
            try (InputStream in = Arm64CemAsDataTest.class.getClassLoader().getResourceAsStream("ctxlab/conventions/cem-arm64.json")) {
                Files.writeString(copy, new String(in.readAllBytes()).replace("\"name\": \"cem-arm64\"", "\"name\": \"my-cem-arm64\""));
            }
        }
        return Conventions.resolve(copy.toString());
    }

    @TestFactory
    Stream<DynamicTest> everyVariantGetsTheSameVerdict() throws Exception {
        return Arm64CorpusTest.variants().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            String text = Files.readString(p);
            String expect = Arm64CorpusTest.header(text, "expect").orElseThrow();
            Set<String> want = expect.equals("pass") ? Set.of() : new TreeSet<>(Arrays.asList(expect.split("\\s+")));
            String name = TestFiles.ROOT.relativize(p).toString();
            Assembly a = Arm64Assembler.assemble(new SourceFile(name, text), Arm64Verifier.CODE_BASE);
            Convention mine = userCopy();
            assertEquals("my-cem-arm64", mine.name());
            Arm64Report dflt, data;
            try (Arm64Verifier v = new Arm64Verifier(a, name, Arm64Verifier.DEFAULT_SYMBOL)) {
                dflt = v.run(400, 11);
            }
            try (Arm64Verifier v = new Arm64Verifier(mine, a, name, Arm64Verifier.DEFAULT_SYMBOL, null)) {
                data = v.run(400, 11);
            }
            assertEquals(want, new TreeSet<>(Arm64Verifier.ids(dflt)), name + ": " + dflt.violations());
            assertEquals(Arm64Verifier.ids(dflt), Arm64Verifier.ids(data), name);
            assertEquals(dflt.findings().stream().map(Finding::id).toList(), data.findings().stream().map(Finding::id).toList(), name);
        }));
    }
}
