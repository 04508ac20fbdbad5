package ctxlab.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.TestFiles;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.emu.Reg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The vectors of the non-Cem conventions (testvectors/&lt;convention&gt;/): enough of them, each of its
 * folder's convention, every expectation with teeth, and broken routines of each convention fail them.
 * (That they pass is {@link VectorCorpusTest}'s: it runs every file of the corpus.)
 */
class ConventionVectorsTest {
    static final UnicornRunner RUNNER = VectorCorpusTest.RUNNER;

    static List<String> others() {
        return Conventions.names().stream().filter(n -> !n.equals(Conventions.DEFAULT)).toList();
    }

    static List<Corpus.Entry> of(String convention) {
        return Corpus.find(List.of(VectorCorpusTest.CORPUS.resolve(convention)));
    }

    @Test
    void atLeastFiveHardwareSafeVectorsPerShippedConvention() {
        assertEquals(4, others().size(), others().toString());
        for (String c : others()) {
            List<Corpus.Entry> entries = of(c);
            assertTrue(entries.size() >= 5, c + ": " + entries.size() + " vectors");
            for (Corpus.Entry e : entries) {
                Vector v = e.read();
                assertEquals(c, v.convention().name(), e.display());
                assertTrue(v.source().startsWith("asm/conventions/" + c + "/ok-"), e.display() + ": " + v.source());
                assertTrue(v.hardwareSafe(), e.display());
                assertTrue(v.name().startsWith(c.replace("-fcontext", "")), e.display());
            }
        }
        // The default stays Cem's: every older vector is unchanged.
        assertEquals("cem", VectorCorpusTest.read("seed/seed-chain-a-to-fresh-b.json").convention().name());
    }

    /** The arrival values each contract promises are pinned by its vectors. */
    @Test
    void theArrivalValuesArePinned() {
        Linked boost = RUNNER.link(VectorCorpusTest.read("boost-fcontext/boost-plain-switch.json"));
        long frame = boost.registers().get(Reg.RSP) - 0x40;
        assertEquals(frame, boost.expect().registers().get(Reg.RAX));
        assertEquals(frame, boost.expect().registers().get(Reg.RDI));
        assertEquals(boost.registers().get(Reg.RSI), boost.expect().registers().get(Reg.RDX));
        assertEquals(boost.registers().get(Reg.RDI) + 0x48, boost.expect().registers().get(Reg.RSP));
        Linked libco = RUNNER.link(VectorCorpusTest.read("libco/libco-argument-registers.json"));
        assertEquals(0L, libco.expect().registers().get(Reg.RAX));
        assertEquals(-1L, libco.registers().get(Reg.RAX));
        for (Reg r : List.of(Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9)) {
            assertTrue(libco.expect().registers().containsKey(r), r.name());
        }
        // Fresh contexts start as after a call: rsp = 8 (mod 16) where the entry function runs.
        for (String id : List.of("libaco/libaco-fresh-context.json", "libco/libco-fresh-context.json",
                "minicoro/minicoro-fresh-context.json")) {
            assertEquals(8, RUNNER.link(VectorCorpusTest.read(id)).expect().registers().get(Reg.RSP) & 15, id);
        }
        // Boost's first jump leaves rsp = top (0 mod 16); the trampoline's push makes it 8.
        assertEquals(0, RUNNER.link(VectorCorpusTest.read("boost-fcontext/boost-fresh-context.json")).expect().registers().get(Reg.RSP) & 15);
    }

    /**
     * Teeth: every expected register and every expected storage slot of every vector, changed by one
     * bit, fails with exactly one diff naming it.
     */
    @TestFactory
    Stream<DynamicTest> everyExpectationHasTeeth() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String c : others()) {
            for (Corpus.Entry e : of(c)) {
                tests.add(DynamicTest.dynamicTest(e.id(), () -> {
                    JsonNode tree = VectorParser.tree(Files.readString(e.file()), e.display());
                    Vector v = VectorParser.parse(tree, e.file(), e.display(), e.id());
                    Linked l = RUNNER.link(v);
                    Observed o = RUNNER.execute(l);
                    assertTrue(Comparison.diffs(l, o).isEmpty(), e.display());
                    for (Map.Entry<Reg, Long> x : l.expect().registers().entrySet()) {
                        String label = Vector.label(x.getKey());
                        ObjectNode t = tree.deepCopy();
                        ((ObjectNode) t.at("/expect/registers")).put(label, Expr.hex(x.getValue() ^ 1));
                        List<String> d = diffs(t, e);
                        assertEquals(1, d.size(), e.display() + " " + label + ": " + d);
                        assertTrue(d.getFirst().startsWith(label + ": expected "), d.getFirst());
                    }
                    JsonNode memory = tree.at("/expect/memory");
                    int slots = 0;
                    for (Map.Entry<String, JsonNode> region : memory.properties()) {
                        for (Map.Entry<String, JsonNode> storage : region.getValue().path("slots").properties()) {
                            for (String slot : List.copyOf(iterable(storage.getValue()))) {
                                ObjectNode t = tree.deepCopy();
                                ObjectNode s = (ObjectNode) t.at("/expect/memory/" + region.getKey() + "/slots/" + storage.getKey());
                                Convention.Slot sl = v.convention().slot(slot).orElseThrow();
                                long value = Linked.link(v, l.assembly()).expect().memory().get(region.getKey()).stream()
                                        .filter(ec -> ec.cell().label().endsWith("." + slot)).findFirst().map(ec -> le(ec.bytes())).orElseThrow();
                                s.put(slot, Expr.hex((value ^ 1) & sl.mask()));
                                List<String> d = diffs(t, e);
                                assertEquals(1, d.size(), e.display() + " " + slot + ": " + d);
                                assertTrue(d.getFirst().contains("." + slot + " ("), d.getFirst());
                                slots++;
                            }
                        }
                    }
                    assertTrue(slots >= 8, e.display() + ": " + slots + " slots expected");
                }));
            }
        }
        return tests.stream();
    }

    private static List<String> diffs(JsonNode tree, Corpus.Entry e) {
        return RUNNER.run(VectorParser.parse(tree, e.file(), e.display(), e.id())).diffs();
    }

    private static List<String> iterable(JsonNode o) {
        List<String> l = new ArrayList<>();
        o.fieldNames().forEachRemaining(l::add);
        return l;
    }

    private static long le(byte[] b) {
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
        return v;
    }

    /** Broken routines of every convention fail its vectors (what vectors cannot see is verify's: see the README). */
    @Test
    void brokenRoutinesFailTheirConventionsVectors() throws IOException {
        Map<String, List<String>> caught = Map.of(
                "boost-fcontext", List.of("broken-data-not-in-rdx", "broken-guard-in-caller-frame", "broken-mxcsr-not-restored",
                        "broken-r12-in-guard-slot", "broken-r13-not-restored", "broken-rbx-not-saved", "broken-returns-to-own-caller",
                        "broken-rsp-off-by-8", "broken-spin-on-guard", "broken-x87cw-not-saved"),
                "libaco", List.of("broken-jumps-to-own-caller", "broken-marks-target-running", "broken-mxcsr-not-restored",
                        "broken-r14-not-restored", "broken-rbp-not-saved", "broken-rsp-not-popped", "broken-x87cw-not-saved"),
                "minicoro", List.of("broken-jumps-through-from", "broken-push-ret-on-target-stack", "broken-r15-not-restored",
                        "broken-rbp-from-rbx-slot", "broken-rbx-not-saved", "broken-rsp-saved-plus-8", "broken-spin-on-rbx-slot"),
                "libco", List.of("broken-clears-pending-ret", "broken-push-without-lea", "broken-r12-not-saved",
                        "broken-rdx-not-restored", "broken-ret-from-rsi-slot", "broken-rsi-not-restored", "broken-spin-on-rbx-slot"));
        for (String c : others()) {
            List<Vector> vectors = of(c).stream().map(Corpus.Entry::read).toList();
            for (String b : caught.get(c)) {
                Path routine = TestFiles.ROOT.resolve("asm/conventions/" + c + "/" + b + ".s");
                UnicornRunner r = new UnicornRunner(TestFiles.ROOT, routine);
                java.util.Set<String> defined = r.routineSymbols();
                long failed = vectors.stream().filter(v -> defined.contains(v.symbol())).filter(v -> !r.run(v).passed()).count();
                assertTrue(failed > 0, c + "/" + b + " passed every vector");
            }
            // The other correct routine of each convention passes (minicoro's names its resume
            // label differently, which its vectors name: they pin ok-mco-switch.s).
            if (!c.equals("minicoro")) {
                try (Stream<Path> s = Files.list(TestFiles.ROOT.resolve("asm/conventions/" + c))) {
                    // ok-tls-guard.s reads the TLS stack guard at %fs:0x28: a vector has no %fs base to
                    // give it (natively %fs is the JVM thread's own), so it is verify's alone.
                    for (Path ok : s.filter(p -> p.getFileName().toString().startsWith("ok-"))
                            .filter(p -> !p.getFileName().toString().equals("ok-tls-guard.s")).toList()) {
                        UnicornRunner r = new UnicornRunner(TestFiles.ROOT, ok);
                        java.util.Set<String> defined = r.routineSymbols();
                        for (Vector v : vectors) {
                            if (!defined.contains(v.symbol())) continue;   // ontop_fcontext: only ok-jump-fcontext.s has it
                            assertTrue(r.run(v).passed(), ok + " on " + v.name() + ": " + r.run(v).diffs());
                        }
                    }
                }
            }
        }
    }

    /** --record on a vector of another convention: every storage by its slots, and the recording passes. */
    @Test
    void recordingsListTheConventionsStorageBySlot() throws IOException {
        for (String c : others()) {
            for (Corpus.Entry e : of(c)) {
                ObjectNode tree = (ObjectNode) VectorParser.tree(Files.readString(e.file()), e.display());
                tree.remove("expect");
                Vector v = VectorParser.parse(tree, e.file(), e.display(), e.id());
                Linked l = RUNNER.link(v);
                ObjectNode expect = Recorder.expect(l, RUNNER.execute(l));
                Vector again = VectorParser.parse(VectorParser.tree(Recorder.withExpect(tree, expect), e.display()), e.file(), e.display(), e.id());
                assertTrue(RUNNER.run(again).passed(), e.display());
                // The storage the switch saved into is listed slot by slot, none as raw qwords.
                String saved = Expr.hex(c.equals("boost-fcontext") ? l.registers().get(Reg.RSP) - 0x40 - l.imageAt(l.registers().get(Reg.RSP), 8).base()
                        : l.registers().get(Reg.RDI) - l.imageAt(l.registers().get(Reg.RDI), 8).base());
                String region = c.equals("boost-fcontext") ? "caller_stack" : l.imageAt(l.registers().get(Reg.RDI), 8).region().name();
                JsonNode slots = expect.at("/memory/" + region + "/slots/" + saved);
                assertEquals(v.convention().slots().size(), slots.size(), e.display() + ": " + expect.at("/memory"));
            }
        }
    }

    @Test
    void aCemRoutineSkipsTheOtherConventions() {
        UnicornRunner cem = new UnicornRunner(TestFiles.ROOT, TestFiles.ROOT.resolve("asm/context_x86_64.s"));
        assertTrue(cem.routineSymbols().contains("cem_swapcontext"));
        assertFalse(cem.routineSymbols().contains("acosw"));
    }
}
