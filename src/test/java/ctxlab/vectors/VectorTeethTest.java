package ctxlab.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vector is only as good as what it rejects: changed expectations fail with the right diff, and
 * broken routines fail the corpus.
 */
class VectorTeethTest {
    static final UnicornRunner RUNNER = VectorCorpusTest.RUNNER;

    /** A corpus vector with its tree edited. */
    static Outcome edited(String id, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        Path file = VectorCorpusTest.CORPUS.resolve(id);
        JsonNode tree = VectorParser.tree(Files.readString(file), id);
        edit.accept((ObjectNode) tree);
        return RUNNER.run(VectorParser.parse(tree, file, id, id));
    }

    static ObjectNode expect(ObjectNode root) {
        return (ObjectNode) root.get("expect");
    }

    @Test
    void aChangedRegisterExpectationFailsWithExactlyThatDiff() throws IOException {
        Outcome o = edited("registers/boundary-mixed.json", v -> ((ObjectNode) expect(v).get("registers")).put("r13", "0x1"));
        assertFalse(o.passed());
        assertEquals(List.of("r13: expected 0x1, got 0x5555555555555555"), o.diffs());
    }

    @Test
    void aChangedContextSlotFailsWithItsNameAndAddress() throws IOException {
        Outcome o = edited("mxcsr/mxcsr-rc-down.json", v -> ((ObjectNode) expect(v).at("/memory/save/contexts/0x0")).put("mxcsr", "0x1f80"));
        assertEquals(List.of("save.mxcsr (0x100000000038): expected 0x1f80, got 0x3f80"), o.diffs());
        Outcome s = edited("placement/contexts-unaligned.json", v -> ((ObjectNode) expect(v).at("/memory/save/contexts/0x101")).put("rsp", "0x0"));
        assertEquals(List.of("save+0x101.rsp (0x100000000131): expected 0x0, got 0x100000020fc8"), s.diffs());
    }

    @Test
    void anUnlistedChangeIsAFailureToo() throws IOException {
        // Drop the save context from expect: the routine's writes there are now unexpected.
        Outcome o = edited("registers/boundary-zero.json", v -> ((ObjectNode) expect(v).get("memory")).remove("save"));
        assertEquals("save+0x0 (0x100000000000): expected unchanged 0xeeeeeeeeeeeeee00, got 0x0 (not listed in expect.memory)", o.diffs().get(0));
        assertEquals(8, o.diffs().size(), o.diffs().toString());   // 7 qword slots and the qword holding mxcsr
    }

    @Test
    void instructionCountAndFaultsHaveTeeth() throws IOException {
        assertEquals(List.of("instructions: expected 16, got 17"),
                edited("fpcw/fpcw-default.json", v -> expect(v).put("instructions", 16)).diffs());
        assertEquals(List.of("fault address: expected 0x100000050ff8, got 0x100000050ff0"),
                edited("faults/fault-restore-stack-unmapped.json", v -> expect(v).put("address", "0x100000050ff8")).diffs());
        assertEquals(List.of("fault pc: expected 0x40003a, asm/context_x86_64.s:57: ldmxcsr 56(%rsi), got 0x40003e, asm/context_x86_64.s:58: ret"),
                edited("faults/fault-restore-stack-unmapped.json", v -> expect(v).put("pc", "cem_swapcontext+0x3a")).diffs());
        String kind = edited("faults/fault-save-context-read-only.json", v -> expect(v).put("fault", "unmapped-write")).diffs().get(0);
        assertTrue(kind.startsWith("fault: expected unmapped-write, got write-protected at 0x100000000000 (pc 0x400000, asm/context_x86_64.s:40:"), kind);
        // A fault where none is expected, and none where one is.
        String unexpected = edited("faults/fault-restore-context-unmapped.json", v -> {
            expect(v).remove(List.of("fault", "address", "pc"));
        }).diffs().get(0);
        assertTrue(unexpected.startsWith("fault: expected a stop at (none), got unmapped-read at 0x100000050000 (pc 0x40001f"), unexpected);
        assertEquals("fault: expected unmapped-read, got a stop at 0x1f0000000200 after 17 instructions",
                edited("fpcw/fpcw-default.json", v -> expect(v).put("fault", "unmapped-read")).diffs().get(0));
    }

    /** Routines with one bug each: every one fails vectors, and says where. */
    @Test
    void brokenRoutinesFailTheCorpus(@TempDir Path dir) throws IOException {
        String routine = Files.readString(TestFiles.SWITCH);
        record Mutant(String name, String from, String to, String vector, String diff) {}
        List<Mutant> mutants = List.of(
                new Mutant("r13 saved into the r12 slot", "movq    %r13, 24(%rdi)", "movq    %r13, 16(%rdi)",
                        "mxcsr/mxcsr-rc-nearest.json", "save.r12 (0x100000000010): expected 0x1212121212121212, got 0x1313131313131313"),
                new Mutant("MXCSR not restored", "ldmxcsr 56(%rsi)", "nop",
                        "mxcsr/mxcsr-rc-down.json", "mxcsr: expected 0x5f80, got 0x3f80"),
                new Mutant("MXCSR saved over the spare bytes", "stmxcsr 56(%rdi)", "stmxcsr 60(%rdi)",
                        "mxcsr/mxcsr-ftz-on-saved.json", "save.mxcsr (0x100000000038): expected 0x9f80, got 0xeeee0038"),
                new Mutant("32-bit load of rbx", "movq    0(%rsi), %rbx", "movl    0(%rsi), %ebx",
                        "registers/boundary-zero.json", "rbx: expected 0xffffffffffffffff, got 0xffffffff"),
                new Mutant("rsp saved 8 too high", "movq    %rsp, 48(%rdi)", "leaq 8(%rsp), %rax; movq %rax, 48(%rdi)",
                        "placement/same-context.json", "rsp: expected 0x100000020fd0, got 0x100000020fd8"),
                new Mutant("a write past the context", "movq    %rbx, 0(%rdi)", "movq    %rbx, 0(%rdi); movq %rbx, 64(%rdi)",
                        "registers/boundary-all-ones.json", "save+0x40 (0x100000000040): expected unchanged 0x0, got 0xffffffffffffffff (not listed in expect.memory)"),
                new Mutant("DF left set", "ret ", "std; ret ",
                        "registers/boundary-zero.json", "rflags: expected 0x246, got 0x646"),
                new Mutant("r14 clobbered after the restore", "ret ", "xorl %r14d, %r14d; ret ",
                        "mxcsr/mxcsr-rc-nearest.json", "r14: expected 0xa4a4a4a4a4a4a4a4, got 0x0"));
        for (Mutant m : mutants) {
            assertTrue(routine.contains(m.from()), m.name());
            Path file = dir.resolve(m.name().replace(' ', '_') + ".s");
            Files.writeString(file, routine.replace(m.from(), m.to()));
            UnicornRunner runner = new UnicornRunner(TestFiles.ROOT, file);
            List<String> failed = new ArrayList<>();
            for (Corpus.Entry e : VectorCorpusTest.entries()) {
                Vector v = e.read();
                if (!v.convention().name().equals("cem")) continue;   // other conventions' routines: ConventionVectorsTest
                if (!runner.run(v).passed()) failed.add(e.id());
            }
            assertFalse(failed.isEmpty(), m.name() + " passes every vector");
            Outcome o = runner.run(VectorCorpusTest.read(m.vector()));
            assertTrue(o.diffs().contains(m.diff()), m.name() + ": " + o.diffs());
        }
    }
}
