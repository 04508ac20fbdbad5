package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --arch arm64} and its inference through the CLI entry point: output, JSON, exit codes. */
class Arm64CliTest {
    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void verifyInfersArm64FromTheFileAndPasses() {
        Result r = run("verify", "asm/context_arm64.s", "--iterations", "300", "--seed", "7");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("verify cem_swapcontext in asm/context_arm64.s (arm64, AAPCS64"), r.out());
        for (String p : new String[] {"restore", "dregs", "resume", "save", "roundtrip", "memory", "alignment",
                "termination", "makecontext"}) {
            assertTrue(r.out().contains("  " + p + " "), p);
        }
        assertTrue(r.out().contains("verdict: PASS"), r.out());
    }

    @Test
    void verifyArchArm64DefaultsToTheArm64RoutineAndSpeaksJson() throws Exception {
        Result r = run("verify", "--arch", "arm64", "--json", "--iterations", "200", "--seed", "0x2a");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("pass", j.get("verdict").asText());
        assertEquals("arm64", j.get("arch").asText());
        assertEquals("cem-arm64", j.get("convention").asText());
        assertEquals(42, j.get("seed").asLong());
        assertEquals(116, j.get("codeSize").asInt());
        assertEquals(29, j.get("instructionCount").asInt());
        assertEquals(0, j.get("violations").size());
        assertTrue(j.get("switchesFpcr").asBoolean());
        assertEquals(200, j.get("propertyEvaluations").get("roundtrip").asInt());
    }

    @Test
    void aBrokenVariantFailsWithItsPropertyAndLine() throws Exception {
        Result r = run("verify", "asm/variants-arm64/broken-spill-below-sp.s", "--iterations", "100", "--seed", "1", "--json");
        assertEquals(1, r.exit(), r.err());
        JsonNode v = new ObjectMapper().readTree(r.out()).get("violations");
        assertEquals(1, v.size());
        assertEquals("memory", v.get(0).get("property").asText());
        assertTrue(v.get(0).get("line").asText().startsWith("asm/variants-arm64/broken-spill-below-sp.s:"), v.toString());
    }

    @Test
    void theFpcrChoiceIsAFindingThatFailsOnlyWithStrict() {
        String f = "asm/variants-arm64/ok-no-fpcr-168-bytes.s";
        Result r = run("verify", f, "--iterations", "200", "--seed", "3");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("fpcr-not-switched"), r.out());
        assertTrue(r.out().contains("observed: A set FPCR"), r.out());
        Result strict = run("verify", f, "--iterations", "200", "--seed", "3", "--strict");
        assertEquals(1, strict.exit());
        assertTrue(strict.out().contains("verdict: FAIL (--strict: warnings fpcr-not-switched)"), strict.out());
    }

    @Test
    void assembleListsArm64Code() throws Exception {
        Result r = run("assemble", "--arch", "aarch64", "asm/context_arm64.s");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("asm/context_arm64.s: 116 bytes, 29 instructions"), r.out());
        assertTrue(r.out().contains("0x0070    c0 03 5f d6"), r.out());
        JsonNode j = new ObjectMapper().readTree(run("assemble", "asm/context_arm64.s", "--json").out());
        assertEquals("arm64", j.get("arch").asText());
        assertTrue(j.get("bytes").asText().endsWith("c0035fd6"));
    }

    @Test
    void badArchAndWrongArchAreBadInput(@TempDir Path dir) throws Exception {
        Result r = run("verify", "--arch", "mips");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown architecture 'mips' (x86-64 or arm64)"), r.err());
        // x86-64 source forced through the AArch64 assembler: one line naming file:line, exit 2.
        r = run("verify", "--arch", "arm64", "asm/context_x86_64.s");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("ctxlab: asm/context_x86_64.s:"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void selftestRunsTheSixScenariosForArm64AndRefusesTheHost() throws Exception {
        Result r = run("selftest", "--asm", "asm/context_arm64.s");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().startsWith("selftest of asm/context_arm64.s in Unicorn (arm64)"), r.out());
        assertTrue(r.out().contains("6 passed, 0 failed"), r.out());
        JsonNode j = new ObjectMapper().readTree(run("selftest", "--arch", "arm64", "--json").out());
        assertEquals("arm64", j.get("arch").asText());
        assertTrue(j.get("passed").asBoolean());
        r = run("selftest", "--asm", "asm/variants-arm64/ok-no-fpcr-168-bytes.s");
        assertEquals(1, r.exit());
        r = run("selftest", "--arch", "arm64", "--host");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("ctxlab: selftest --host --arch arm64 "), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void traceShowsTheArm64Switch() throws Exception {
        Result r = run("trace", "asm/context_arm64.s");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("trace of cem_swapcontext in asm/context_arm64.s (arm64)"), r.out());
        assertTrue(r.out().contains("ret arrived at the strand's entry"), r.out());
        JsonNode j = new ObjectMapper().readTree(run("trace", "--arch", "arm64", "--format", "json").out());
        assertEquals(29, j.get("steps").size());
        r = run("trace", "asm/variants-arm64/broken-brk.s");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("ctxlab: trace failed: "), r.err());
        // --format html: the AArch64 page (Arm64HtmlTest checks it in a browser)
        Result html = run("trace", "--arch", "arm64", "--format", "html");
        assertEquals(0, html.exit(), html.err());
        assertTrue(html.out().startsWith("<!DOCTYPE html>") && html.out().contains("(arm64)"), html.out().substring(0, 200));
    }

    @Test
    void vectorsAndTheNativeCommands() throws Exception {
        Result r = run("vectors", "--arch", "arm64");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("26 passed, 0 failed"), r.out());
        r = run("vectors", "testvectors-arm64/values-zero.json", "--json", "--asm", "asm/variants-arm64/broken-fpcr-not-saved.s");
        assertEquals(1, r.exit());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(1, j.get("failed").asInt());
        assertTrue(j.get("results").get(0).get("diffs").get(0).asText().startsWith("save-zone+"), j.toString());
        for (String[] args : new String[][] {{"strands", "--arch", "arm64"}, {"bench", "--asm", "asm/context_arm64.s"},
                {"vectors", "--arch", "arm64", "--host"}}) {
            Result n = run(args);
            assertEquals(2, n.exit(), String.join(" ", args));
            assertTrue(n.err().contains("--arch arm64 runs AArch64 code natively, but this host is")
                    || n.err().contains("not implemented yet on this aarch64 host"), n.err());
        }
    }

    @Test
    void inference(@TempDir Path dir) throws Exception {
        assertEquals(ArchOption.Arch.ARM64, ArchOption.infer(Path.of("asm/context_arm64.s")));
        assertEquals(ArchOption.Arch.X86_64, ArchOption.infer(Path.of("asm/context_x86_64.s")));
        Path plain = dir.resolve("s.s");
        Files.writeString(plain, "f:\n  stp x29, x30, [sp, #-16]!\n  ldp x29, x30, [sp], #16\n  ret\n");
        assertEquals(ArchOption.Arch.ARM64, ArchOption.infer(plain), "AArch64 operands, no marker");
        Files.writeString(plain, "f:\n  movq %rdi, %rax\n  ret\n");
        assertEquals(ArchOption.Arch.X86_64, ArchOption.infer(plain));
        Files.writeString(plain, "// ctxlab-arch: x86-64\nf: ret\n");
        assertEquals(ArchOption.Arch.X86_64, ArchOption.infer(plain));
        // Vectors: only a testvectors-arm64 folder means arm64, not "arm64" anywhere in a path.
        assertTrue(ArchOption.inArm64Vectors(Path.of("testvectors-arm64/values-zero.json")));
        assertTrue(ArchOption.inArm64Vectors(Path.of("testvectors-arm64")));
        assertFalse(ArchOption.inArm64Vectors(Path.of("/work/arm64/testvectors/registers/boundary-zero.json")));
        byte[] elf = new byte[64];
        elf[0] = 0x7F; elf[1] = 'E'; elf[2] = 'L'; elf[3] = 'F'; elf[18] = (byte) 183;
        Path o = dir.resolve("x.o");
        Files.write(o, elf);
        // An ELF file says it in its header: e_machine 183 is arm64, 62 x86-64, anything else is refused.
        elf[5] = 1;
        Files.write(o, elf);
        assertEquals(ArchOption.Arch.ARM64, ArchOption.infer(o));
        elf[18] = 62;
        Files.write(o, elf);
        assertEquals(ArchOption.Arch.X86_64, ArchOption.infer(o));
        elf[18] = 40;
        Files.write(o, elf);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ArchOption.infer(o));
        assertTrue(e.getMessage().contains("e_machine 40 (32-bit ARM); ctxlab reads x86-64 (62) and AArch64 (183) code"), e.getMessage());
    }
}
