package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Preprocessor;
import ctxlab.asm.SourceFile;
import ctxlab.asm.SourceOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every command on a real AArch64 {@code .S} file and on AArch64 ELF files made from it (an object
 * and a shared library), without {@code --arch}: the architecture comes from the file (its
 * registers, or the ELF header's e_machine). Broken input is one line and exit 2.
 */
class Arm64InputCliTest {
    static final Path SWITCH = TestFiles.ROOT.resolve("asm/input-arm64/cem_swapcontext.S");
    static Path dir, object, shared;

    @BeforeAll
    static void build() throws Exception {
        boolean have = Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-as")) && Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-ld"));
        if (System.getenv("CI") != null) assertTrue(have, "binutils-aarch64-linux-gnu missing under CI (.ci/run installs it)");
        Assumptions.assumeTrue(have, "aarch64-linux-gnu-as/ld not installed");
        dir = Files.createTempDirectory("ctxlab-a64cli");
        Path s = dir.resolve("sw.s");
        Files.writeString(s, SourceFile.read(SWITCH, SourceOptions.DEFAULT, Preprocessor.Target.AARCH64).text());
        object = dir.resolve("sw.o");
        shared = dir.resolve("libsw.so");
        run("aarch64-linux-gnu-as", "-g", "-o", object.toString(), s.toString());
        run("aarch64-linux-gnu-ld", "-shared", "-o", shared.toString(), object.toString());
    }

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": " + out);
    }

    static Arm64CliTest.Result ctxlab(String... args) {
        return Arm64CliTest.run(args);
    }

    static void assertOk(Arm64CliTest.Result r, String what) {
        assertEquals(0, r.exit(), what + ": " + r.out() + r.err());
    }

    @Test
    void everyEmulatedCommandTakesTheSourceTheObjectAndTheLibrary() throws Exception {
        for (Path f : List.of(SWITCH, object, shared)) {
            String name = f.toString();
            assertEquals(ArchOption.Arch.ARM64, ArchOption.infer(f), name);
            Arm64CliTest.Result a = ctxlab("assemble", name, "--json");
            assertOk(a, "assemble " + name);
            assertTrue(a.out().contains("arm64") || f != SWITCH, a.out());
            Arm64CliTest.Result v = ctxlab("verify", name, "--iterations", "200", "--seed", "3");
            assertOk(v, "verify " + name);
            assertTrue(v.out().contains("(arm64, AAPCS64") && v.out().contains("verdict: PASS"), v.out());
            Arm64CliTest.Result st = ctxlab("selftest", "--asm", name);
            assertOk(st, "selftest " + name);
            assertTrue(st.out().contains("6 passed, 0 failed"), st.out());
            Arm64CliTest.Result vec = ctxlab("vectors", "--asm", name);
            assertOk(vec, "vectors " + name);
            assertTrue(vec.out().contains("26 passed, 0 failed"), vec.out());
            for (String format : List.of("text", "json", "html")) {
                Path out = dir.resolve(f.getFileName() + "." + format);
                Arm64CliTest.Result t = ctxlab("trace", name, "--format", format, "--out", out.toString());
                assertOk(t, "trace " + format + " " + name);
                String written = Files.readString(out);
                assertTrue(written.contains("arm64"), format + ": " + written.substring(0, Math.min(200, written.length())));
            }
            // the source view and every step's line name the original file: the .S (through the
            // preprocessor's markers, and the object's DWARF lines), and its 29 instructions
            if (f != shared) {
                String text = Files.readString(dir.resolve(f.getFileName() + ".text"));
                assertTrue(text.contains("cem_swapcontext.S:56"), text);
            }
        }
        // the HTML page of the .S shows the file as written (with its #if lines), not cpp's output
        String html = Files.readString(dir.resolve("cem_swapcontext.S.html"));
        assertTrue(html.contains("#if !defined(__aarch64__)"), "the raw source in the page");
    }

    @Test
    void aCallOutOfTheSwitchFailsTerminationAtItsLineNamingTheSymbol() throws Exception {
        Path s = dir.resolve("calls-abort.s");
        Files.writeString(s, Files.readString(TestFiles.ROOT.resolve("asm/context_arm64.s")).replaceFirst("(?m)^(\\s+)ret\\b", "$1bl abort\n$1ret"));
        Arm64CliTest.Result r = ctxlab("verify", s.toString(), "--iterations", "20", "--seed", "1");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("termination violated: ") && r.out().contains("calls-abort.s:86: (stop) calls abort, which no file defines"),
                r.out());
        // teeth: the file without the call passes
        assertOk(ctxlab("verify", "asm/context_arm64.s", "--iterations", "20", "--seed", "1"), "verify");
    }

    @Test
    void hostCommandsSayInOneLineThatThisHostCannotRunAarch64() {
        for (String[] args : new String[][] {{"selftest", "--host", "--asm", SWITCH.toString()}, {"bench", "--asm", object.toString()},
                {"vectors", "--host", "--asm", shared.toString()}}) {
            Arm64CliTest.Result r = ctxlab(args);
            assertEquals(2, r.exit(), Arrays.toString(args) + ": " + r.out() + r.err());
            assertTrue(r.err().contains("arm64"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    @Test
    void brokenInputIsOneLineAndExit2() throws Exception {
        byte[] good = Files.readAllBytes(object);
        Path truncated = dir.resolve("truncated.o");
        Files.write(truncated, Arrays.copyOf(good, 40));
        Path half = dir.resolve("half.o");
        Files.write(half, Arrays.copyOf(good, good.length / 2));
        Path arm32 = dir.resolve("arm32.o");
        byte[] other = good.clone();
        other[18] = 40;
        Files.write(arm32, other);
        Path error = dir.resolve("error.S");
        Files.writeString(error, "// ctxlab-arch: arm64\n        .text\n#error \"this switch is not ported yet\"\n");
        Path bad = dir.resolve("bad.S");
        Files.writeString(bad, "#define SLOT 8\n        .text\nf:\n        str x19, [x0, #SLOT]\n        frobnicate x19\n");
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {truncated.toString(), "truncated.o: truncated ELF header (40 bytes, 64 needed)"});
        cases.add(new String[] {half.toString(), "half.o: "});
        cases.add(new String[] {arm32.toString(), "arm32.o: an ELF file for e_machine 40 (32-bit ARM); ctxlab reads x86-64 (62) and AArch64 (183) code"});
        cases.add(new String[] {error.toString(), "error.S:3:2: error: #error \"this switch is not ported yet\""});
        cases.add(new String[] {bad.toString(), "bad.S:5: "});
        for (String command : List.of("assemble", "verify", "trace", "selftest", "vectors")) {
            for (String[] c : cases) {
                boolean asm = command.equals("selftest") || command.equals("vectors");
                Arm64CliTest.Result r = asm ? ctxlab(command, "--asm", c[0]) : ctxlab(command, c[0]);
                assertEquals(2, r.exit(), command + " " + c[0] + ": " + r.out() + r.err());
                assertTrue(r.err().contains(c[1]), command + " " + c[0] + ": " + r.err());
                assertTrue(r.err().strip().lines().count() <= 2, "the reason (and the quoted line): " + r.err());
                assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
            }
        }
        // an x86-64 ELF forced to arm64, and the other way round
        Path x86 = dir.resolve("x86.o");
        run("as", "-o", x86.toString(), TestFiles.ROOT.resolve("asm/context_x86_64.s").toString());
        Arm64CliTest.Result r = ctxlab("verify", x86.toString(), "--arch", "arm64");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("x86.o: an x86-64 ELF file (e_machine 62), read as arm64"), r.err());
        r = ctxlab("assemble", object.toString(), "--arch", "x86-64");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("sw.o: an AArch64 ELF file (e_machine 183), read as x86-64"), r.err());
        // teeth: the same x86-64 object without --arch is fine
        assertEquals(0, ctxlab("assemble", x86.toString()).exit());
    }
}
