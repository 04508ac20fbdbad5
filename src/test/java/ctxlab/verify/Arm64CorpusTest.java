package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * asm/variants-arm64/: each broken variant must be rejected for exactly the properties its
 * {@code // expect:} header names, each correct one must pass with exactly its {@code // findings:}.
 */
class Arm64CorpusTest {
    static final Path DIR = TestFiles.ROOT.resolve("asm/variants-arm64");
    static final long[] SEEDS = {1, 0x5eed};

    static Stream<Path> variants() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".s")).sorted().toList().stream();
        }
    }

    static Optional<String> header(String text, String key) {
        return text.lines().filter(l -> l.startsWith("// " + key + ":")).findFirst().map(l -> l.substring(key.length() + 4).strip());
    }

    @Test
    void theCorpusHasAtLeastTenBrokenVariantsCoveringEveryProperty() throws IOException {
        Set<String> covered = new TreeSet<>();
        int broken = 0;
        for (Path p : variants().toList()) {
            String e = header(Files.readString(p), "expect").orElseThrow(() -> new AssertionError(p + ": no // expect:"));
            if (!e.equals("pass")) {
                broken++;
                covered.addAll(Arrays.asList(e.split("\\s+")));
            }
        }
        assertTrue(broken >= 10, "only " + broken + " broken variants");
        assertEquals(Arrays.stream(Arm64Property.values()).map(Arm64Property::id).collect(Collectors.toCollection(TreeSet::new)),
                covered, "every property has a variant that violates it");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void rejectedForExactlyItsHeader(Path file) throws IOException {
        String text = Files.readString(file);
        String expect = header(text, "expect").orElseThrow();
        Set<String> want = expect.equals("pass") ? Set.of() : new TreeSet<>(Arrays.asList(expect.split("\\s+")));
        for (String id : want) assertTrue(Arm64Property.byId(id).isPresent(), file + ": unknown property " + id);
        Optional<Set<String>> findings = header(text, "findings").map(f -> f.equals("none") ? Set.of()
                : new TreeSet<>(Arrays.asList(f.split("\\s+"))));
        String name = TestFiles.ROOT.relativize(file).toString();
        Assembly a = Arm64Assembler.assemble(new SourceFile(name, text), Arm64Verifier.CODE_BASE);
        try (Arm64Verifier v = new Arm64Verifier(a, name, Arm64Verifier.DEFAULT_SYMBOL)) {
            for (long seed : SEEDS) {
                Arm64Report r = v.run(400, seed);
                Set<String> got = new TreeSet<>(Arm64Verifier.ids(r));
                assertEquals(want, got, () -> name + " seed " + seed + ": " + r.violations());
                if (findings.isPresent()) {
                    Set<String> warnings = r.findings().stream().filter(Finding::warning).map(Finding::id)
                            .collect(Collectors.toCollection(TreeSet::new));
                    assertEquals(findings.get(), warnings, name);
                }
                Arm64Report.Violation m = r.violation(Arm64Property.MEMORY);
                if (m != null) assertTrue(blamesBug(m.line(), text), name + ": memory blamed " + m.line());
                Arm64Report.Violation al = r.violation(Arm64Property.ALIGNMENT);
                if (al != null) assertTrue(blamesBug(al.line(), text), name + ": alignment blamed " + al.line());
            }
        }
    }

    /** Whether {@code file:line: text} names a source line marked BUG. */
    static boolean blamesBug(String line, String text) {
        if (line == null) return false;
        String[] parts = line.split(":", 3);
        int n = Integer.parseInt(parts[1]);
        return text.split("\n", -1)[n - 1].contains("BUG");
    }

    @Test
    void restoreViolationsBlameTheInstructionOrSayNoneWroteIt() throws IOException {
        Arm64Report.Violation clobber = restoreViolation("broken-fp-cleared-after-restore.s");
        assertTrue(blamesBug(clobber.line(), Files.readString(DIR.resolve("broken-fp-cleared-after-restore.s"))), clobber.line());
        assertTrue(clobber.detail().startsWith("x29 = 0x0 on arrival, but restore->x29 (0x50) = 0x"), clobber.detail());
        Arm64Report.Violation missing = restoreViolation("broken-missing-restore-x24.s");
        assertEquals(null, missing.line());
        assertTrue(missing.detail().endsWith("(no instruction wrote x24)"), missing.detail());
    }

    private static Arm64Report.Violation restoreViolation(String f) throws IOException {
        String text = Files.readString(DIR.resolve(f));
        Assembly a = Arm64Assembler.assemble(new SourceFile(f, text), Arm64Verifier.CODE_BASE);
        try (Arm64Verifier v = new Arm64Verifier(a, f, Arm64Verifier.DEFAULT_SYMBOL)) {
            Arm64Report.Violation r = v.run(200, 3).violation(Arm64Property.RESTORE);
            assertNotNull(r, f);
            return r;
        }
    }
}
