package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.TestFiles;
import ctxlab.cli.Main;
import ctxlab.emu.Reg;
import ctxlab.vectors.Corpus;
import ctxlab.vectors.Linked;
import ctxlab.vectors.Observed;
import ctxlab.vectors.UnicornRunner;
import ctxlab.vectors.Vector;
import ctxlab.vectors.VectorParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctxlab vectors --host}: the corpus on the host CPU against Unicorn, the differential's
 * teeth on altered inputs, and a vector that crashes natively.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class HostVectorsTest {
    static HostCode code;

    @BeforeAll
    static void load() {
        code = HostCode.build(HostSources.files(TestFiles.ROOT, TestFiles.SWITCH));
    }

    @AfterAll
    static void unload() {
        code.close();
    }

    static List<Vector> corpus() {
        return Corpus.find(List.of(TestFiles.ROOT.resolve(Corpus.DIR))).stream().map(Corpus.Entry::read).toList();
    }

    static Vector vector(String path) {
        Path f = TestFiles.ROOT.resolve(Corpus.DIR).resolve(path);
        return VectorParser.read(f, f.toString(), f.getFileName().toString());
    }

    @Test
    void everyHardwareSafeVectorIsTheSameOnTheHostAsInUnicorn() {
        List<Vector> vectors = corpus();
        HostVectors.Report r = HostVectors.run(TestFiles.ROOT, vectors, null, HostVectors.TIMEOUT);
        String text = String.join("\n", r.text());
        assertEquals(0, r.exit(), text);
        long safe = vectors.stream().filter(Vector::hardwareSafe).count();
        assertTrue(safe >= 40, "most of the corpus is safe on hardware: " + safe);
        assertEquals(vectors.size() - safe, r.json().skipped());
        List<HostVectors.ResultJson> results = r.json().results();
        int ranNatively = 0;
        for (int i = 0; i < vectors.size(); i++) {
            HostVectors.ResultJson m = results.get(i);
            if (vectors.get(i).hardwareSafe()) {
                assertEquals(Boolean.TRUE, m.same(), m.toString());
                assertNotNull(m.host(), m.toString());
                assertNull(m.skipped());
                ranNatively++;
            } else {
                assertEquals("skipped (expects a fault: unsafe on hardware)", m.skipped());
                assertNull(m.host());
            }
        }
        assertEquals(safe, ranNatively);
        assertEquals("host", r.json().backend());
    }

    /** Unicorn's and the host's run of one vector, the host's on {@code hostSide} (the vector, or an altered copy). */
    record Pair(Linked linked, Observed unicorn, Observed host) {
        List<String> differences() {
            return VectorReplay.differences(linked, unicorn, host);
        }
    }

    static Pair runBoth(Linked l, Linked hostSide) {
        return new Pair(l, new UnicornRunner(TestFiles.ROOT).execute(l), VectorReplay.host(hostSide, code));
    }

    static Linked withRegisters(Linked l, Map<Reg, Long> changes) {
        Map<Reg, Long> regs = new EnumMap<>(l.registers());
        regs.putAll(changes);
        return new Linked(l.vector(), l.assembly(), l.entry(), regs, l.images(), l.until(), l.budget(), l.expect());
    }

    @Test
    void theSameVectorIsTheSameInThisJvmToo() {
        Linked l = Linked.link(vector("registers/boundary-mixed.json"), code.assembly());
        Pair p = runBoth(l, l);
        assertEquals(List.of(), p.differences());
        // and the vector holds on the host: its expect block
        assertEquals(List.of(), ctxlab.vectors.Comparison.diffs(l, p.host()));
    }

    @Test
    void aChangedByteOfMemoryIsAMismatch() {
        Linked l = Linked.link(vector("registers/boundary-mixed.json"), code.assembly());
        List<Linked.Image> images = new ArrayList<>();
        for (Linked.Image i : l.images()) {
            byte[] b = i.bytes().clone();
            if (i.region().name().equals("save")) b[0xff8] = 0x5a;   // past the context: the routine never writes there
            images.add(new Linked.Image(i.region(), b));
        }
        Linked altered = new Linked(l.vector(), l.assembly(), l.entry(), l.registers(), images, l.until(), l.budget(), l.expect());
        Pair p = runBoth(l, altered);
        assertEquals(List.of("save+0xff8 (0x100000000ff8): expected 0x0 (unicorn), got 0x5a (host)"), p.differences());
    }

    @Test
    void aChangedRegisterIsAMismatch() {
        Linked l = Linked.link(vector("registers/boundary-mixed.json"), code.assembly());
        long rax = l.registers().get(Reg.RAX);
        Pair p = runBoth(l, withRegisters(l, Map.of(Reg.RAX, rax ^ 1)));
        assertEquals(List.of(String.format("rax: expected 0x%x (unicorn), got 0x%x (host)", rax, rax ^ 1)), p.differences());
    }

    @Test
    void theDirectionFlagIsCompared() {
        Linked l = Linked.link(vector("registers/boundary-mixed.json"), code.assembly());
        long flags = l.registers().get(Reg.RFLAGS);
        Pair p = runBoth(l, withRegisters(l, Map.of(Reg.RFLAGS, flags | 0x400)));
        assertEquals(List.of(String.format("rflags (bits 0xcd5): expected 0x%x (unicorn), got 0x%x (host)",
                flags & 0xCD5, (flags | 0x400) & 0xCD5)), p.differences());
    }

    @Test
    void mxcsrStatusFlagsAreComparedWhenOnlyTheSwitchRuns() {
        // A single switch (no strand bodies): every MXCSR bit counts, the status flags too.
        Linked l = Linked.link(vector("mxcsr/mxcsr-rc-down.json"), code.assembly());
        assertTrue(VectorReplay.allMxcsrBits(l));
        long mxcsr = l.registers().get(Reg.MXCSR);
        // The entry MXCSR is saved into the save context: a changed status flag shows in memory.
        Pair p = runBoth(l, withRegisters(l, Map.of(Reg.MXCSR, mxcsr ^ 0x20)));
        assertFalse(p.differences().isEmpty());
        assertTrue(p.differences().stream().anyMatch(d -> d.contains("(unicorn), got") && d.startsWith("save+0x38")),
                p.differences().toString());
    }

    /** fault-save-context-read-only without its expected fault: "safe", but it faults natively. */
    static Path crashingVector(Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode v = (ObjectNode) json.readTree(TestFiles.ROOT.resolve("testvectors/faults/fault-save-context-read-only.json").toFile());
        ObjectNode expect = (ObjectNode) v.get("expect");
        expect.remove(List.of("fault", "address", "pc"));
        v.put("name", "crashes-natively");
        v.remove("$schema");
        Path f = dir.resolve("crashes-natively.json");
        Files.writeString(f, json.writeValueAsString(v));
        return f;
    }

    @Test
    void aVectorThatCrashesIsReportedAndTheNextOnesStillRun(@TempDir Path dir) throws Exception {
        Path crash = crashingVector(dir);
        Vector bad = VectorParser.read(crash, crash.toString(), "crashes-natively.json");
        assertTrue(bad.hardwareSafe());
        List<Vector> vectors = List.of(vector("registers/boundary-zero.json"), bad, vector("registers/boundary-mixed.json"));
        HostVectors.Report r = HostVectors.run(TestFiles.ROOT, vectors, null, HostVectors.TIMEOUT);
        String text = String.join("\n", r.text());
        assertEquals(1, r.exit(), text);
        List<HostVectors.ResultJson> results = r.json().results();
        assertTrue(results.get(0).passed(), text);
        assertFalse(results.get(1).passed(), text);
        assertTrue(results.get(2).passed(), "a fresh child runs the vectors after the crash: " + text);
        String message = results.get(1).crash();
        // The routine's first store into the read-only save context.
        assertTrue(message.startsWith("strand crashed: SIGSEGV at 0x100000000000"), message);
        assertTrue(message.contains("context_x86_64.s:"), message);
        assertTrue(message.contains("while running vector crashes-natively"), message);
        assertTrue(text.contains("crashes-natively") && text.contains("CRASH"), text);
        assertEquals(1, r.json().crashes());
    }

    record Cli(int exit, String out, String err) {}

    static Cli cli(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(exit, out.toString(), err.toString());
    }

    @Test
    void theCommandGivesTheVectorsJsonWithBackendHost() throws Exception {
        Cli c = cli("vectors", "--host", "--json", "testvectors/registers/boundary-zero.json", "testvectors/faults/overlap-by-8.json");
        assertEquals(0, c.exit(), c.out() + c.err());
        JsonNode j = new ObjectMapper().readTree(c.out());
        assertEquals("host", j.path("backend").asText());
        assertEquals(2, j.path("total").asInt());
        assertEquals(2, j.path("passed").asInt());
        assertEquals(0, j.path("failed").asInt());
        JsonNode first = j.path("results").path(0), second = j.path("results").path(1);
        assertEquals("boundary-zero", first.path("name").asText());
        assertTrue(first.path("passed").asBoolean());
        assertTrue(first.path("diffs").isArray());
        assertTrue(first.path("host").path("passed").asBoolean());
        assertTrue(first.path("skipped").isNull());
        assertEquals("skipped (expects a fault: unsafe on hardware)", second.path("skipped").asText());
        assertTrue(second.path("host").isNull());
    }

    @Test
    void aMalformedFileIsExit2BeforeAnyChild() {
        Cli c = cli("vectors", "--host", TestFiles.resource("vectors-bad/unknown-field.json").toString());
        assertEquals(2, c.exit(), c.out() + c.err());
        assertTrue(c.err().contains("unknown-field.json"), c.err());
        assertEquals(2, cli("vectors", "--host", "--record", "testvectors/registers/boundary-zero.json").exit());
    }
}
