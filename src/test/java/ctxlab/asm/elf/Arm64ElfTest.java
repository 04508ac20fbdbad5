package ctxlab.asm.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.AsmException;
import ctxlab.asm.Assembly;
import ctxlab.asm.Preprocessor;
import ctxlab.asm.Relocation;
import ctxlab.asm.SourceFile;
import ctxlab.asm.SourceOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AArch64 ELF input ({@code e_machine} 183): objects and shared libraries made here by
 * {@code aarch64-linux-gnu-as} and {@code aarch64-linux-gnu-ld}, read into the same bytes as the
 * source, relocations applied as ld applies them, calls out turned into named stops.
 */
class Arm64ElfTest {
    static final Path INPUT = TestFiles.ROOT.resolve("asm/input-arm64");
    static final Path RESOURCES = TestFiles.ROOT.resolve("src/test/resources/ctxlab/arm64-input");
    static final long BASE = 0x40_0000L;
    static Path dir;

    @BeforeAll
    static void tools() throws IOException {
        boolean have = Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-as")) && Files.isExecutable(Path.of("/usr/bin/aarch64-linux-gnu-ld"));
        if (System.getenv("CI") != null) assertTrue(have, "binutils-aarch64-linux-gnu missing under CI (.ci/run installs it)");
        Assumptions.assumeTrue(have, "aarch64-linux-gnu-as/ld not installed");
        dir = Files.createTempDirectory("ctxlab-a64elf");
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + ": " + out);
        return out;
    }

    /** The preprocessed text of a source, as ctxlab reads it, written out for GNU as. */
    static Path preprocessed(Path source) throws IOException {
        Path s = dir.resolve(source.getFileName() + ".s");
        Files.writeString(s, SourceFile.read(source, SourceOptions.DEFAULT, Preprocessor.Target.AARCH64).text());
        return s;
    }

    /** {@code as -g} then, for "so", {@code ld -shared}. */
    static Path build(Path source, String kind) throws IOException, InterruptedException {
        Path s = source.toString().endsWith(".S") ? preprocessed(source) : source;
        Path o = dir.resolve(source.getFileName() + ".o");
        run("aarch64-linux-gnu-as", "-g", "-o", o.toString(), s.toString());
        if (kind.equals("o")) return o;
        Path so = dir.resolve(source.getFileName() + ".so");
        run("aarch64-linux-gnu-ld", "-shared", "-o", so.toString(), o.toString());
        return so;
    }

    static ElfInput.Routine load(Path elf, String symbol) {
        return ElfInput.load(ElfFile.read(elf, elf.getFileName().toString()), symbol, symbol != null, BASE);
    }

    static byte[] routineBytes(Assembly a, String symbol, long size) {
        long off = a.symbol(symbol).offset();
        return Arrays.copyOfRange(a.code(), (int) off, (int) (off + size));
    }

    @Test
    void objectAndSharedLibraryGiveTheSourcesBytes() throws Exception {
        Path src = INPUT.resolve("cem_swapcontext.S");
        Assembly fromSource = Arm64Assembler.assemble(SourceFile.read(src, SourceOptions.DEFAULT, Preprocessor.Target.AARCH64), BASE);
        for (String kind : List.of("o", "so")) {
            ElfInput.Routine r = load(build(src, kind), null);   // the only function: found without --symbol
            assertEquals("cem_swapcontext", r.symbol());
            assertEquals(ElfFile.EM_AARCH64, r.elf().machine());
            Assembly a = r.assembly();
            assertEquals(HexFormat.of().formatHex(fromSource.code()), HexFormat.of().formatHex(routineBytes(a, "cem_swapcontext", 116)), kind);
            assertEquals(29, a.linesOf("cem_swapcontext").size(), kind);
            assertTrue(a.relocations().isEmpty(), kind + ": " + a.relocations());
            // the shared library's .text is not page-aligned: its page offset is kept (adrp pages stay right)
            assertEquals(r.elf().section(".text").addr() & 0xfff, a.symbol("cem_swapcontext").offset() & 0xfff, kind);
        }
        // DWARF lines of the object name the original file and line (through the preprocessor's markers)
        Assembly o = load(build(src, "o"), "cem_swapcontext").assembly();
        assertEquals(fromSource.lines().get(0).where().line(), o.lines().get(0).where().line());
        assertTrue(o.lines().get(0).where().file().endsWith("cem_swapcontext.S"), o.lines().get(0).where().toString());
        assertEquals("stp x19, x20, [x0]", o.lines().get(0).text());
    }

    /** Without .size, a routine runs to the next function or global symbol, not over it (as for x86-64). */
    @Test
    void aRoutineWithoutASizeEndsAtTheNextGlobalSymbol() throws Exception {
        Path src = dir.resolve("sizeless.s");
        Files.writeString(src, "    .text\n    .globl f\n    .type f, %function\nf:\n    mov x0, x1\nagain:\n    cbz x0, again\n"
                + "    ret\n    .globl h\nh:\n    mov x2, x3\n    ret\n");
        Path o = build(src, "o");
        assertEquals(List.of("mov x0, x1", "cbz x0, #0x400004", "ret"),
                load(o, "f").assembly().lines().stream().map(Assembly.Line::text).toList());
        assertEquals(2, load(o, "h").assembly().lines().size());
    }

    @Test
    void objectRelocationsAreAppliedAsLdDoes() throws Exception {
        Path src = RESOURCES.resolve("relocs.s");
        Path o = build(src, "o");
        // the reference: ld links the object at BASE
        Path exe = dir.resolve("relocs.elf");
        run("aarch64-linux-gnu-ld", "-static", "-nostdlib", "-Ttext=0x400000", "-e", "swap", "-o", exe.toString(), o.toString());
        ElfFile linked = ElfFile.read(exe, "relocs.elf");
        byte[] ld = linked.bytes(linked.section(".text"));
        Assembly a = load(o, "swap").assembly();
        assertEquals(HexFormat.of().formatHex(ld), HexFormat.of().formatHex(Arrays.copyOf(a.code(), ld.length)));
        // teeth: the object's own bytes differ from ld's (its fields are zero until relocated)
        ElfFile obj = ElfFile.read(o, "relocs.o");
        assertTrue(!Arrays.equals(ld, obj.bytes(obj.section(".text"))));
        // and the front-end makes the same bytes of the source
        Assembly fromSource = Arm64Assembler.assemble(SourceFile.read(src), BASE);
        assertEquals(HexFormat.of().formatHex(ld), fromSource.hex());
    }

    @Test
    void callsOutOfTheCodeBecomeNamedStops() throws Exception {
        Path src = INPUT.resolve("fcontext_arm64.S");
        for (String kind : List.of("o", "so")) {
            Assembly a = load(build(src, kind), "make_fcontext").assembly();
            assertEquals(1, a.relocations().size(), kind + ": " + a.relocations());
            Relocation r = a.relocations().get(0);
            assertEquals(kind.equals("o") ? "_exit" : "_exit@PLT", r.symbol());
            assertEquals(Relocation.Kind.CALL, r.kind());
            int word = ByteBuffer.wrap(a.code(), (int) r.instruction(), 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            assertEquals(0x25, word >>> 26, "still a bl");
            long target = r.instruction() + ((long) (word << 6) >> 4);
            assertEquals(0xd4201c00, ByteBuffer.wrap(a.code(), (int) target, 4).order(ByteOrder.LITTLE_ENDIAN).getInt(), kind);
            assertTrue(a.describe(a.base() + target).endsWith("(stop) calls " + r.symbol() + ", outside the code"), a.describe(a.base() + target));
            assertTrue(a.describe(a.base() + r.instruction()).endsWith("bl " + r.symbol()), a.describe(a.base() + r.instruction()));
        }
    }

    @Test
    void aDataReferenceOutOfTheSectionIsRefusedNamingIt(@TempDir Path tmp) throws Exception {
        Path s = tmp.resolve("data.s");
        Files.writeString(s, "        .text\n        .globl f\n        .type f, %function\nf:\n        adrp x0, counter\n"
                + "        ldr x0, [x0, :lo12:counter]\n        ret\n        .size f, .-f\n");
        Path o = tmp.resolve("data.o");
        run("aarch64-linux-gnu-as", "-o", o.toString(), s.toString());
        AsmException e = assertThrows(AsmException.class, () -> load(o, "f"));
        assertEquals("data.o:f+0x0: R_AARCH64_ADR_PREL_PG_HI21 against 'counter', which is not in .text: ctxlab places only the"
                + " routine's own section (it stops at calls and jumps out of it, but cannot place data or addresses of other sections)",
                e.getMessage());
    }

    @Test
    void brokenAndForeignFilesAreOneLine() throws Exception {
        byte[] good = Files.readAllBytes(build(INPUT.resolve("cem_swapcontext.S"), "o"));
        AsmException e = assertThrows(AsmException.class, () -> ElfFile.parse("t.o", Arrays.copyOf(good, 40)));
        assertEquals("t.o: truncated ELF header (40 bytes, 64 needed)", e.getMessage());
        e = assertThrows(AsmException.class, () -> ElfFile.parse("t.o", Arrays.copyOf(good, good.length / 2)));
        assertTrue(e.getMessage().contains("past the end of the file"), e.getMessage());
        byte[] arm32 = good.clone();
        arm32[18] = 40;
        e = assertThrows(AsmException.class, () -> ElfFile.parse("t.o", arm32));
        assertEquals("t.o: not an x86-64 or AArch64 ELF file (e_machine 40 (32-bit ARM); x86-64 is 62, AArch64 183)", e.getMessage());
        // teeth: the untouched file reads
        assertEquals(ElfFile.EM_AARCH64, ElfFile.parse("t.o", good).machine());
        // a routine whose bytes are not AArch64 code
        Path s = dir.resolve("junk.s");
        Files.writeString(s, "        .text\n        .globl f\n        .type f, %function\nf:\n        ret\n        .word 0xffffffff\n        .size f, .-f\n");
        Path o = dir.resolve("junk.o");
        run("aarch64-linux-gnu-as", "-o", o.toString(), s.toString());
        e = assertThrows(AsmException.class, () -> load(o, "f"));
        assertTrue(e.getMessage().startsWith("junk.o:f+0x4: Capstone cannot decode the bytes there (ff ff ff ff"), e.getMessage());
    }
}
