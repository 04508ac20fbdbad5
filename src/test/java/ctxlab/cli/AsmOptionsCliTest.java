package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --cpp, -D, -U, -I reach the preprocessor from the commands; refusals are exit 2 with file:line. */
class AsmOptionsCliTest {
    static final Path S = TestFiles.resource("gnu-as/cpp_switch.S");
    static final String INC = "-I" + TestFiles.resource("gnu-as/include");

    static boolean haveCpp() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, "cpp")) || Files.isExecutable(Path.of(d, "gcc"))) return true;
        }
        return false;
    }

    @Test
    void assembleTakesDefinesAndIncludesAndListsRelocations() throws Exception {
        Assumptions.assumeTrue(haveCpp(), "no C preprocessor");
        CliTest.Result r = CliTest.run("assemble", S.toString(), "-DGUARD_SLOT=0x28", INC, "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(90, j.get("size").asInt());
        JsonNode rel = j.get("relocations").get(0);
        assertEquals("_exit@PLT", rel.get("symbol").asText());
        assertEquals("call", rel.get("kind").asText());
        assertEquals(4, rel.get("width").asInt());
        assertTrue(j.get("lines").get(9).get("line").asText().endsWith("cpp_switch.S:28"), r.out());

        // Without -DGUARD_SLOT the file's own #error stops it: exit 2, naming file and line.
        CliTest.Result missing = CliTest.run("assemble", S.toString(), INC);
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("cpp_switch.S:10"), missing.err());
        // -U takes it away again.
        assertEquals(2, CliTest.run("assemble", S.toString(), "-DGUARD_SLOT=0x28", "-UGUARD_SLOT", INC).exit());
    }

    @Test
    void verifyTakesThemToo() {
        Assumptions.assumeTrue(haveCpp(), "no C preprocessor");
        CliTest.Result r = CliTest.run("verify", S.toString(), "-DGUARD_SLOT=0x28", INC, "--symbol", "ctx_swap", "--convention", "cem",
                "--iterations", "3", "--seed", "1", "--json");
        assertTrue(r.exit() == 0 || r.exit() == 1, r.err()); // assembled and checked (the guard read is the emulator's business)
        assertTrue(r.out().contains("\"symbol\""), r.out());
    }

    @Test
    void aPlainFileWithPreprocessorLinesNeedsCpp(@TempDir Path dir) throws Exception {
        Path s = dir.resolve("sw.s");
        Files.writeString(s, "  .text\n  .globl cem_swapcontext\ncem_swapcontext:\n#if 1\n  ret\n#endif\n");
        CliTest.Result r = CliTest.run("assemble", s.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("sw.s:4") && r.err().contains("--cpp"), r.err());
        Assumptions.assumeTrue(haveCpp(), "no C preprocessor");
        assertEquals(0, CliTest.run("assemble", s.toString(), "--cpp").exit());
        CliTest.Result v = CliTest.run("vectors", "-DX=1");
        assertEquals(2, v.exit());
        assertTrue(v.err().contains("apply to --asm"), v.err());
    }
}
