package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.TestFiles;
import ctxlab.abi.ContextLayout.Slot;
import ctxlab.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ctxlab trace} as a user runs it: formats, exit codes, messages. */
class TraceCommandTest {
    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void textShowsAllSeventeenStepsWithinHundredColumnsWithoutColour() {
        Result r = run("trace");
        assertEquals(0, r.exit(), r.err());
        for (int i = 1; i <= 17; i++) assertTrue(r.out().contains("── step " + i + "/17 ──"), "step " + i);
        assertFalse(r.out().contains("step 18/"));
        for (String line : r.out().split("\n")) {
            assertTrue(line.length() <= TextFormat.WIDTH, "too wide (" + line.length() + "): " + line);
        }
        assertFalse(r.out().contains("\u001b["), "no colour when not on a terminal");
        assertTrue(r.out().contains("» stores r13 into save.r13 (offset 0x18)"));
        assertTrue(r.out().contains("» rsp now points into strand stack"));
        assertTrue(r.out().contains("» ret pops 0x500100 = strand entry"));
        assertTrue(r.out().contains("now 0x1f80: round to nearest, all exceptions masked"));
        assertTrue(r.out().contains("end: reached strand entry (0x500100) after 17 steps"));
    }

    @Test
    void colourOnlyWhenAsked() {
        Result r = run("trace", "--color", "always");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\u001b["));
        // escapes do not count towards the width
        for (String line : r.out().split("\n")) {
            assertTrue(line.replaceAll("\u001b\\[[0-9;]*m", "").length() <= TextFormat.WIDTH, line);
        }
    }

    @Test
    void jsonHasOneObjectPerStepWithTheDocumentedFields() throws Exception {
        Result r = run("trace", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("ctxlab-trace", j.get("format").asText());
        assertEquals(17, j.get("steps").size());
        for (String field : List.of("title", "routine", "regions", "registers", "memory", "symbols", "sources", "steps", "end")) {
            assertTrue(j.has(field), field);
        }
        JsonNode s4 = j.get("steps").get(3);
        for (String field : List.of("step", "address", "symbol", "bytes", "file", "line", "location", "source", "sourceLine",
                "registers", "flags", "writes", "reads", "mxcsr", "explanation", "stack", "next", "bindings")) {
            assertTrue(s4.has(field), field);
        }
        assertEquals(4, s4.get("step").asInt());
        JsonNode w = s4.get("writes").get(0);
        assertEquals("0x" + Long.toHexString(TraceSetup.MAIN_CONTEXT + Slot.R13.offset), w.get("address").asText());
        assertEquals(8, w.get("size").asInt());
        assertEquals("0x4444444444444444", w.get("value").asText());
        assertEquals("save.r13", w.get("name").asText());
        JsonNode s16 = j.get("steps").get(15);
        assertEquals("up", s16.get("mxcsr").get("before").get("rounding").asText());
        assertEquals("nearest", s16.get("mxcsr").get("after").get("rounding").asText());
        assertEquals("reached", j.get("end").get("reason").asText());
        assertTrue(j.get("end").get("ok").asBoolean());
    }

    @Test
    void htmlIsOneSelfContainedPage(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("t.html");
        Result r = run("trace", "--format", "html", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("17 steps"), r.out());
        String page = Files.readString(out);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        // nothing loaded from anywhere: no src=, href= or url( (the CSP forbids it anyway)
        assertFalse(page.matches("(?s).*<[a-zA-Z][^>]*\\s(src|href)\\s*=.*"), "external reference");
        assertFalse(page.contains("http://") || page.contains("https://"), "no address of anything");
        assertFalse(page.contains("url("), "external reference in CSS");
        assertFalse(page.contains("@CSS@") || page.contains("@JS@") || page.contains("@DATA@"));
        assertTrue(page.contains("default-src 'none'"));
    }

    @Test
    void aRunawayRoutineStopsWithExit1AndAClearMessage(@TempDir Path dir) throws Exception {
        Path loop = dir.resolve("loop.s");
        Files.writeString(loop, ".globl cem_swapcontext\ncem_swapcontext:\n  jmp cem_swapcontext\n");
        Result r = run("trace", loop.toString(), "--max-steps", "50", "--format", "json");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("instruction budget of 50 steps exhausted"), r.err());
        assertTrue(r.err().contains("loop.s:3"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(50, j.get("steps").size());
        assertEquals("budget", j.get("end").get("reason").asText());
    }

    @Test
    void otherRoutinesBySymbol(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("swap.s");
        Files.writeString(f, ".globl my_swap\nmy_swap:\n  movq %rbx, (%rdi)\n  movq 48(%rsi), %rsp\n  ret\n");
        Result r = run("trace", f.toString(), "--symbol", "my_swap");
        // it saves only rbx and loads only rsp: it reaches the strand entry, but arrives wrong
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.out().contains("my_swap begins: save = rdi = main context"), r.out());
        assertTrue(r.out().contains("end, but the switch is wrong: reached strand entry"), r.out());
        assertTrue(r.err().contains("✗ save.rbp = 0x0, but should be 0x2222222222222222 = rbp at entry: no instruction of the switch wrote it"), r.err());
        Result missing = run("trace", f.toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no symbol 'cem_swapcontext'"), missing.err());
    }

    @Test
    void scenarioTraceIsCutAfterTheSwitchLimit() {
        Result r = run("trace", "--scenario", "multiple-switches", "--switches", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("stopped before switch 3"), r.out());
        assertTrue(r.out().contains("pingpong_strand"), r.out());
    }

    @Test
    void vectorTraceExitsZeroWhenItStopsAndAtTheFaultItExpects() {
        Result ok = run("trace", "--vector", "testvectors/seed/seed-simple-first-entry.json");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("── step 17/17 ──"), ok.out());
        assertTrue(ok.out().contains("» stores r13 into save.r13 (offset 0x18)"), ok.out());
        assertTrue(ok.out().contains("end: returned to simple_strand after 17 steps; as this vector expects"), ok.out());
        for (String line : ok.out().split("\n")) assertTrue(line.length() <= TextFormat.WIDTH, line);
        // an expected fault is reported as expected: exit 0, like `ctxlab vectors` passing it
        Result fault = run("trace", "--vector", "testvectors/faults/fault-save-context-read-only.json");
        assertEquals(0, fault.exit(), fault.err());
        assertTrue(fault.err().contains("trace ended as expected") && fault.err().contains("#PF (page fault): write to 0x100000000000, a read-only page"),
                fault.err());
        assertTrue(fault.err().contains("at 0x100000000000") && fault.err().contains("ended with the fault this vector expects"),
                fault.err());
        assertEquals(1, fault.err().strip().lines().count(), fault.err());
    }

    @Test
    void badInputIsExit2WithOneLine() {
        Result vector = run("trace", "--vector", "v.json");
        assertEquals(2, vector.exit());
        assertTrue(vector.err().contains("v.json: no such file"), vector.err());
        Result malformed = run("trace", "--vector", TestFiles.resource("vectors-bad/unknown-field.json").toString());
        assertEquals(2, malformed.exit());
        assertTrue(malformed.err().contains("unknown-field.json: $."), malformed.err());
        assertEquals(1, malformed.err().strip().lines().count(), malformed.err());
        Result mixed = run("trace", "--vector", "v.json", "--scenario", "simple");
        assertEquals(2, mixed.exit());
        assertTrue(mixed.err().contains("--vector cannot be combined"), mixed.err());
        Result format = run("trace", "--format", "pdf");
        assertEquals(2, format.exit());
        assertTrue(format.err().contains("--format must be text, json or html"), format.err());
        Result scenario = run("trace", "--scenario", "nope");
        assertEquals(2, scenario.exit());
        assertTrue(scenario.err().contains("no scenario 'nope'") && scenario.err().contains("multiple-switches"), scenario.err());
        Result both = run("trace", "--scenario", "simple", "--symbol", "x");
        assertEquals(2, both.exit());
        Result steps = run("trace", "--max-steps", "0");
        assertEquals(2, steps.exit());
        Result file = run("trace", "no/such/file.s");
        assertEquals(2, file.exit());
        assertTrue(file.err().contains("no such file"), file.err());
    }
}
