package ctxlab.vectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.ContextLayout;
import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.MakeContext;
import ctxlab.abi.Memory;
import ctxlab.emu.Reg;
import ctxlab.vectors.Linked.Image;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every vector of {@code testvectors/} passes; the corpus covers what the issue asks for. */
class VectorCorpusTest {
    static final Path CORPUS = TestFiles.ROOT.resolve(Corpus.DIR);
    static final UnicornRunner RUNNER = new UnicornRunner(TestFiles.ROOT);

    static List<Corpus.Entry> entries() {
        return Corpus.find(List.of(CORPUS));
    }

    static Vector read(String id) {
        return VectorParser.read(CORPUS.resolve(id), Corpus.DIR + "/" + id, id);
    }

    /** One test per file, named by its path under testvectors/, so a broken vector shows by name. */
    @TestFactory
    Stream<DynamicTest> everyVectorPasses() {
        return entries().stream().map(e -> DynamicTest.dynamicTest(e.id(), e.file().toUri(), () -> {
            Outcome o = RUNNER.run(e.read());
            assertTrue(o.passed(), e.display() + ":\n  " + String.join("\n  ", o.diffs()));
        }));
    }

    @Test
    void corpusHasAtLeast40DescribedVectorsNamedAfterTheirFiles() {
        List<Corpus.Entry> entries = entries();
        assertTrue(entries.size() >= 40, "only " + entries.size() + " vectors");
        Set<String> names = new HashSet<>();
        for (Corpus.Entry e : entries) {
            Vector v = e.read();
            String stem = e.file().getFileName().toString().replaceFirst("\\.json$", "");
            assertEquals(stem, v.name(), e.display() + ": name and file name differ");
            assertTrue(names.add(v.name()), "two vectors named " + v.name());
            assertTrue(v.description().length() >= 40, e.display() + ": description too short to say what it guards");
            assertNotNull(v.expect(), e.display() + ": no expect block");
        }
    }

    /** Every vector in faults/ expects a fault, no other does; only fault-free ones are replayable on hardware. */
    @Test
    void faultVectorsAreTheHardwareUnsafeOnes() {
        Set<FaultKind> kinds = new HashSet<>();
        for (Corpus.Entry e : entries()) {
            Vector v = e.read();
            boolean inFaults = e.id().startsWith("faults/");
            assertEquals(inFaults, v.expect().fault() != null, e.id());
            assertEquals(!inFaults, v.hardwareSafe(), e.id());
            if (inFaults) kinds.add(v.expect().fault().kind());
        }
        assertTrue(kinds.containsAll(List.of(FaultKind.UNMAPPED_READ, FaultKind.UNMAPPED_WRITE, FaultKind.WRITE_PROTECTED,
                FaultKind.READ_PROTECTED, FaultKind.UNMAPPED_FETCH, FaultKind.FETCH_PROTECTED, FaultKind.BUDGET_EXHAUSTED)), kinds.toString());
    }

    /** The three faults the issue names, with the exact fault each must give. */
    @Test
    void theRequiredFaultsAreExact() {
        record Want(String id, FaultKind kind, String address, String pc) {}
        for (Want w : List.of(
                new Want("faults/fault-restore-context-unmapped.json", FaultKind.UNMAPPED_READ, "0x100000050000", "cem_swapcontext+0x1f"),
                new Want("faults/fault-restore-stack-unmapped.json", FaultKind.UNMAPPED_READ, "0x100000050ff0", "cem_swapcontext+0x3e"),
                new Want("faults/fault-save-context-read-only.json", FaultKind.WRITE_PROTECTED, "save", "cem_swapcontext"))) {
            Vector.Fault f = read(w.id()).expect().fault();
            assertEquals(w.kind(), f.kind(), w.id());
            assertEquals(w.address(), f.address().text(), w.id());
            assertEquals(w.pc(), f.pc().text(), w.id());
        }
        // The restore stack's fault address is exactly the rsp in the restore context.
        Linked l = RUNNER.link(read("faults/fault-restore-stack-unmapped.json"));
        assertEquals(l.image("restore").readLong(l.registers().get(Reg.RSI) + Slot.RSP.offset), l.expect().faultAddress());
        assertEquals(null, l.until(), "[restore.rsp] is unreadable before the call: no stop address");
    }

    /** Every rounding mode, FTZ and DAZ on and off, all masks clear and all flags set, each saved and each restored. */
    @Test
    void mxcsrCoverage() {
        List<Long> saved = new ArrayList<>(), restored = new ArrayList<>();
        for (Corpus.Entry e : entries()) {
            if (!e.id().startsWith("mxcsr/")) continue;
            Linked l = RUNNER.link(e.read());
            long entry = l.registers().get(Reg.MXCSR);
            long save = l.registers().get(Reg.RDI);
            // What the vector says is saved, and what it says is loaded.
            assertEquals(entry, cell(l, "save", save - l.image("save").base() + Slot.MXCSR.offset), e.id());
            saved.add(entry);
            restored.add(l.expect().registers().get(Reg.MXCSR));
        }
        for (List<Long> side : List.of(saved, restored)) {
            for (long rc = 0; rc < 4; rc++) {
                long r = rc;
                assertTrue(side.stream().anyMatch(m -> ((m >> 13) & 3) == r), "rounding mode " + rc + " in " + hex(side));
            }
            for (long bit : new long[] {0x8000, 0x40}) {   // FTZ, DAZ
                assertTrue(side.stream().anyMatch(m -> (m & bit) != 0) && side.stream().anyMatch(m -> (m & bit) == 0), hex(side));
            }
            assertTrue(side.stream().anyMatch(m -> (m & 0x1f80) == 0), "all masks clear: " + hex(side));
            assertTrue(side.stream().anyMatch(m -> (m & 0x3f) == 0x3f), "all flags set: " + hex(side));
        }
    }

    /** 0, all ones, the sign bit and both alternating patterns in every callee-saved register, saved and restored. */
    @Test
    void boundaryValuesInEveryCalleeSavedRegister() {
        long[] boundary = {0, -1L, Long.MIN_VALUE, 0xaaaaaaaaaaaaaaaaL, 0x5555555555555555L};
        Map<Reg, Set<Long>> saved = new EnumMap<>(Reg.class), restored = new EnumMap<>(Reg.class);
        for (Corpus.Entry e : entries()) {
            if (!e.id().startsWith("registers/")) continue;
            Linked l = RUNNER.link(e.read());
            for (Reg r : List.of(Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15)) {
                saved.computeIfAbsent(r, k -> new HashSet<>()).add(l.registers().get(r));
                restored.computeIfAbsent(r, k -> new HashSet<>()).add(l.expect().registers().get(r));
            }
        }
        for (Map<Reg, Set<Long>> side : List.of(saved, restored)) {
            for (Reg r : List.of(Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15)) {
                for (long b : boundary) assertTrue(side.get(r).contains(b), r + " never holds " + hex(List.of(b)));
            }
        }
    }

    /**
     * The fresh contexts of the seed vectors are laid out by hand in the files; they must be exactly
     * what {@link MakeContext} writes (context bytes and the two stack qwords).
     */
    @Test
    void freshContextsAreExactlyWhatMakeContextWrites() {
        record Fresh(String id, long context, String stack, String entry) {}
        List<Fresh> fresh = List.of(
                new Fresh("seed/seed-simple-first-entry.json", 0x40, "stack_a", "simple_strand"),
                new Fresh("seed/seed-simple-round-trip.json", 0x40, "stack_a", "simple_strand"),
                new Fresh("seed/seed-stack-size-4096-first-entry.json", 0x40, "stack_min", "simple_strand"),
                new Fresh("seed/seed-stack-size-4096-round-trip.json", 0x40, "stack_min", "simple_strand"),
                new Fresh("seed/seed-chain-a-to-fresh-b.json", 0x80, "stack_b", "chain_strand"),
                new Fresh("seed/seed-chain-full.json", 0x40, "stack_a", "chain_strand"),
                new Fresh("seed/seed-chain-full.json", 0x80, "stack_b", "chain_strand"),
                new Fresh("seed/seed-chain-full.json", 0xc0, "stack_c", "chain_strand"),
                new Fresh("seed/seed-fp-main-to-fresh-b.json", 0x80, "stack_b", "fp_strand"));
        for (Fresh f : fresh) {
            Linked l = RUNNER.link(read(f.id()));
            Image block = l.image("block"), stack = l.image(f.stack());
            ImageMemory made = new ImageMemory(l);
            // The presets are the context's callee-saved slots; everything else is MakeContext's.
            Map<Slot, Long> presets = new EnumMap<>(Slot.class);
            for (Slot s : ContextLayout.CALLEE_SAVED) presets.put(s, block.readLong(block.base() + f.context() + s.offset));
            made.clear(block.base() + f.context(), ContextLayout.SIZE);
            made.clear(stack.base() + stack.region().size() - 16, 16);
            MakeContext.make(made, block.base() + f.context(), stack.base(), stack.region().size(),
                    l.assembly().address(f.entry()), presets, 0);
            assertArrayEquals(block.bytes(), made.bytes(block), f.id() + ": context at block+" + hex(List.of(f.context())));
            assertArrayEquals(stack.bytes(), made.bytes(stack), f.id() + ": " + f.stack());
        }
    }

    private static long cell(Linked l, String region, long offset) {
        return l.expect().memory().get(region).stream().filter(c -> c.cell().offset() == offset)
                .map(c -> Comparison.le(c.bytes(), 0, c.cell().width())).findFirst().orElseThrow();
    }

    private static String hex(List<Long> values) {
        return values.stream().map(Expr::hex).toList().toString();
    }

    /** The vector's initial images as a {@link Memory}, for MakeContext to write into. */
    static final class ImageMemory implements Memory {
        private final Map<String, byte[]> copies = new HashMap<>();
        private final Linked linked;

        ImageMemory(Linked linked) {
            this.linked = linked;
            for (Image i : linked.images()) copies.put(i.region().name(), i.bytes().clone());
        }

        byte[] bytes(Image i) {
            return copies.get(i.region().name());
        }

        void clear(long address, int length) {
            for (int k = 0; k < length; k++) buffer(address + k, 1).put((byte) 0);
        }

        private ByteBuffer buffer(long address, int length) {
            Image i = linked.imageAt(address, length);
            assertNotNull(i, "MakeContext wrote outside the vector's regions at " + Expr.hex(address));
            return ByteBuffer.wrap(copies.get(i.region().name())).order(ByteOrder.LITTLE_ENDIAN).position((int) (address - i.base()));
        }

        @Override public void writeLong(long address, long value) { buffer(address, 8).putLong(value); }
        @Override public long readLong(long address) { return buffer(address, 8).getLong(); }
        @Override public void writeInt(long address, int value) { buffer(address, 4).putInt(value); }
        @Override public int readInt(long address) { return buffer(address, 4).getInt(); }
    }

    @Test
    void runsAreIndependentOfOrder() {
        List<Linked> linked = entries().stream().map(e -> RUNNER.link(e.read())).toList();
        Map<String, Observed> forward = new HashMap<>();
        for (Linked l : linked) forward.put(l.vector().id(), RUNNER.execute(l));
        List<Linked> reversed = new ArrayList<>(linked);
        java.util.Collections.reverse(reversed);
        for (Linked l : reversed) {
            Observed a = forward.get(l.vector().id()), b = RUNNER.execute(l);
            assertEquals(a.registers(), b.registers(), l.vector().id());
            for (String region : a.memory().keySet()) assertArrayEquals(a.memory().get(region), b.memory().get(region), l.vector().id());
            assertEquals(a.instructions(), b.instructions(), l.vector().id());
            assertEquals(a.fault(), b.fault(), l.vector().id());
        }
        assertFalse(forward.isEmpty());
    }
}
