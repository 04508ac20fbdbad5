package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the arm64 and front-end lines meet on: --arch arm64 refuses, in one line and exit 2, what its
 * front-end cannot follow yet (ELF input, the C preprocessor), and still takes a plain source.
 */
class Arm64MergeTest {
    static final String[] COMMANDS = {"assemble", "verify", "trace"};

    @Test
    void preprocessorOptionsAreRefusedForArm64() {
        for (String c : COMMANDS) {
            Arm64CliTest.Result r = Arm64CliTest.run(c, "asm/context_arm64.s", "-DX=1");
            assertEquals(2, r.exit(), c + ": " + r.out() + r.err());
            assertTrue(r.err().contains("asm/context_arm64.s: the C preprocessor") && r.err().contains("--arch arm64"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        Arm64CliTest.Result s = Arm64CliTest.run("selftest", "--arch", "arm64", "--cpp");
        assertEquals(2, s.exit(), s.out() + s.err());
        assertTrue(s.err().contains("the C preprocessor"), s.err());
        // teeth: without the option the same command works
        assertEquals(0, Arm64CliTest.run("assemble", "asm/context_arm64.s").exit());
    }

    @Test
    void aDotCapitalSFileIsRefusedForArm64(@TempDir Path dir) throws Exception {
        Path s = dir.resolve("sw.S");
        Files.copy(Path.of("asm/context_arm64.s"), s);
        Arm64CliTest.Result r = Arm64CliTest.run("assemble", "--arch", "arm64", s.toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("sw.S: the C preprocessor"), r.err());
        Path plain = dir.resolve("sw.s");
        Files.copy(Path.of("asm/context_arm64.s"), plain);
        Arm64CliTest.Result ok = Arm64CliTest.run("assemble", "--arch", "arm64", plain.toString(), "--json");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("\"arch\":\"arm64\"") || ok.out().contains("\"arch\" : \"arm64\""), ok.out());
    }

    @Test
    void anAarch64ElfFileIsRefusedWithOneLine(@TempDir Path dir) throws Exception {
        byte[] header = new byte[64];
        header[0] = 0x7F;
        header[1] = 'E';
        header[2] = 'L';
        header[3] = 'F';
        header[4] = 2;      // ELFCLASS64
        header[5] = 1;      // little-endian
        header[6] = 1;
        header[16] = 1;     // ET_REL
        header[18] = (byte) 183;   // EM_AARCH64: inferred as arm64
        Path o = dir.resolve("switch.o");
        Files.write(o, header);
        for (String c : COMMANDS) {
            Arm64CliTest.Result r = Arm64CliTest.run(c, o.toString(), "--arch", "arm64");
            assertEquals(2, r.exit(), c + ": " + r.out() + r.err());
            assertTrue(r.err().contains("an ELF file; with --arch arm64 give the GNU-as source"), c + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            // Without --arch the ELF path reads it, and names the foreign machine itself.
            Arm64CliTest.Result inferred = Arm64CliTest.run(c, o.toString());
            assertEquals(2, inferred.exit(), c + ": " + inferred.out() + inferred.err());
            assertTrue(inferred.err().contains("not an x86-64 ELF file (e_machine 183"), c + ": " + inferred.err());
        }
    }
}
