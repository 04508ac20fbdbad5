package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.elf.ElfFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real AArch64 switch files through the front-end: {@code .S} through the C preprocessor with
 * AArch64's macros and true line numbers, the constructs such files use (byte-identical to
 * {@code aarch64-linux-gnu-as}, linked by {@code aarch64-linux-gnu-ld}), stops at calls to
 * undefined symbols, and one-line refusals for what Keystone would get wrong.
 */
class Arm64InputTest {
    static final Path INPUT = TestFiles.ROOT.resolve("asm/input-arm64");
    static final Path RESOURCES = TestFiles.ROOT.resolve("src/test/resources/ctxlab/arm64-input");
    static final long BASE = 0x40_0000L;
    static final SourceOptions BTI = new SourceOptions(false, List.of("__ARM_FEATURE_BTI_DEFAULT=1"), List.of(), List.of());

    static SourceFile read(Path p, SourceOptions o) {
        return SourceFile.read(p, o, Preprocessor.Target.AARCH64);
    }

    static Assembly ours(Path p, SourceOptions o) {
        return Arm64Assembler.assemble(read(p, o), BASE);
    }

    static void requireTools() {
        boolean have = Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-as")) && Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-ld"));
        if (System.getenv("CI") != null) assertTrue(have, "binutils-aarch64-linux-gnu missing under CI (.ci/run installs it)");
        Assumptions.assumeTrue(have, "aarch64-linux-gnu-as/ld not installed");
    }

    /**
     * What GNU as and ld make of the same preprocessed text: the .text of the object linked at
     * {@link #BASE} (undefined symbols left for the loader, as a shared library would).
     */
    static byte[] gnu(String preprocessed, Path dir) throws IOException, InterruptedException {
        requireTools();
        Path s = dir.resolve("x.s"), o = dir.resolve("x.o"), elf = dir.resolve("x.elf");
        Files.writeString(s, preprocessed);
        run(List.of("aarch64-linux-gnu-as", "-o", o.toString(), s.toString()));
        run(List.of("aarch64-linux-gnu-ld", "-static", "-nostdlib", "--unresolved-symbols=ignore-all", "-Ttext=0x400000", "-e", "0",
                "-o", elf.toString(), o.toString()));
        ElfFile f = ElfFile.read(elf, "x.elf");
        return f.bytes(f.section(".text"));
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": " + out);
        return out;
    }

    /**
     * Ours against GNU's, word for word: equal everywhere except the branches to undefined symbols
     * (GNU's go where the linker put them, ours to the stops after the code: same instruction,
     * other offset), and after GNU's code only the stops.
     */
    static void assertSameBytes(String what, byte[] gnu, Assembly a) {
        byte[] ours = a.code();
        assertTrue(ours.length >= gnu.length, what + ": " + ours.length + " bytes, GNU " + gnu.length);
        java.util.Set<Long> calls = new java.util.HashSet<>();
        for (Relocation r : a.relocations()) calls.add(r.instruction());
        ByteBuffer g = ByteBuffer.wrap(gnu).order(ByteOrder.LITTLE_ENDIAN), o = ByteBuffer.wrap(ours).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 4 <= gnu.length; i += 4) {
            if (calls.contains((long) i)) {
                assertEquals(g.getInt(i) >>> 26, o.getInt(i) >>> 26, what + ": the branch at 0x" + Integer.toHexString(i));
            } else {
                assertEquals(String.format("%08x", g.getInt(i)), String.format("%08x", o.getInt(i)), what + ": word at 0x" + Integer.toHexString(i));
            }
        }
        for (int i = gnu.length / 4 * 4; i < gnu.length; i++) assertEquals(gnu[i], ours[i], what + ": byte " + i);
        for (int i = (gnu.length + 3) & ~3; i + 4 <= ours.length; i += 4) {
            assertEquals(0xd4201c00, o.getInt(i), what + ": only stops (brk #0xe0) after the code");
        }
        assertEquals(calls.size(), (ours.length - ((gnu.length + 3) & ~3)) / 4, what + ": one stop per call out");
    }

    @Test
    void realFilesAreByteIdenticalToGnuAs(@TempDir Path dir) throws Exception {
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(INPUT)) {
            s.filter(p -> p.toString().endsWith(".S")).sorted().forEach(files::add);
        }
        files.add(RESOURCES.resolve("calls.S"));
        assertTrue(files.size() >= 3, files.toString());
        for (Path f : files) {
            for (SourceOptions o : List.of(SourceOptions.DEFAULT, BTI)) {
                SourceFile src = read(f, o);
                Assembly a = Arm64Assembler.assemble(src, BASE);
                assertSameBytes(f + " " + o.defines(), gnu(src.text(), dir), a);
            }
        }
        // The BTI build has its landing pads: the same file is longer by one bti c per function.
        Path fc = INPUT.resolve("fcontext_arm64.S");
        assertEquals(ours(fc, SourceOptions.DEFAULT).size() + 3 * 4, ours(fc, BTI).size());
        assertEquals("5f2403d5", HexFormat.of().formatHex(ours(INPUT.resolve("cem_swapcontext.S"), BTI).code(), 0, 4));
    }

    @Test
    void constructsAndDataAreByteIdenticalToGnuAs(@TempDir Path dir) throws Exception {
        for (String name : List.of("constructs.s", "data.s")) {
            Path f = RESOURCES.resolve(name);
            SourceFile src = SourceFile.read(f);
            assertSameBytes(name, gnu(src.text(), dir), Arm64Assembler.assemble(src, BASE));
        }
        Assembly c = Arm64Assembler.assemble(SourceFile.read(RESOURCES.resolve("constructs.s")), BASE);
        // the hint-space instructions Keystone does not know, as GNU as encodes them
        assertEquals("5f2403d5", hexAt(c, "bti     c"));
        assertEquals("3f2303d5", hexAt(c, "paciasp"));
        assertEquals("bf2303d5", hexAt(c, "autiasp"));
        assertEquals("9f2403d5", hexAt(c, "bti     j"));
        // the .rodata table is not code; its label is known, not placed
        assertFalse(c.symbols().containsKey("table"));
    }

    static String hexAt(Assembly a, String text) {
        for (Assembly.Line l : a.lines()) {
            if (l.text().equals(text)) return HexFormat.of().formatHex(a.code(), (int) l.offset(), (int) l.offset() + l.length());
        }
        throw new AssertionError("no line '" + text + "'");
    }

    @Test
    void linesPointIntoTheOriginalFileAndItsHeaders(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("slots.h"), "/* slots */\n#define SLOT 0x10\n#define BAD frobnicate x1\n");
        Path s = dir.resolve("sw.S");
        Files.writeString(s, "#include \"slots.h\"\n/* a comment\n   over two lines */\n        .text\nf:\n        str x19, [x0, #SLOT]\n"
                + "        ret\n");
        Assembly a = Arm64Assembler.assemble(new SourceFile("sw.S", read(s, SourceOptions.DEFAULT).text()), 0);
        assertEquals("sw.S:6", a.lines().get(0).where().toString());
        assertEquals("sw.S:7", a.lines().get(1).where().toString());
        // an error on a line of the file, and one on a line that came from a header's macro
        Files.writeString(s, "#include \"slots.h\"\n        .text\nf:\n        ret\n        frobnicate x1\n");
        AsmException e = assertThrows(AsmException.class, () -> Arm64Assembler.assemble(new SourceFile("sw.S", read(s, SourceOptions.DEFAULT).text()), 0));
        assertTrue(e.getMessage().startsWith("sw.S:5: "), e.getMessage());
        Files.writeString(s, "#include \"slots.h\"\n        .text\nf:\n        ret\n\n\n        BAD\n");
        e = assertThrows(AsmException.class, () -> Arm64Assembler.assemble(new SourceFile("sw.S", read(s, SourceOptions.DEFAULT).text()), 0));
        assertTrue(e.getMessage().startsWith("sw.S:7: "), e.getMessage());
        // a header's own line
        Files.writeString(dir.resolve("code.h"), "// code\n        ret\n        frobnicate x2\n");
        Files.writeString(s, "        .text\nf:\n#include \"code.h\"\n");
        e = assertThrows(AsmException.class, () -> Arm64Assembler.assemble(new SourceFile("sw.S", read(s, SourceOptions.DEFAULT).text()), 0));
        assertTrue(e.getMessage().contains("code.h:3: "), e.getMessage());
        // #error: the preprocessor's own file:line
        Files.writeString(s, "\n#error \"not for this machine\"\n");
        e = assertThrows(AsmException.class, () -> read(s, SourceOptions.DEFAULT));
        assertTrue(e.getMessage().contains("sw.S:2:") && e.getMessage().contains("not for this machine"), e.getMessage());
    }

    @Test
    void theArchitectureMacrosAreAarch64s(@TempDir Path dir) throws Exception {
        Path s = dir.resolve("sel.S");
        Files.writeString(s, "        .text\nf:\n#if defined(__x86_64__) || defined(__amd64__) || defined(__SSE2__)\n        frobnicate x0\n"
                + "#elif defined(__aarch64__) && __ARM_ARCH >= 8 && defined(__ARM_64BIT_STATE) && defined(__linux__) && defined(__ELF__)\n"
                + "        ret\n#else\n#error no architecture\n#endif\n");
        assertEquals("c0035fd6", ours(s, SourceOptions.DEFAULT).hex());
        // teeth: the x86-64 reading of the same file takes the other branch
        assertTrue(SourceFile.read(s, SourceOptions.DEFAULT).text().contains("frobnicate"));
        // the user's -U/-D come last and win
        SourceOptions undef = new SourceOptions(false, List.of(), List.of("__aarch64__"), List.of());
        AsmException e = assertThrows(AsmException.class, () -> read(s, undef));
        assertTrue(e.getMessage().contains("no architecture"), e.getMessage());
    }

    /** The fallback (host cpp with the macros swapped) defines what the cross preprocessor does, for every architecture macro. */
    @Test
    void theFallbackMatchesTheCrossPreprocessor(@TempDir Path dir) throws Exception {
        boolean cross = Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-cpp"));
        if (System.getenv("CI") != null) assertTrue(cross, "cpp-aarch64-linux-gnu missing under CI (.ci/run installs it)");
        Assumptions.assumeTrue(cross, "aarch64-linux-gnu-cpp not installed");
        Assumptions.assumeTrue(System.getProperty("os.arch").equals("amd64"), "the fallback is for x86-64 hosts");
        String path = System.getenv("PATH");
        assertEquals(List.of("aarch64-linux-gnu-cpp"), Preprocessor.command(path, Preprocessor.Target.AARCH64, "amd64"));
        assertEquals(List.of("cpp"), Preprocessor.command("/usr/bin", Preprocessor.Target.AARCH64, "aarch64"));
        // a PATH with the host cpp and no cross preprocessor
        Path bin = Files.createDirectory(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("cpp"), Path.of("/usr/bin/cpp"));
        List<String> fallback = Preprocessor.command(bin.toString(), Preprocessor.Target.AARCH64, "amd64");
        assertEquals("cpp", fallback.get(0));
        Map<String, String> want = macros(List.of("aarch64-linux-gnu-cpp"), dir), got = macros(fallback, dir);
        Map<String, String> host = macros(List.of("cpp"), dir);
        List<String> wrong = differences(want, got);
        assertTrue(wrong.isEmpty(), "fallback differs from aarch64-linux-gnu-cpp: " + wrong);
        // teeth: the host's cpp as it is differs on exactly these macros
        assertTrue(differences(want, host).size() > 20, differences(want, host).toString());
    }

    static List<String> differences(Map<String, String> want, Map<String, String> got) {
        java.util.regex.Pattern arch = java.util.regex.Pattern.compile("ARM|AARCH|aarch|x86|amd64|SSE|MMX|k8|FXSR|SEG_|HLE|code_model|CHAR_UNSIGNED");
        java.util.Set<String> names = new java.util.TreeSet<>(want.keySet());
        names.addAll(got.keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (arch.matcher(n).find() && !java.util.Objects.equals(want.get(n), got.get(n))) out.add(n + ": " + want.get(n) + " / " + got.get(n));
        }
        return out;
    }

    static Map<String, String> macros(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Path empty = dir.resolve("empty.S");
        if (!Files.exists(empty)) Files.writeString(empty, "");
        List<String> c = new ArrayList<>(cmd);
        c.addAll(List.of("-x", "assembler-with-cpp", "-dM", empty.toString()));
        Map<String, String> out = new TreeMap<>();
        for (String line : run(c).split("\n")) {
            String[] p = line.split(" ", 3);
            if (p.length >= 2 && p[0].equals("#define")) out.put(p[1], p.length > 2 ? p[2] : "");
        }
        return out;
    }

    @Test
    void callsToUndefinedSymbolsStopThereWithTheirName() {
        Assembly a = ours(RESOURCES.resolve("calls.S"), SourceOptions.DEFAULT);
        assertEquals(2, a.relocations().size(), a.relocations().toString());
        assertEquals("_exit", a.relocations().get(0).symbol());
        assertEquals(Relocation.Kind.CALL, a.relocations().get(0).kind());
        assertEquals("abort", a.relocations().get(1).symbol());
        assertEquals(Relocation.Kind.JUMP, a.relocations().get(1).kind());
        // bl _exit goes to a brk whose line names the symbol and the calling line
        long bl = a.relocations().get(0).instruction();
        int word = ByteBuffer.wrap(a.code(), (int) bl, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        long target = a.base() + bl + ((long) (word << 6) >> 4);
        assertEquals(0xd4201c00, ByteBuffer.wrap(a.code(), (int) (target - a.base()), 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
        assertEquals(a.describe(a.base() + bl).split(":")[0] + ":" + a.describe(a.base() + bl).split(":")[1]
                + ": (stop) calls _exit, which no file defines", a.describe(target));
        // in emulation: the trace of the routine ends at the stop, naming it
        var r = ctxlab.trace.Arm64Tracer.trace(Arm64Assembler.assemble(read(RESOURCES.resolve("calls.S"), SourceOptions.DEFAULT),
                ctxlab.trace.Arm64Tracer.CODE), "calls.S", "start", 100);
        assertFalse(r.arrived());
        assertTrue(r.end().contains("(stop) calls _exit, which no file defines"), r.end());
    }

    @Test
    void capstoneChecksKeystonesMnemonicAndRegisters() {
        java.util.function.BiFunction<String, String, ctxlab.disasm.Instruction> insn = (m, ops) ->
                new ctxlab.disasm.Instruction(0, new byte[4], m, ops, List.of(), 0, 0, 0, 0);
        assertEquals(null, Arm64CrossCheck.compare("stp fp, lr, [sp, #0x90]", insn.apply("stp", "x29, x30, [sp, #0x90]")));
        assertEquals(null, Arm64CrossCheck.compare("1:      tbz x0, #3, .Lctxlab_n1_0", insn.apply("tbz", "w0, #3, #0x30")));
        assertEquals(null, Arm64CrossCheck.compare("mov x0, #0", insn.apply("movz", "x0, #0")));
        assertEquals(null, Arm64CrossCheck.compare("ret x30", insn.apply("ret", "")));
        assertEquals(null, Arm64CrossCheck.compare("bti c", insn.apply("hint", "#0x22")));
        assertEquals(null, Arm64CrossCheck.compare("stp d8, d9, [x0, 0x68]", insn.apply("stp", "d8, d9, [x0, #0x68]")));
        // teeth: another register, another instruction, a register lost
        assertEquals("Capstone reads register x21, which the statement does not name",
                Arm64CrossCheck.compare("stp x19, x20, [x0]", insn.apply("stp", "x19, x21, [x0]")));
        assertEquals("Capstone reads ldp, the statement says stp", Arm64CrossCheck.compare("stp x19, x20, [x0]", insn.apply("ldp", "x19, x20, [x0]")));
        assertEquals("the statement names v9, which Capstone does not read",
                Arm64CrossCheck.compare("stp d8, d9, [x0]", insn.apply("stp", "d8, d8, [x0]")));
    }

    @Test
    void whatKeystoneWouldGetWrongIsRefusedWithTheLine(@TempDir Path dir) throws Exception {
        String[][] cases = {
                {"f:\n#if 1\n  ret\n#endif\n", "t.s:2: a C preprocessor line in a file that was not preprocessed"},
                {"f:\n  retaa\n", "t.s:2: retaa (pointer authentication outside the hint space) is not supported"},
                {"f:\n  adr x0, nowhere\n  ret\n", "t.s:2: 'nowhere' is not defined in the file"},
                {"f:\n  adrp x0, nowhere\n  add x0, x0, :lo12:nowhere\n", "t.s:2: 'nowhere' is not a label of the code"},
                {"f:\n  ldr x0, =0x1234\n", "t.s:2: literal-pool loads"},
                {"f:\n  ret\n  .popsection\n", "t.s:3: .popsection without .pushsection"},
                {"f:\n  .macro m\n  ret\n  .endm\n", "t.s:2: .macro is not supported"},
                {"f:\n  mov x0, #1 \u00e9\n", "t.s:2: non-ASCII character"},
        };
        for (String[] c : cases) {
            AsmException e = assertThrows(AsmException.class, () -> Arm64Assembler.assemble(new SourceFile("t.s", c[0]), 0), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), c[0] + " -> " + e.getMessage());
            assertEquals(2, e.getMessage().lines().count(), e.getMessage());   // the reason and the quoted line
        }
        // teeth: '#' comment lines (Boost's style), indented or not, are comments, not directives
        assertEquals("c0035fd6", Arm64Assembler.assemble(new SourceFile("t.s", "# a comment\nf:\n    # if the strand returns\n  ret\n"), 0).hex());
        // .end stops reading; .inst and .dword give bytes
        assertEquals("1f2003d5c0035fd6", Arm64Assembler.assemble(new SourceFile("t.s", "f: .inst 0xd503201f\n ret\n .end\n frobnicate\n"), 0).hex());
        assertNotEquals(0, Arm64Assembler.assemble(new SourceFile("t.s", "f: .dword 7\n"), 0).size());
    }
}
