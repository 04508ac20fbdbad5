package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the arm64 and front-end lines meet on: the C preprocessor options and ELF input, which
 * --arch arm64 once refused, now work for it (the files: Arm64InputCliTest); a header-only AArch64
 * ELF file is still one line and exit 2.
 */
class Arm64MergeTest {
    static final String[] COMMANDS = {"assemble", "verify", "trace"};

    @Test
    void preprocessorOptionsWorkForArm64(@TempDir Path dir) throws Exception {
        Path s = dir.resolve("sw.s");
        Files.writeString(s, "// ctxlab-arch: arm64\n#ifdef WITH_SWITCH\n" + Files.readString(Path.of("asm/context_arm64.s")) + "#endif\n");
        for (String c : COMMANDS) {
            Arm64CliTest.Result r = Arm64CliTest.run(c, s.toString(), "--cpp", "-DWITH_SWITCH=1");
            assertEquals(0, r.exit(), c + ": " + r.out() + r.err());
            // teeth: without the macro there is no routine
            Arm64CliTest.Result none = Arm64CliTest.run(c, s.toString(), "--cpp");
            assertEquals(2, none.exit(), c + ": " + none.out() + none.err());
        }
        Arm64CliTest.Result st = Arm64CliTest.run("selftest", "--asm", s.toString(), "--cpp", "-DWITH_SWITCH");
        assertEquals(0, st.exit(), st.out() + st.err());
    }

    @Test
    void aDotCapitalSFileIsPreprocessedForArm64(@TempDir Path dir) throws Exception {
        Path s = dir.resolve("sw.S");
        Files.copy(Path.of("asm/context_arm64.s"), s);
        Arm64CliTest.Result r = Arm64CliTest.run("assemble", "--arch", "arm64", s.toString(), "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("\"arch\":\"arm64\"") || r.out().contains("\"arch\" : \"arm64\""), r.out());
    }

    @Test
    void aHeaderOnlyAarch64ElfFileIsOneLine(@TempDir Path dir) throws Exception {
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
            for (String[] arch : new String[][] {{}, {"--arch", "arm64"}}) {
                String[] args = new String[2 + arch.length];
                args[0] = c;
                args[1] = o.toString();
                System.arraycopy(arch, 0, args, 2, arch.length);
                Arm64CliTest.Result r = Arm64CliTest.run(args);
                assertEquals(2, r.exit(), c + ": " + r.out() + r.err());
                assertTrue(r.err().contains("switch.o: no section headers"), c + ": " + r.err());
                assertEquals(1, r.err().strip().lines().count(), r.err());
            }
        }
    }
}
