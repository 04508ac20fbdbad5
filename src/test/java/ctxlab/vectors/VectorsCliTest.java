package ctxlab.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.TestFiles;
import ctxlab.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctxlab vectors}: table, JSON, exit codes, and {@code --record}. */
class VectorsCliTest {
    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    static final ObjectMapper JSON = new ObjectMapper();

    /** A corpus vector copied into {@code dir}, with its tree edited. */
    static Path copy(Path dir, String id, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = (ObjectNode) JSON.readTree(VectorCorpusTest.CORPUS.resolve(id).toFile());
        edit.accept(tree);
        Path file = dir.resolve(Path.of(id).getFileName());
        Files.writeString(file, JsonStyle.write(tree));
        return file;
    }

    @Test
    void theCorpusPassesAsJson() throws Exception {
        Result r = run("vectors", "--json");
        assertEquals(0, r.exit(), r.err() + r.out());
        JsonNode j = JSON.readTree(r.out());
        int total = j.get("total").asInt();
        assertTrue(total >= 40, r.out());
        assertEquals(total, j.get("passed").asInt());
        assertEquals(0, j.get("failed").asInt());
        assertEquals(total, j.get("results").size());
        for (JsonNode v : j.get("results")) {
            assertTrue(v.get("passed").asBoolean(), v.toString());
            assertTrue(v.get("name").isTextual() && v.get("diffs").isArray() && v.get("diffs").isEmpty(), v.toString());
        }
    }

    @Test
    void aTableOfOneFolder() {
        Result r = run("vectors", "testvectors/mxcsr");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("(?s).*mxcsr-rc-down\\s+PASS\\s+17\n.*"), r.out());
        assertTrue(r.out().contains("passed, 0 failed"), r.out());
        assertFalse(r.out().contains("seed-"), "only the folder given");
    }

    @Test
    void aFailingVectorIsExit1WithItsDiff(@TempDir Path dir) throws Exception {
        Path f = copy(dir, "registers/boundary-mixed.json", v -> ((ObjectNode) v.at("/expect/registers")).put("r13", "0x1"));
        Result r = run("vectors", f.toString(), VectorCorpusTest.CORPUS.resolve("fpcw").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL boundary-mixed (" + Corpus.display(f) + ")\n  r13: expected 0x1, got 0x5555555555555555\n"), r.out());
        assertTrue(r.out().contains("3 passed, 1 failed"), r.out());
        JsonNode j = JSON.readTree(run("vectors", "--json", f.toString()).out());
        assertEquals(1, j.get("failed").asInt());
        assertEquals("r13: expected 0x1, got 0x5555555555555555", j.at("/results/0/diffs/0").asText());
    }

    @Test
    void aMalformedFileIsExit2WithPathAndNoStackTrace() {
        Result r = run("vectors", "src/test/resources/vectors-bad/unknown-register.json", "testvectors/fpcw");
        assertEquals(2, r.exit());
        assertEquals("ctxlab: src/test/resources/vectors-bad/unknown-register.json: $.expect.registers.r16: unknown register\n", r.err());
        assertEquals("", r.out(), "nothing runs when a file is malformed");
        Result missing = run("vectors", "no/such/dir");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no/such/dir: no such file or directory"), missing.err());
    }

    @Test
    void anotherRoutineWithAsm(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("broken.s");
        Files.writeString(broken, Files.readString(TestFiles.SWITCH).replace("ldmxcsr 56(%rsi)", "nop"));
        Result r = run("vectors", "--asm", broken.toString(), "testvectors/mxcsr");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("  mxcsr: expected 0x5f80, got 0x3f80\n"), r.out());
        Result missing = run("vectors", "--asm", dir.resolve("none.s").toString(), "testvectors/fpcw");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("none.s: no such file"), missing.err());
    }

    @Test
    void recordWritesAMissingExpectThatMatchesTheHandWrittenOne(@TempDir Path dir) throws Exception {
        String id = "faults/fault-restore-stack-unmapped.json";
        Path f = copy(dir, id, v -> v.remove("expect"));
        Result none = run("vectors", f.toString());
        assertEquals(1, none.exit());
        assertTrue(none.out().contains(Comparison.NO_EXPECT), none.out());

        Result r = run("vectors", "--record", f.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("recorded a new expect block; review it:"), r.out());
        assertTrue(r.out().contains("  +   \"fault\": \"unmapped-read\""), r.out());
        assertEquals(0, run("vectors", f.toString()).exit());
        // The recording says what the hand-written block says, value for value.
        Linked recorded = VectorCorpusTest.RUNNER.link(VectorParser.read(f, f.toString(), "x"));
        Linked hand = VectorCorpusTest.RUNNER.link(VectorCorpusTest.read(id));
        assertEquals(hand.expect().registers(), recorded.expect().registers());
        assertEquals(hand.expect().fault(), recorded.expect().fault());
        assertEquals(hand.expect().faultAddress(), recorded.expect().faultAddress());
        assertEquals(hand.expect().faultPc(), recorded.expect().faultPc());
        // and the file reads like the corpus: same layout, same names.
        assertEquals(Files.readString(VectorCorpusTest.CORPUS.resolve(id)), Files.readString(f));
    }

    @Test
    void recordNeverOverwritesWithoutForce(@TempDir Path dir) throws Exception {
        Path same = copy(dir, "mxcsr/mxcsr-rc-up.json", v -> {});
        String before = Files.readString(same);
        Result r = run("vectors", "--record", same.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("matches the current behaviour; not rewritten"), r.out());
        assertEquals(before, Files.readString(same));

        Path changed = copy(dir, "mxcsr/mxcsr-rc-down.json", v -> ((ObjectNode) v.at("/expect/registers")).put("mxcsr", "0x1f80"));
        String text = Files.readString(changed);
        Result refused = run("vectors", "--record", changed.toString());
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.out().contains("  mxcsr: expected 0x1f80, got 0x5f80\n"), refused.out());
        assertTrue(refused.out().contains("not overwritten (use --force"), refused.out());
        assertEquals(text, Files.readString(changed), "file untouched");

        Result forced = run("vectors", "--record", "--force", changed.toString());
        assertEquals(0, forced.exit(), forced.out() + forced.err());
        assertTrue(forced.out().contains("  - mxcsr: expected 0x1f80, got 0x5f80"), forced.out());
        assertEquals(0, run("vectors", changed.toString()).exit());
        assertEquals(Files.readString(VectorCorpusTest.CORPUS.resolve("mxcsr/mxcsr-rc-down.json")), Files.readString(changed));
    }

    @Test
    void usageErrorsAreExit2() {
        assertEquals(2, run("vectors", "--record").exit());
        assertEquals(2, run("vectors", "--force", "testvectors/fpcw").exit());
        assertEquals(2, run("vectors", "--record", "--json", "testvectors/fpcw").exit());
        assertTrue(run("vectors", "--record").err().contains("--record needs the FILE"));
        assertTrue(run("--help").out().contains("vectors"));
    }

    @Test
    void eachConventionsFolderRunsAndAWrongExpectationFailsIt(@TempDir Path dir) throws Exception {
        for (String c : java.util.List.of("boost-fcontext", "libaco", "minicoro", "libco")) {
            Result r = run("vectors", "--json", "testvectors/" + c);
            assertEquals(0, r.exit(), r.err() + r.out());
            JsonNode j = JSON.readTree(r.out());
            assertTrue(j.get("total").asInt() >= 5, r.out());
            for (JsonNode v : j.get("results")) assertEquals(c, v.get("convention").asText(), v.toString());
        }
        // Teeth through the command: one expected slot of libco's saved struct changed.
        Path bad = copy(dir, "libco/libco-plain-switch.json",
                t -> ((ObjectNode) t.at("/expect/memory/block/slots/0x0")).put("rdx", "0xcccccccccccc0003"));
        Result r = run("vectors", bad.toString());
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("block.rdx (0x100000000050): expected 0xcccccccccccc0003, got 0xcccccccccccc0002"), r.out());
    }

    @Test
    void asmRunsTheVectorsOfItsRoutineAndSkipsTheOthers() {
        Result r = run("vectors", "--asm", "asm/conventions/libaco/ok-pop-jmp-memory.s");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("libaco-plain-switch") && !r.out().contains("seed-simple-first-entry"), r.out());
        assertTrue(r.err().matches("(?s)ctxlab: \\d+ vector\\(s\\) skipped: asm/conventions/libaco/ok-pop-jmp-memory.s does not define their routine "
                + "\\(_mco_switch \\(minicoro\\), cem_swapcontext \\(cem\\), coctx_swap \\(libco\\), jump_fcontext \\(boost-fcontext\\), ontop_fcontext \\(boost-fcontext\\)\\)\n"), r.err());
        Result none = run("vectors", "--asm", "asm/conventions/libco/ok-jmp-r11.s", "testvectors/libaco");
        assertEquals(2, none.exit(), none.out());
        assertEquals("ctxlab: asm/conventions/libco/ok-jmp-r11.s defines none of the routines these vectors test: acosw (libaco)\n", none.err());
        // A broken routine of the convention fails its vectors (exit 1).
        assertEquals(1, run("vectors", "--asm", "asm/conventions/boost-fcontext/broken-x87cw-not-saved.s", "testvectors/boost-fcontext").exit());
    }
}
