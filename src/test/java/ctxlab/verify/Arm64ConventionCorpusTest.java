package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * asm/conventions-arm64/: our own routines in each arm64 convention other than Cem's, each verified
 * under the convention its header names: a broken one is rejected for exactly the properties of its
 * {@code // expect:} line (a stray write or misalignment blamed on the line marked BUG), a correct
 * one passes, for two seeds and on one and on three threads.
 */
class Arm64ConventionCorpusTest {
    static final Path DIR = TestFiles.ROOT.resolve("asm/conventions-arm64");
    static final long[] SEEDS = {1, 0x5eed};

    record Routine(Path file, String text, Map<String, String> header) {
        String name() {
            return TestFiles.ROOT.relativize(file).toString();
        }

        Set<String> expect() {
            String e = header.get("expect");
            return e.equals("pass") ? Set.of() : new TreeSet<>(Arrays.asList(e.split("\\s+")));
        }
    }

    static List<Routine> all() {
        try (Stream<Path> s = Files.walk(DIR)) {
            return s.filter(p -> p.toString().endsWith(".s")).sorted().map(Arm64ConventionCorpusTest::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Routine read(Path p) {
        try {
            String text = Files.readString(p);
            Map<String, String> h = new TreeMap<>();
            text.lines().filter(l -> l.matches("// [a-z]+: .*")).forEach(l -> h.putIfAbsent(l.substring(3, l.indexOf(':')),
                    l.substring(l.indexOf(':') + 1).strip()));
            return new Routine(p, text, h);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Arm64Report verify(Routine r, long seed, int threads) {
        Convention c = Conventions.byName(r.header().get("convention")).orElseThrow();
        Assembly a = Arm64Assembler.assemble(new SourceFile(r.name(), r.text()), Arm64Verifier.CODE_BASE);
        try (Arm64Verifier v = new Arm64Verifier(c, a, r.name(), r.header().get("symbol"), null)) {
            return v.run(400, seed, threads);
        }
    }

    @Test
    void eachConventionHasTwoCorrectAndEightBrokenRoutinesCoveringItsProperties() {
        Map<String, List<Routine>> by = new TreeMap<>();
        for (Routine r : all()) by.computeIfAbsent(r.header().get("convention"), k -> new java.util.ArrayList<>()).add(r);
        assertTrue(by.containsKey("boost-fcontext-arm64"), by.keySet().toString());
        for (var e : by.entrySet()) {
            long ok = e.getValue().stream().filter(r -> r.expect().isEmpty()).count();
            assertTrue(ok >= 2, e.getKey() + ": " + ok + " correct routines");
            assertTrue(e.getValue().size() - ok >= 8, e.getKey() + ": " + (e.getValue().size() - ok) + " broken routines");
            Set<String> covered = new TreeSet<>();
            e.getValue().forEach(r -> covered.addAll(r.expect()));
            Set<String> all = new TreeSet<>(Arrays.stream(Arm64Property.values()).map(Arm64Property::id).toList());
            all.remove("dregs");   // Boost's d registers: covered by save/roundtrip variants instead
            assertTrue(covered.containsAll(all), e.getKey() + " covers " + covered);
        }
    }

    @TestFactory
    Stream<DynamicTest> rejectedForExactlyItsHeader() {
        return all().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            for (String id : r.expect()) assertTrue(Arm64Property.byId(id).isPresent(), r.name() + ": unknown property " + id);
            for (long seed : SEEDS) {
                Arm64Report rep = verify(r, seed, 1);
                assertEquals(r.expect(), new TreeSet<>(Arm64Verifier.ids(rep)), () -> r.name() + " seed " + seed + ": " + rep.violations());
                for (Arm64Property p : List.of(Arm64Property.MEMORY, Arm64Property.ALIGNMENT)) {
                    Arm64Report.Violation v = rep.violation(p);
                    if (v != null) assertTrue(Arm64CorpusTest.blamesBug(v.line(), r.text()), r.name() + ": " + p.id() + " blamed " + v.line());
                }
            }
        }));
    }

    @Test
    void theReportIsTheSameOnThreeThreads() {
        for (String f : List.of("boost-fcontext/broken-x21-not-restored.s", "boost-fcontext/broken-make-unaligned-top.s",
                "boost-fcontext/ok-jump-fcontext.s")) {
            Routine r = read(DIR.resolve(f));
            Arm64Report one = verify(r, 7, 1), three = verify(r, 7, 3);
            assertEquals(one.violations(), three.violations(), f);
            assertEquals(one.evaluations(), three.evaluations(), f);
            assertEquals(one.freshContexts(), three.freshContexts(), f);
            assertEquals(one.switches(), three.switches(), f);
        }
    }
}
