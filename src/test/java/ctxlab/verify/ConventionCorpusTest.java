package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.Assembler;
import ctxlab.asm.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The convention verifier against asm/conventions/: every routine is verified under the convention
 * its header names; a broken one is rejected for exactly the properties of its {@code # expect:}
 * line (with the line marked BUG blamed for a stray write), a correct one passes.
 */
class ConventionCorpusTest {
    static final Path DIR = TestFiles.ROOT.resolve("asm/conventions");
    static final long[] SEEDS = {1, 0x5eed};

    record Routine(Path file, String text, String convention, String symbol, Set<Property> expect) {
        String name() {
            return DIR.relativize(file).toString();
        }
    }

    static List<Routine> all() {
        try (Stream<Path> s = Files.walk(DIR)) {
            return s.filter(p -> p.toString().endsWith(".s")).sorted().map(ConventionCorpusTest::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Routine read(Path p) {
        try {
            String text = Files.readString(p);
            Map<String, String> h = new TreeMap<>();
            text.lines().filter(l -> l.matches("# [a-z]+: .*")).forEach(l -> h.putIfAbsent(l.substring(2, l.indexOf(':')), l.substring(l.indexOf(':') + 1).strip()));
            Set<Property> expect = EnumSet.noneOf(Property.class);
            if (!h.get("expect").equals("pass")) {
                for (String id : h.get("expect").split("\\s+")) expect.add(Property.byId(id).orElseThrow());
            }
            return new Routine(p, text, h.get("convention"), h.get("symbol"), expect);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Report verify(Routine r, int iterations, long seed) {
        Convention c = Conventions.byName(r.convention()).orElseThrow();
        var assembly = Assembler.assemble(new SourceFile("asm/conventions/" + r.name(), r.text()), ConventionVerifier.CODE_BASE);
        try (ConventionVerifier v = new ConventionVerifier(c, assembly, "asm/conventions/" + r.name(), r.symbol(), null)) {
            return v.run(iterations, seed);
        }
    }

    @Test
    void everyNonCemConventionHasTwoCorrectAndFiveBrokenRoutines() {
        Map<String, List<Routine>> by = all().stream().collect(Collectors.groupingBy(Routine::convention));
        for (String name : List.of("boost-fcontext", "libaco", "minicoro", "libco")) {
            List<Routine> rs = by.get(name);
            assertNotNull(rs, name);
            assertTrue(rs.stream().filter(r -> r.expect().isEmpty()).count() >= 2, name);
            assertTrue(rs.stream().filter(r -> !r.expect().isEmpty()).count() >= 5, name);
        }
    }

    @TestFactory
    Stream<DynamicTest> eachRoutineGetsExactlyItsExpectedVerdict() {
        return all().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            for (long seed : SEEDS) {
                Report rep = verify(r, r.expect().isEmpty() ? 1200 : 400, seed);
                Set<Property> got = rep.violations().stream().map(Violation::property)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Property.class)));
                assertEquals(r.expect(), got, r.name() + " seed " + seed + ": " + CorpusTest.describe(rep));
                for (Violation v : rep.violations()) {
                    assertTrue(v.counterexample().contains("seed " + seed + ", iteration " + v.iteration()), v.counterexample());
                    if (v.line() != null) assertTrue(v.line().startsWith("asm/conventions/" + r.name() + ":"), v.line());
                }
                Violation memory = rep.violation(Property.MEMORY);
                if (memory != null) {
                    assertNotNull(memory.line(), memory.toString());
                    String text = memory.line().substring(memory.line().indexOf(": ") + 2);
                    assertTrue(r.text().lines().anyMatch(l -> l.contains(text) && l.contains("BUG")), memory.line());
                }
            }
        }));
    }

    @Test
    void theReportIsTheSameWhateverTheThreadCount() {
        for (String name : List.of("libco/broken-rdx-not-restored.s", "boost-fcontext/broken-guard-in-caller-frame.s", "minicoro/ok-mco-switch.s")) {
            Routine r = read(DIR.resolve(name));
            Convention c = Conventions.byName(r.convention()).orElseThrow();
            var assembly = Assembler.assemble(new SourceFile(name, r.text()), ConventionVerifier.CODE_BASE);
            try (ConventionVerifier v = new ConventionVerifier(c, assembly, name, r.symbol(), null)) {
                Report one = v.run(300, 9, 1), three = v.run(300, 9, 3);
                assertEquals(one.violations(), three.violations(), name);
                assertEquals(one.evaluations(), three.evaluations(), name);
                assertEquals(one.switches(), three.switches(), name);
            }
        }
    }

    /**
     * The fast machine's write hook skips writes wholly inside a switch's allowed ranges: one that
     * starts inside Boost's frame and ends past it (into the caller's frame, rewriting the bytes it
     * read, so nothing else breaks) must still be a memory violation blamed on its line; a store in
     * the red zone below the frame is allowed and, though skipped, leaves the next state as it was.
     */
    @Test
    void aStoreThatOnlyStartsInsideTheFrameIsStillAStrayWrite() {
        Routine ok = read(DIR.resolve("boost-fcontext/ok-jump-fcontext.s"));
        String anchor = "        movq    %rsp, %rax              # transfer_t.fctx";
        assertTrue(ok.text().contains(anchor));
        String straddles = ok.text().replaceFirst(java.util.regex.Pattern.quote(anchor),
                "        movq    0x44(%rsp), %r8\n        movq    %r8, 0x44(%rsp)\n" + anchor);
        String redZone = ok.text().replaceFirst(java.util.regex.Pattern.quote(anchor),
                "        movq    %r12, -0x30(%rsp)\n" + anchor);
        Report bad = verify(new Routine(ok.file(), straddles, ok.convention(), ok.symbol(), Set.of()), 200, 3);
        assertEquals(Set.of(Property.MEMORY), bad.violations().stream().map(Violation::property).collect(Collectors.toSet()),
                CorpusTest.describe(bad));
        Violation memory = bad.violation(Property.MEMORY);
        assertTrue(memory.detail().startsWith("wrote 8 bytes at "), memory.detail());
        assertNotNull(memory.line(), memory.toString());
        assertTrue(memory.line().endsWith("movq    %r8, 0x44(%rsp)"), memory.line());
        Report fine = verify(new Routine(ok.file(), redZone, ok.convention(), ok.symbol(), Set.of()), 1200, 3);
        assertTrue(fine.violations().isEmpty(), CorpusTest.describe(fine));
    }
}
