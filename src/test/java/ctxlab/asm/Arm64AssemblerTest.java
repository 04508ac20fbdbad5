package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The AArch64 front-end, held against GNU as for AArch64 (binutils-aarch64-linux-gnu). */
class Arm64AssemblerTest {
    static final Path SWITCH = TestFiles.ROOT.resolve("asm/context_arm64.s");

    static Assembly assemble(String text) {
        return Arm64Assembler.assemble(new SourceFile("t.s", text), 0);
    }

    /** The .text bytes aarch64-linux-gnu-as makes of a file, linked at 0, as hex. */
    static String gnuAs(Path file) throws IOException, InterruptedException {
        return gnuAs(List.of(file));
    }

    /** The files assembled as one unit (GNU as reads several files as one). */
    static String gnuAs(List<Path> files) throws IOException, InterruptedException {
        boolean ci = System.getenv("CI") != null;
        boolean have = Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-as"));
        // Under CI .ci/run installs it, so a missing assembler is a failure there, not a skip.
        if (ci) assertTrue(have, "aarch64-linux-gnu-as missing under CI (.ci/run installs binutils-aarch64-linux-gnu)");
        Assumptions.assumeTrue(have, "aarch64-linux-gnu-as not installed (apt-get install binutils-aarch64-linux-gnu)");
        Path dir = Files.createTempDirectory("ctxlab-gas64");
        Path obj = dir.resolve("x.o"), elf = dir.resolve("x.elf"), bin = dir.resolve("x.bin");
        List<String> as = new java.util.ArrayList<>(List.of("aarch64-linux-gnu-as", "-o", obj.toString()));
        files.forEach(f -> as.add(f.toString()));
        run(as);
        run(List.of("aarch64-linux-gnu-ld", "-static", "-nostdlib", "-Ttext=0", "-e", "0", "-o", elf.toString(), obj.toString()));
        run(List.of("aarch64-linux-gnu-objcopy", "-O", "binary", "-j", ".text", elf.toString(), bin.toString()));
        return HexFormat.of().formatHex(Files.readAllBytes(bin));
    }

    private static void run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": " + out);
    }

    @Test
    void ourArm64SwitchIsByteIdenticalToGnuAs() throws Exception {
        Assembly a = Arm64Assembler.assemble(SourceFile.read(SWITCH), 0);
        assertEquals(gnuAs(SWITCH), a.hex());
        assertEquals(116, a.size());
        assertEquals(29, a.instructionCount());
        Assembly.Symbol s = a.symbol("cem_swapcontext");
        assertTrue(s.global());
        assertEquals(116, s.size());
        assertTrue(a.lines().get(0).text().startsWith("stp     x19, x20, [x0, #0x00]"), a.lines().get(0).text());
        assertEquals("ret", a.lines().get(28).text().split("\\s+")[0]);
        assertEquals(112, a.lines().get(28).offset());
    }

    @Test
    void variantsAndStrandsAreByteIdenticalToGnuAs() throws Exception {
        for (String dir : List.of("asm/variants-arm64", "asm/strands-arm64")) {
            Path d = TestFiles.ROOT.resolve(dir);
            if (!Files.isDirectory(d)) continue;
            try (var files = Files.list(d)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".s")).sorted().toList()) {
                    // Strand bodies call the routine: assembled together with it, as selftest does.
                    List<Path> unit = dir.contains("strands") ? List.of(SWITCH, f) : List.of(f);
                    assertEquals(gnuAs(unit), Arm64Assembler.assemble(unit.stream().map(SourceFile::read).toList(), 0).hex(),
                            f.toString());
                }
            }
        }
    }

    @Test
    void numericLabelsHashCommentsAndSemicolons() throws Exception {
        Path f = Files.createTempFile("ctxlab-a64", ".s");
        Files.writeString(f, """
                # a whole-line comment
                        .text
                f:      mov x0, #1 ; add x0, x0, #2   // two statements
                1:      subs x0, x0, #1
                        b.ne 1b
                        cbz x0, 2f
                        nop
                2:      ret
                        .size f, .-f
                """);
        Assembly a = Arm64Assembler.assemble(SourceFile.read(f), 0);
        assertEquals(gnuAs(f), a.hex());
        assertEquals(7, a.instructionCount());
        assertEquals(28, a.symbol("f").size());
    }

    @Test
    void errorsNameTheLine() {
        AsmException e = assertThrows(AsmException.class, () -> assemble("f:\n  mov x0, #1\n  frobnicate x1\n  ret\n"));
        assertTrue(e.getMessage().startsWith("t.s:3: Keystone"), e.getMessage());
        e = assertThrows(AsmException.class, () -> assemble("f:\n  ldr x0, =0x1234\n  ret\n"));
        assertTrue(e.getMessage().startsWith("t.s:2: literal-pool"), e.getMessage());
        e = assertThrows(AsmException.class, () -> assemble("f:\n  b 1b\n"));
        assertTrue(e.getMessage().startsWith("t.s:2: no local label 1: before"), e.getMessage());
        e = assertThrows(AsmException.class, () -> assemble("  .globl g\nf: ret\n"));
        assertTrue(e.getMessage().contains("'g' is declared global but never defined"), e.getMessage());
    }
}
