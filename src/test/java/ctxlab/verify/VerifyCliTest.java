package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctxlab verify} through the CLI entry point: output, JSON contract, exit codes. */
class VerifyCliTest {
    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    static JsonNode json(Result r) throws Exception {
        return new ObjectMapper().readTree(r.out());
    }

    @Test
    void defaultsPassAndPrintSeedFindingsAndSpeed() {
        Result r = run("verify");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().matches("(?s)verify cem_swapcontext in \\S*asm/context_x86_64.s: seed -?\\d+, 2000 random states.*"), r.out());
        for (Property p : Property.values()) assertTrue(r.out().contains("  " + p.id() + " "), p.id());
        assertTrue(r.out().contains("x87-control-word"), r.out());
        assertTrue(r.out().contains("cet-shadow-stack"), r.out());
        assertTrue(r.out().contains("checks/s (a check = one random machine state run through two switches"), r.out());
        assertTrue(r.out().contains("verdict: PASS"), r.out());
    }

    @Test
    void jsonHasTheContractedFields() throws Exception {
        Result r = run("verify", "--json", "--seed", "0x2a", "--iterations", "300");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = json(r);
        List<String> names = new ArrayList<>();
        j.fieldNames().forEachRemaining(names::add);
        assertTrue(names.containsAll(List.of("verdict", "symbol", "iterations", "seed", "violations", "findings",
                "codeSize", "instructionCount", "checksPerSecond")), names.toString());
        assertEquals("pass", j.get("verdict").asText());
        assertEquals("cem_swapcontext", j.get("symbol").asText());
        assertEquals(300, j.get("iterations").asInt());
        assertEquals(42, j.get("seed").asLong());
        assertEquals(0, j.get("violations").size());
        assertEquals(63, j.get("codeSize").asInt());
        assertEquals(17, j.get("instructionCount").asInt());
        assertTrue(j.get("checksPerSecond").asLong() > 0);
        List<String> ids = new ArrayList<>();
        for (JsonNode f : j.get("findings")) {
            ids.add(f.get("id").asText());
            assertFalse(f.get("detail").asText().isBlank());
        }
        assertEquals(List.of("x87-control-word", "cet-shadow-stack", "code-size", "return-stack"), ids);
    }

    @Test
    void aBrokenVariantExitsOneWithCounterexamples() throws Exception {
        Result r = run("verify", "asm/variants/broken-push-before-ret.s", "--json", "--seed", "9", "--iterations", "100");
        assertEquals(1, r.exit(), r.out() + r.err());
        JsonNode j = json(r);
        assertEquals("fail", j.get("verdict").asText());
        List<String> props = new ArrayList<>();
        for (JsonNode v : j.get("violations")) {
            props.add(v.get("property").asText());
            assertTrue(v.has("detail") && v.has("line"), v.toString());
            assertTrue(v.get("line").asText().contains("broken-push-before-ret.s:"), v.toString());
        }
        assertEquals(List.of("restore", "memory"), props);

        Result text = run("verify", "asm/variants/broken-push-before-ret.s", "--seed", "9", "--iterations", "100");
        assertEquals(1, text.exit());
        assertTrue(text.out().contains("memory violated: write of 8 bytes to "), text.out());
        assertTrue(text.out().contains("(the restore stack at restore.rsp - 8) by "), text.out());
        assertTrue(text.out().contains("verdict: FAIL (restore, memory); reproduce with --seed 9"), text.out());
    }

    @Test
    void strictFailsOnWarnings() {
        Result r = run("verify", "--strict", "--iterations", "50", "--seed", "1");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("verdict: FAIL (--strict: warnings x87-control-word, cet-shadow-stack)"), r.out());
    }

    @Test
    void badInputIsExitTwoWithOneLine(@TempDir Path dir) throws Exception {
        Result missing = run("verify", "no/such/file.s");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no/such/file.s: no such file"), missing.err());

        Result symbol = run("verify", "--symbol", "nope");
        assertEquals(2, symbol.exit());
        assertTrue(symbol.err().contains("no symbol 'nope'") && symbol.err().contains("cem_swapcontext"), symbol.err());

        Path bad = dir.resolve("bad.s");
        Files.writeString(bad, ".globl cem_swapcontext\ncem_swapcontext:\n  movq %rbx, (%zz)\n  ret\n");
        Result asm = run("verify", bad.toString());
        assertEquals(2, asm.exit());
        assertTrue(asm.err().contains("bad.s:3:"), asm.err());

        Result zero = run("verify", "--iterations", "0");
        assertEquals(2, zero.exit());
        assertTrue(zero.err().contains("--iterations must be at least 1"), zero.err());

        Result seed = run("verify", "--seed", "banana");
        assertEquals(2, seed.exit());
        for (Result r : List.of(missing, symbol, asm, zero, seed)) assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void benchMeasuresInThisJvmAndInAForkedOne() throws Exception {
        Result r = run("verify", "--bench", "--json", "--seed", "3", "--iterations", "100");
        assertEquals(0, r.exit(), r.err());
        JsonNode b = json(r).get("bench");
        for (String side : List.of("inProcess", "forked")) {
            JsonNode s = b.get(side);
            assertFalse(s.has("error"), s.toString());
            assertTrue(s.get("rounds").size() >= 3, s.toString());
            assertTrue(s.get("medianChecksPerSecond").asLong() > 0, s.toString());
        }
        JsonNode f = b.get("forked");
        assertTrue(f.get("medianSwitchesPerSecond").asLong() > f.get("medianChecksPerSecond").asLong());
    }

    @Test
    void threadsAreReportedAndDoNotChangeTheVerdict() throws Exception {
        JsonNode one = json(run("verify", "asm/variants/broken-df-left-set.s", "--seed", "9", "--iterations", "300", "--json", "--threads", "1"));
        JsonNode two = json(run("verify", "asm/variants/broken-df-left-set.s", "--seed", "9", "--iterations", "300", "--json", "--threads", "2"));
        assertEquals(1, one.get("threads").asInt());
        assertEquals(2, two.get("threads").asInt());
        assertEquals(one.get("violations"), two.get("violations"));
        assertEquals(one.get("propertyEvaluations"), two.get("propertyEvaluations"));
        assertEquals(1, json(run("verify", "--iterations", "1", "--threads", "8", "--json", "--seed", "1")).get("threads").asInt(),
                "never more threads than checks");
        for (String bad : new String[] {"0", "-1", "257"}) {
            Result r = run("verify", "--threads", bad);
            assertEquals(2, r.exit(), bad);
            assertTrue(r.err().contains("--threads must be between 1 and 256"), r.err());
        }
    }

    @Test
    void theReturnStackFindingNamesTheRetAndIsMeasuredOnRequest() throws Exception {
        Result seed = run("verify", "--seed", "1", "--iterations", "100", "--json");
        JsonNode f = null;
        for (JsonNode x : new ObjectMapper().readTree(seed.out()).get("findings")) if (x.get("id").asText().equals("return-stack")) f = x;
        assertTrue(f != null, seed.out());
        assertEquals("info", f.get("severity").asText());
        assertTrue(f.get("detail").asText().contains("context_x86_64.s:58: ret"), f.toString());
        // The fast routine ends in lea+jmp: nothing to mispredict, no finding.
        Result fast = run("verify", "asm/context_x86_64_fast.s", "--seed", "1", "--iterations", "100", "--json");
        assertFalse(fast.out().contains("return-stack"), fast.out());
        org.junit.jupiter.api.Assumptions.assumeTrue(ctxlab.host.Host.unsupported().isEmpty(), "not an x86-64 Linux host");
        Result measured = run("verify", "--seed", "1", "--iterations", "100", "--measure");
        assertEquals(0, measured.exit(), measured.err());
        assertTrue(measured.out().matches("(?s).*return-stack.*measured here, medians of 5 interleaved rounds: [0-9.]+ ns per switch as"
                + " written, [0-9.]+ ns with pop\\+jmp.*"), measured.out());
    }
}
