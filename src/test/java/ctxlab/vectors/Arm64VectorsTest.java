package ctxlab.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** testvectors-arm64/: every vector holds bit for bit in Unicorn, and a changed routine fails them by name. */
class Arm64VectorsTest {
    static final Path DIR = TestFiles.ROOT.resolve("testvectors-arm64");

    static Stream<Path> vectors() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    private static Assembly ours;

    static synchronized Assembly assemble(String file) {
        if (file.equals("asm/context_arm64.s")) {
            if (ours == null) ours = Arm64Assembler.assemble(SourceFile.read(TestFiles.ROOT.resolve(file)), 0x40_0000L);
            return ours;
        }
        return Arm64Assembler.assemble(SourceFile.read(TestFiles.ROOT.resolve(file)), 0x40_0000L);
    }

    static List<String> run(Path vector, Assembly a) {
        return Arm64Vector.read(vector).run(a.code(), a.address("cem_swapcontext"), a::describe);
    }

    @Test
    void atLeastTwentyVectorsIncludingFaults() throws IOException {
        List<Path> all = vectors().toList();
        assertTrue(all.size() >= 20, all.size() + " vectors");
        assertTrue(all.stream().filter(p -> Arm64Vector.read(p).expect().fault() != null).count() >= 4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void holdsForOurRoutine(Path vector) {
        assertEquals(List.of(), run(vector, assemble("asm/context_arm64.s")));
    }

    @Test
    void aChangedRoutineFailsByName() {
        Assembly x24 = assemble("asm/variants-arm64/broken-missing-restore-x24.s");
        List<String> d = run(DIR.resolve("values-alternating.json"), x24);
        assertTrue(d.stream().anyMatch(s -> s.startsWith("x24: expected 0xaaaaaaaaaaaaaaaa, got 0x5555555555555555")), d.toString());
        // Another correct routine with other scratch registers: the vectors pin every bit, x9/x10 included.
        List<String> scratch = run(DIR.resolve("fpcr-up-to-nearest.json"), assemble("asm/variants-arm64/ok-scratch-x16-x17.s"));
        assertTrue(scratch.stream().anyMatch(s -> s.startsWith("x9: expected")), scratch.toString());
        List<String> fault = run(DIR.resolve("fault-save-ends-before-sp.json"), assemble("asm/variants-arm64/ok-d-registers-first.s"));
        assertTrue(fault.stream().anyMatch(s -> s.startsWith("fault address: expected")), fault.toString());
        List<String> fpcr = run(DIR.resolve("fresh-context-from-round-down.json"), assemble("asm/variants-arm64/ok-no-fpcr-168-bytes.s"));
        assertTrue(fpcr.contains("fpcr: expected 0x0, got 0x800000"), fpcr.toString());
    }

    @Test
    void malformedVectorsNameTheFile(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"name\": \"x\", \"regions\": [], \"registers\": {\"q99\": \"0x1\"}, \"expect\": {\"stop\": \"0x0\", \"registers\": {}}}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Arm64Vector.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ": malformed vector: unknown register 'q99'"), e.getMessage());
    }
}
