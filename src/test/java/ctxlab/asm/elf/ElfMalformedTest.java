package ctxlab.asm.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed ELF files, made by damaging one field of a good object: each is exit 2 with one line
 * naming the file and the problem, through every command that takes ELF input; never a stack trace,
 * never a read past the end.
 */
class ElfMalformedTest {
    @org.junit.jupiter.api.io.TempDir
    static Path dir;
    static Path object;
    static byte[] good;
    static ElfFile elf;

    @BeforeAll
    static void compile() throws Exception {
        object = ElfInputTest.compileObject(dir);
        good = Files.readAllBytes(object);
        elf = ElfFile.read(object, "switch.o");
    }

    static int shoff() {
        return (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(40);
    }

    /** Offset of field {@code at} of section header {@code index}. */
    static int shdr(int index, int at) {
        return shoff() + 64 * index + at;
    }

    static int sym(String name, int at) {
        ElfFile.Section symtab = elf.sections().stream().filter(s -> s.type() == ElfFile.SHT_SYMTAB).findFirst().orElseThrow();
        ElfFile.Symbol s = elf.symtab().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        return (int) symtab.offset() + 24 * s.index() + at;
    }

    static byte[] with(Consumer<ByteBuffer> damage) {
        byte[] b = good.clone();
        damage.accept(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN));
        return b;
    }

    /** name -> (bytes, words the message must contain). */
    static Map<String, Object[]> corpus() {
        Map<String, Object[]> c = new LinkedHashMap<>();
        int text = elf.section(".text").index();
        int data = elf.section(".data").index();
        ElfFile.Section textSec = elf.section(".text");
        ElfFile.Section rela = elf.section(".rela.text");
        c.put("magic-only.o", new Object[] {Arrays.copyOf(good, 4), "truncated ELF header"});
        c.put("truncated-header.o", new Object[] {Arrays.copyOf(good, 40), "truncated ELF header (40 bytes"});
        c.put("truncated-half.o", new Object[] {Arrays.copyOf(good, good.length / 2), "past the end of the file"});
        c.put("class32.o", new Object[] {with(b -> b.put(4, (byte) 1)), "not a 64-bit ELF file"});
        c.put("big-endian.o", new Object[] {with(b -> b.put(5, (byte) 2)), "not a little-endian ELF file"});
        c.put("arm32.o", new Object[] {with(b -> b.putShort(18, (short) 40)), "e_machine 40 (32-bit ARM)"});
        c.put("core.o", new Object[] {with(b -> b.putShort(16, (short) 4)), "unsupported ELF type 4"});
        c.put("shoff-huge.o", new Object[] {with(b -> b.putLong(40, 0x7fff_ffff_ffffL)), "past the end of the file"});
        c.put("shoff-negative.o", new Object[] {with(b -> b.putLong(40, -64)), "past the end of the file"});
        c.put("shnum-huge.o", new Object[] {with(b -> b.putShort(60, (short) 0xffff)), "past the end of the file"});
        c.put("no-sections.o", new Object[] {with(b -> b.putShort(60, (short) 0)), "no section headers"});
        c.put("shstrndx-range.o", new Object[] {with(b -> b.putShort(62, (short) 0x7ff0)), "section name table index"});
        c.put("shentsize.o", new Object[] {with(b -> b.putShort(58, (short) 32)), "section header size 32"});
        c.put("text-size-huge.o", new Object[] {with(b -> b.putLong(shdr(text, 32), 1L << 40)), "lies past the end of the file"});
        c.put("section-name-range.o", new Object[] {with(b -> b.putInt(shdr(text, 0), 0x7fffffff)), "string offset"});
        c.put("symbol-value-range.o", new Object[] {with(b -> b.putLong(sym("cem_swapcontext", 8), 0x100000)),
                "symbol 'cem_swapcontext' (value 0x100000, size 63) lies outside its section .text"});
        c.put("symbol-size-huge.o", new Object[] {with(b -> b.putLong(sym("cem_swapcontext", 16), 1L << 62)),
                "lies outside its section .text"});
        c.put("symbol-section-range.o", new Object[] {with(b -> b.putShort(sym("cem_swapcontext", 6), (short) 0x99)),
                "is in section 153, which does not exist"});
        c.put("symbol-in-data.o", new Object[] {with(b -> b.putShort(sym("cem_swapcontext", 6), (short) data)),
                "is in .data, not a code section"});
        c.put("symbol-name-range.o", new Object[] {with(b -> b.putInt(sym("add", 0), 0x7fffffff)), "string offset"});
        c.put("symtab-link.o", new Object[] {with(b -> b.putInt(shdr(elf.sections().stream()
                .filter(s -> s.type() == ElfFile.SHT_SYMTAB).findFirst().orElseThrow().index(), 40), 0)), "has no string table"});
        c.put("undecodable.o", new Object[] {with(b -> {
            for (int i = 0; i < 8; i++) b.put((int) textSec.offset() + i, (byte) 0x06);   // push %es: not in 64-bit mode
        }), "cem_swapcontext+0x0: Capstone cannot decode"});
        c.put("rela-symbol-range.o", new Object[] {with(b -> {
            int entries = (int) (rela.size() / 24);
            for (int i = 0; i < entries; i++) b.putInt((int) rela.offset() + 24 * i + 12, 0x7fffff);
        }), "names symbol 8388607"});
        return c;
    }

    static String[] result(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }

    @Test
    void everyDamagedFileIsExit2WithOneLineNamingIt() throws Exception {
        Path bad = dir.resolve("malformed");
        Files.createDirectories(bad);
        int n = 0;
        for (Map.Entry<String, Object[]> e : corpus().entrySet()) {
            Path p = bad.resolve(e.getKey());
            Files.write(p, (byte[]) e.getValue()[0]);
            String symbol = e.getKey().startsWith("rela-") ? "bye" : "cem_swapcontext";
            for (List<String> cmd : List.of(List.of("assemble"), List.of("verify", "--iterations", "10"), List.of("trace"))) {
                String[] args = java.util.stream.Stream.concat(cmd.stream(), java.util.stream.Stream.of(p.toString(), "--symbol", symbol))
                        .toArray(String[]::new);
                String[] r = result(args);
                String what = e.getKey() + " " + cmd.get(0) + ": " + r[2];
                assertEquals("2", r[0], what + r[1]);
                assertEquals(1, r[2].strip().lines().count(), what);
                assertTrue(r[2].startsWith("ctxlab: " + p + ": ") || r[2].startsWith("ctxlab: " + p + ":"), what);
                assertTrue(r[2].contains((String) e.getValue()[1]), what);
                assertFalse(r[2].contains("internal error") || r[2].contains("\tat "), what);
                if (cmd.get(0).equals("assemble")) System.out.print("malformed " + r[2].replace(bad + "/", ""));
                n++;
            }
        }
        assertEquals(23 * 3, n);
    }

    @Test
    void theUndamagedFileReadsCleanly() {
        // the corpus's baseline: without damage every command works, so each failure above is the damage's
        String[] r = result("assemble", object.toString(), "--symbol", "cem_swapcontext");
        assertEquals("0", r[0], r[2]);
        r = result("assemble", object.toString(), "--symbol", "bye");
        assertEquals("0", r[0], r[2]);
    }
}
