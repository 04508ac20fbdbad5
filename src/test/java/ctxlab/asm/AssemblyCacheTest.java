package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The assembled-output cache: a hit is the same Assembly, and any change of an input is a miss. */
class AssemblyCacheTest {
    private static final String SRC = """
            .globl f
            f:
                    movq %rbx, 0(%rdi)     # one
                    ret
            """;

    private static void assertSame(Assembly a, Assembly b) {
        assertArrayEquals(a.code(), b.code());
        assertEquals(a.base(), b.base());
        assertEquals(a.symbols(), b.symbols());
        assertEquals(a.lines(), b.lines());
        assertEquals(a.relocations(), b.relocations());
    }

    @Test
    void hitIsTheSameAssemblyAsKeystones(@TempDir Path dir) throws Exception {
        AssemblyCache c = new AssemblyCache(dir);
        List<SourceFile> files = List.of(new SourceFile("f.s", SRC));
        Assembly first = c.get(files, 0x1000, List.of());
        assertEquals(0, c.hits());
        assertEquals(1, c.misses());
        Assembly second = new AssemblyCache(dir).get(files, 0x1000, List.of()); // another process, same dir
        assertSame(first, second);
        assertSame(Assembler.assemble(files, 0x1000), second);
        try (var s = Files.list(dir)) {
            assertEquals(List.of(".asm"), s.map(p -> p.getFileName().toString().replaceAll("^[0-9a-f]{32}", "")).toList(),
                    "one entry, no temporary file left");
        }
    }

    @Test
    void anyChangeOfSourceNameBaseOrFlagsIsAMiss(@TempDir Path dir) {
        AssemblyCache c = new AssemblyCache(dir);
        List<SourceFile> files = List.of(new SourceFile("f.s", SRC));
        c.get(files, 0, List.of());
        // one byte of the source: a different displacement must come back, not the cached bytes
        Assembly changed = c.get(List.of(new SourceFile("f.s", SRC.replace("0(%rdi)", "8(%rdi)"))), 0, List.of());
        assertEquals("48895f08c3", changed.hex());
        assertEquals(2, c.misses());
        // a comment only: still a different key (the line text is part of the output)
        c.get(List.of(new SourceFile("f.s", SRC.replace("# one", "# two"))), 0, List.of());
        assertEquals(3, c.misses());
        c.get(List.of(new SourceFile("g.s", SRC)), 0, List.of());           // name (file:line in lines)
        assertEquals(4, c.misses());
        assertEquals(0x2000, c.get(files, 0x2000, List.of()).base());       // base
        assertEquals(5, c.misses());
        c.get(files, 0, List.of("-DX=1"));                                   // flags
        assertEquals(6, c.misses());
        c.get(files, 0, List.of());
        assertEquals(1, c.hits());
    }

    @Test
    void preprocessorOptionsArePartOfTheKey(@TempDir Path dir) {
        AssemblyCache c = new AssemblyCache(dir);
        List<SourceFile> files = List.of(new SourceFile("f.S", SRC));
        SourceOptions none = SourceOptions.DEFAULT;
        List<SourceOptions> others = List.of(
                new SourceOptions(true, List.of(), List.of(), List.of()),
                new SourceOptions(false, List.of("X=1"), List.of(), List.of()),
                new SourceOptions(false, List.of("X=2"), List.of(), List.of()),
                new SourceOptions(false, List.of(), List.of("X=1"), List.of()),
                new SourceOptions(false, List.of(), List.of(), List.of("X=1")),
                new SourceOptions(false, List.of("A", "B"), List.of(), List.of()),
                new SourceOptions(false, List.of("B", "A"), List.of(), List.of()));
        java.util.Set<String> keys = new java.util.HashSet<>();
        keys.add(AssemblyCache.name(c.key(files, 0, AssemblyCache.flags(none))));
        for (SourceOptions o : others) keys.add(AssemblyCache.name(c.key(files, 0, AssemblyCache.flags(o))));
        assertEquals(others.size() + 1, keys.size(), "the same text under other -D/-U/-I/--cpp is another entry: " + keys);
        assertArrayEquals(c.key(files, 0, AssemblyCache.flags(others.get(1))),
                c.key(files, 0, AssemblyCache.flags(new SourceOptions(false, List.of("X=1"), List.of(), List.of()))));
    }

    @Test
    void arm64AndX8664NeverShareAnEntry(@TempDir Path dir) {
        AssemblyCache c = new AssemblyCache(dir);
        List<SourceFile> files = List.of(new SourceFile("r.s", ".globl f\nf:\n    ret\n"));
        Assembly a64 = c.get(files, 0, List.of(AssemblyCache.ARM64), Arm64Assembler::assemble);
        assertEquals("c0035fd6", a64.hex());
        assertEquals("c3", c.get(files, 0, List.of()).hex(), "the x86-64 lookup of the same text is not the AArch64 entry");
        assertEquals(2, c.misses());
        assertEquals("c0035fd6", c.get(files, 0, List.of(AssemblyCache.ARM64), Arm64Assembler::assemble).hex());
        assertEquals(1, c.hits());
    }

    @Test
    void corruptOrTruncatedEntriesAreMisses(@TempDir Path dir) throws Exception {
        AssemblyCache c = new AssemblyCache(dir);
        List<SourceFile> files = List.of(new SourceFile("f.s", SRC));
        Assembly good = c.get(files, 0, List.of());
        Path entry;
        try (var s = Files.list(dir)) {
            entry = s.findFirst().orElseThrow();
        }
        byte[] whole = Files.readAllBytes(entry);
        Files.write(entry, java.util.Arrays.copyOf(whole, whole.length - 3));
        assertSame(good, c.get(files, 0, List.of()));
        assertEquals(2, c.misses(), "a truncated entry is not read");
        byte[] flipped = Files.readAllBytes(entry);
        flipped[12] ^= 1; // inside the key echo
        Files.write(entry, flipped);
        assertSame(good, c.get(files, 0, List.of()));
        assertEquals(3, c.misses(), "an entry for another key is not read");
    }

    @Test
    void serialisationRoundTripsEveryField() {
        Assembly a = new Assembly(new byte[] {1, 2, 3}, 0x400000,
                java.util.Map.of("f", new Assembly.Symbol("f", 0, true, 3), "l", new Assembly.Symbol("l", 1, false, -1)),
                List.of(new Assembly.Line(0, 3, new SourceLocation("x.s", 7), "  call _exit@PLT", true)),
                List.of(new Relocation(1, 4, "_exit@PLT", -4, 0, Relocation.Kind.CALL)));
        byte[] k = "k".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertSame(a, AssemblyCache.read(AssemblyCache.write(a, k), k));
        assertNull(AssemblyCache.read(AssemblyCache.write(a, k), "other".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertNull(AssemblyCache.read(AssemblyCache.write(a, k), "K".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(AssemblyCache.understood(), "the serialiser knows every component of Assembly");
    }

    /**
     * The file name is a hash of the key, and the entry holds the key itself: an entry found under
     * this input's name but made for another input (a collision, forced here by copying it there)
     * is a miss, and the right bytes come back.
     */
    @Test
    void anEntryUnderThisNameForAnotherInputIsAMiss(@TempDir Path dir) throws Exception {
        AssemblyCache c = new AssemblyCache(dir);
        List<SourceFile> one = List.of(new SourceFile("f.s", SRC));
        List<SourceFile> other = List.of(new SourceFile("f.s", SRC.replace("0(%rdi)", "8(%rdi)")));
        c.get(one, 0, List.of());
        Path oneEntry = dir.resolve(AssemblyCache.name(c.key(one, 0, List.of())) + ".asm");
        Path otherEntry = dir.resolve(AssemblyCache.name(c.key(other, 0, List.of())) + ".asm");
        assertTrue(Files.isRegularFile(oneEntry), "stored under its name");
        Files.copy(oneEntry, otherEntry);
        assertEquals("48895f08c3", c.get(other, 0, List.of()).hex(), "not the colliding entry's bytes");
        assertEquals(2, c.misses());
        assertEquals(32, AssemblyCache.name(new byte[0]).length(), "128 bits in hex");
    }

    @Test
    void errorsAreNotCached(@TempDir Path dir) throws Exception {
        AssemblyCache c = new AssemblyCache(dir);
        List<SourceFile> bad = List.of(new SourceFile("bad.s", "f:\n  frobnicate %rax\n"));
        assertThrows(AsmException.class, () -> c.get(bad, 0, List.of()));
        assertThrows(AsmException.class, () -> c.get(bad, 0, List.of()));
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }
}
