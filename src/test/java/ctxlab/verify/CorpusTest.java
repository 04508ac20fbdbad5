package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.asm.Assembler;
import ctxlab.asm.SourceFile;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The verifier against asm/variants/: every broken variant is rejected for exactly the
 * properties its header names, every correct one passes (with exactly the findings it names).
 */
class CorpusTest {
    /** Two seeds, so that a header cannot be right by the luck of one set of states. */
    static final long[] SEEDS = {1, 0x5eed};

    static Report verify(Corpus c, int iterations, long seed) {
        var assembly = Assembler.assemble(new SourceFile("asm/variants/" + c.name(), c.text()), Verifier.CODE_BASE);
        try (Verifier v = new Verifier(assembly, "asm/variants/" + c.name(), Verifier.DEFAULT_SYMBOL)) {
            return v.run(iterations, seed);
        }
    }

    @Test
    void corpusIsBigEnoughAndCoversEveryProperty() {
        List<Corpus> all = Corpus.all();
        long broken = all.stream().filter(c -> !c.correct()).count();
        long correct = all.stream().filter(Corpus::correct).count();
        assertTrue(broken >= 15, "broken variants: " + broken);
        assertTrue(correct >= 5, "correct variants: " + correct);
        Set<Property> covered = EnumSet.noneOf(Property.class);
        all.forEach(c -> covered.addAll(c.expect()));
        assertEquals(EnumSet.allOf(Property.class), covered, "every property is the expected failure of some variant");
        // A variant that expects exactly one property shows that property can fail on its own.
        Set<Property> alone = all.stream().filter(c -> c.expect().size() == 1).flatMap(c -> c.expect().stream())
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Property.class)));
        assertTrue(alone.containsAll(EnumSet.of(Property.RESTORE, Property.MEMORY, Property.FLAGS, Property.TERMINATION)), alone.toString());
    }

    @Test
    void readmeListsEveryVariantWithItsHeader() throws Exception {
        String readme = java.nio.file.Files.readString(Corpus.DIR.resolve("README.md"));
        for (Corpus c : Corpus.all()) {
            String row = c.correct() ? "| `" + c.name() + "` |"
                    : "| `" + c.name() + "` | " + c.text().lines().filter(l -> l.startsWith("# expect:")).findFirst()
                    .orElseThrow().substring(9).strip() + " |";
            assertTrue(readme.contains(row), "README.md row for " + c.name() + ": " + row);
        }
    }

    @TestFactory
    Stream<DynamicTest> brokenVariantsAreRejectedForTheirProperty() {
        return Corpus.all().stream().filter(c -> !c.correct()).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            for (long seed : SEEDS) {
                Report r = verify(c, 400, seed);
                Set<Property> got = r.violations().stream().map(Violation::property)
                        .collect(Collectors.toCollection(() -> EnumSet.noneOf(Property.class)));
                assertEquals(c.expect(), got, c.name() + " seed " + seed + ": " + describe(r));
                assertTrue(!r.passed(false));
                for (Violation v : r.violations()) {
                    assertNotNull(v.detail(), v.toString());
                    assertTrue(v.counterexample().contains("seed " + seed + ", iteration " + v.iteration()), v.counterexample());
                    if (v.line() != null) {
                        assertTrue(v.line().startsWith("asm/variants/" + c.name() + ":"), v.line());
                    }
                }
                Violation memory = r.violation(Property.MEMORY);
                if (memory != null) {
                    assertNotNull(memory.line(), "a stray write always has an instruction: " + memory);
                    // The blamed instruction is the one the variant marks as the bug.
                    String text = memory.line().substring(memory.line().indexOf(": ") + 2);
                    assertTrue(c.text().lines().anyMatch(l -> l.contains(text) && l.contains("BUG")), memory.line());
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> correctVariantsPass() {
        return Corpus.all().stream().filter(Corpus::correct).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            for (long seed : SEEDS) {
                Report r = verify(c, 2000, seed);
                assertTrue(r.passed(false), c.name() + " seed " + seed + ": " + describe(r));
                c.findings().ifPresent(expected -> {
                    Set<String> warnings = r.findings().stream().filter(Finding::warning).map(Finding::id)
                            .collect(Collectors.toCollection(TreeSet::new));
                    assertEquals(expected, warnings, c.name());
                });
            }
        }));
    }

    static String describe(Report r) {
        return r.violations().stream().map(v -> v.property().id() + ": " + v.detail() + " @ " + v.line())
                .collect(Collectors.joining("\n", "\n", "\n"));
    }
}
