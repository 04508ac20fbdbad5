package ctxlab.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.emu.Reg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Malformed vector files are rejected with the file and the JSON path. Each file in
 * {@code src/test/resources/vectors-bad/} breaks {@code valid.json} in one way; {@code valid.json}
 * itself loads and passes, so every rejection is the break's doing.
 */
class VectorParserTest {
    static final Path BAD = TestFiles.resource("vectors-bad");
    static final String SHOWN = "vectors-bad/";

    /** File → the exact message. */
    static final Map<String, String> EXPECTED = new LinkedHashMap<>();
    static final String LIBACO_SLOTS = "0x00 r12, 0x08 r13, 0x10 r14, 0x18 r15, 0x20 retaddr, 0x28 rsp, 0x30 rbx, 0x38 rbp, 0x40 fpucw, 0x44 mxcsr";

    static {
        m("unknown-register", "$.expect.registers.r16: unknown register");
        m("unknown-field", "$.expectations: unknown field (fields here: $schema, asm, call, convention, description, expect, memory, name, registers, source, symbol)");
        m("wrong-type", "$.registers.rbx: expected a hex string like \"0x1f80\" or a name, got the number 17");
        m("decimal-number", "$.registers.rbx: '17' is neither a hex number (0x…) nor NAME, NAME+0x… or NAME-0x… (numbers are written in hex: 0x…)");
        m("missing-register", "$.registers: missing r15 (a vector gives the whole state: all 16 general registers, rflags, mxcsr and fpcw)");
        m("unknown-slot", "$.memory.restore.contexts.0x0.rip: unknown context slot (slots: rbx, rbp, r12, r13, r14, r15, rsp, mxcsr, spare)");
        m("mxcsr-too-wide", "$.memory.restore.contexts.0x0.mxcsr: 0x100001f80 does not fit 32 bits");
        m("unaligned-region", "$.memory.save.base: 0x100000000010 is not 4 KiB aligned (regions are mappings)");
        m("overlapping-regions", "$.memory.restore: region [0x100000000000, 0x100000001000) overlaps region 'save' [0x100000000000, 0x100000001000)");
        m("cell-past-end", "$.memory.stack.qwords.0xffc: offset 0xffc + 8 bytes is past the end of region 'stack' (size 0x1000)");
        m("overlapping-cells", "$.memory.stack.dwords.0xff4: overlaps $.memory.stack.qwords.0xff0");
        m("unknown-fault", "$.expect.fault: unknown fault 'segfault' (faults: " + FaultKind.labels() + ")");
        m("address-without-fault", "$.expect.address: only with \"fault\" (the faulting address and instruction)");
        m("expect-unknown-region", "$.expect.memory.heap: no region 'heap' in $.memory");
        m("arg-and-register", "$.registers.rdi: rdi is also set by $.call.args[0]");
        m("bad-until", "$.call.until: '[rbp]': the forms in brackets are \"[rsp]\", \"[restore.resume]\" and (Cem) \"[restore.rsp]\"");
        m("rip-given", "$.registers.rip: rip is not given: the call starts at call.symbol");
        m("bad-prot", "$.memory.save.prot: 'wr' is not a protection: r, w, x in that order (\"rw\", \"r\", \"rx\", \"rwx\"…) or \"none\"");
        m("not-an-object", "$: expected an object, got an array");
        m("too-many-digits", "$.registers.rbx: '0x1_0000_0000_0000_0000' does not fit 64 bits");
        m("negative-budget", "$.call.budget: expected a non-negative integer, got the number -1");
        // Vectors of another convention (made from testvectors/libaco/libaco-plain-switch.json).
        m("convention-unknown", "$.convention: unknown convention 'boost' (shipped: cem, boost-fcontext, libaco, libco, minicoro)");
        m("convention-without-source", "$: missing field 'source': a vector of convention 'libaco' names its routine's file (e.g. asm/conventions/libaco/ok-….s)");
        m("convention-contexts", "$.memory.block.contexts: contexts are Cem's 64-byte contexts; this vector's convention is 'libaco': give its storage with \"slots\" ("
                + LIBACO_SLOTS + ")");
        m("convention-unknown-slot", "$.memory.block.slots.0x80.rip: no slot 'rip' in convention 'libaco' (slots: " + LIBACO_SLOTS + ")");
        m("convention-slot-too-wide", "$.memory.block.slots.0x80.fpucw: 0x10000 does not fit 16 bits");
        m("convention-restore-rsp", "$.call.until: \"[restore.rsp]\" is Cem's form; a vector of convention 'libaco' says \"[restore.resume]\" (where its restore side resumes)");
        // Syntax errors have no JSON path yet: line and column instead.
        m("malformed-json", "line 4, column 1: malformed JSON: unexpected '}': a field name in double quotes was expected");
        m("duplicate-key", "line 34, column 5: malformed JSON: Duplicate field 'rbx'");
        // Names resolve against the assembled code: found when linking, still with the path.
        m("unknown-name", "$.call.args[1]: unknown name 'restor': not a region of $.memory (save, restore, stack) nor a symbol of the code (cem_swapcontext)");
    }

    private static void m(String file, String message) {
        EXPECTED.put(file + ".json", message);
    }

    static Vector read(String file) {
        return VectorParser.read(BAD.resolve(file), SHOWN + file, file);
    }

    @Test
    void theValidBaseLoadsAndPasses() {
        Outcome o = VectorCorpusTest.RUNNER.run(read("valid.json"));
        assertTrue(o.passed(), o.diffs().toString());
    }

    @Test
    void everyBrokenFileIsRejectedWithFileAndPath() {
        for (Map.Entry<String, String> e : EXPECTED.entrySet()) {
            VectorException ex = assertThrows(VectorException.class,
                    () -> VectorCorpusTest.RUNNER.link(read(e.getKey())), e.getKey() + " was accepted");
            assertEquals(SHOWN + e.getKey() + ": " + e.getValue(), ex.getMessage(), e.getKey());
        }
    }

    @Test
    void everyFileInTheFolderIsCovered() throws IOException {
        TreeSet<String> files = new TreeSet<>();
        try (Stream<Path> s = Files.list(BAD)) {
            s.forEach(p -> files.add(p.getFileName().toString()));
        }
        files.remove("valid.json");
        assertEquals(new TreeSet<>(EXPECTED.keySet()), files);
    }

    @Test
    void expressionsAndTheirErrors() {
        assertEquals(new Expr(null, 0x1f80, "0x1f80"), Expr.parse("0x1f80"));
        assertEquals(-1L, Expr.parse("0xffff_ffff_ffff_ffff").offset());
        assertEquals(new Expr("block", 0x40, "block+0x40"), Expr.parse("block+0x40"));
        assertEquals(new Expr("stack", -8, "stack - 0x8"), Expr.parse("stack - 0x8"));
        assertEquals(0x1040L, Expr.parse("block+0x40").resolve(n -> 0x1000));
        for (String bad : List.of("", "0x", "1f80", "block+16", "+0x10", "a+b", "0x10+0x10", "0xg")) {
            assertThrows(IllegalArgumentException.class, () -> Expr.parse(bad), bad);
        }
    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        Vector v = read("valid.json");
        assertEquals("asm/context_x86_64.s", v.source());
        assertEquals("cem_swapcontext", v.symbol());
        assertEquals("cem_swapcontext", v.calledSymbol());
        assertEquals(new Vector.Until.Resume(), v.until());
        assertEquals(10_000, v.call().budget());
        assertEquals(List.of(Reg.RDI, Reg.RSI), Vector.ARGS.subList(0, v.call().args().size()));
        assertEquals(ctxlab.emu.UcConst.UC_PROT_READ | ctxlab.emu.UcConst.UC_PROT_WRITE, v.regions().get("save").prot());
    }
}
