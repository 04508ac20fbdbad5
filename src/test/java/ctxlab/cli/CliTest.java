package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void assembleJsonReportsTheRoutine() throws Exception {
        Result r = run("assemble", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(63, j.get("size").asInt());
        assertEquals(17, j.get("instructions").asInt());
        assertEquals(126, j.get("bytes").asText().length());
        assertEquals(0, j.get("symbols").get("cem_swapcontext").asInt());
        assertTrue(j.get("file").asText().endsWith("asm/context_x86_64.s"));
    }

    @Test
    void assembleListingShowsOffsetsBytesAndLines() {
        Result r = run("assemble");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("63 bytes, 17 instructions"), r.out());
        assertTrue(r.out().matches("(?s).*0x003e\\s+c3\\s+\\S*asm/context_x86_64.s:\\d+\\s+ret.*"), r.out());
    }

    @Test
    void malformedAssemblyIsExit2WithFileLineAndNoStackTrace(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.s");
        Files.writeString(bad, ".text\n.globl f\nf:\n  nop\n  nop\n  nop\n  movq %rbx, (%rdi,%rax,3)\n  ret\n");
        Result r = run("assemble", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.s:7: Keystone: Invalid operand"), r.err());
        assertTrue(r.err().contains("movq %rbx, (%rdi,%rax,3)"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void missingFileAndBadUsageAreExit2() {
        Result missing = run("assemble", "does/not/exist.s");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("does/not/exist.s: no such file"), missing.err());
        Result usage = run("assemble", "--frobnicate");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("Unknown option"), usage.err());
        assertEquals(2, run("no-such-command").exit());
    }

    @Test
    void selftestPassesAndSaysSoInJson() throws Exception {
        Result r = run("selftest", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertTrue(j.get("passed").asBoolean());
        assertEquals(6, j.get("scenarios").size());
        for (JsonNode s : j.get("scenarios")) {
            assertTrue(s.get("passed").asBoolean(), s.toString());
            assertTrue(s.get("switches").asLong() >= 2, s.toString());
        }
    }

    @Test
    void selftestOfABrokenRoutineIsExit1(@TempDir Path dir) throws Exception {
        // r13 saved at the r12 slot: a one-character bug.
        String text = Files.readString(TestFiles.SWITCH).replace("movq    %r13, 24(%rdi)", "movq    %r13, 16(%rdi)");
        Path broken = dir.resolve("broken.s");
        Files.writeString(broken, text);
        Result r = run("selftest", "--asm", broken.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL"), r.out());
        assertTrue(r.out().contains("0 passed, 6 failed"), r.out());
    }

    @Test
    void selftestOfARunawayRoutineIsExit1NotAHang(@TempDir Path dir) throws Exception {
        Path loop = dir.resolve("loop.s");
        Files.writeString(loop, ".globl cem_swapcontext\ncem_swapcontext:\n  jmp cem_swapcontext\n");
        Result r = run("selftest", "--asm", loop.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("budget"), r.out());
    }

    @Test
    void selftestWithoutTheSwitchSymbolIsExit2(@TempDir Path dir) throws Exception {
        Path other = dir.resolve("other.s");
        Files.writeString(other, ".globl my_swap\nmy_swap:\n  ret\n");
        Result r = run("selftest", "--asm", other.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("no symbol 'cem_swapcontext'"), r.err());
    }

    @Test
    void noCommandIsAUsageError() {
        Result r = run();
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Commands:"), r.err());
    }

    /** CI scripts branch on exit codes: every command's help says which it returns. */
    @Test
    void everyCommandsHelpListsItsExitCodes() {
        for (String command : java.util.List.of("assemble", "verify", "selftest", "vectors", "trace", "bench", "strands", "conventions")) {
            Result r = run(command, "--help");
            assertEquals(0, r.exit(), command + ": " + r.err());
            String help = r.out().replaceAll("\\s+", " ");
            int at = help.indexOf("Exit codes: 0 ");
            assertTrue(at >= 0, command + " --help has no exit codes: " + r.out());
            assertTrue(help.indexOf(" 2 ", at) > at, command + " --help does not name exit code 2: " + r.out());
        }
    }

    @Test
    void helpIsThere() {
        Result r = run("--help");
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("assemble") && r.out().contains("selftest"), r.out());
    }
}
