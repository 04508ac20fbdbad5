package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.AsmException;
import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VerifierTest {

    static Assembly assemble(String name, String text) {
        return Assembler.assemble(new SourceFile(name, text), Verifier.CODE_BASE);
    }

    static Report verify(Assembly a, String name, int iterations, long seed) {
        try (Verifier v = new Verifier(a, name, Verifier.DEFAULT_SYMBOL)) {
            return v.run(iterations, seed);
        }
    }

    static Assembly variant(String file) throws Exception {
        return assemble(file, Files.readString(TestFiles.ROOT.resolve("asm/variants").resolve(file)));
    }

    /** 1-based number of the first line of the file that contains {@code text}. */
    static int lineOf(String file, String text) throws Exception {
        List<String> lines = Files.readAllLines(TestFiles.ROOT.resolve(file));
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(text)) return i + 1;
        throw new AssertionError(text + " not in " + file);
    }

    @Test
    void theRoutinePassesAndItsFindingsAreMeasured() throws Exception {
        String file = "asm/context_x86_64.s";
        Assembly a = Assembler.assemble(new SourceFile(file, Files.readString(TestFiles.SWITCH)), Verifier.CODE_BASE);
        Report r = verify(a, file, Verifier.DEFAULT_ITERATIONS, 1);
        assertTrue(r.passed(false), CorpusTest.describe(r));
        assertFalse(r.passed(true), "--strict fails on the x87 and CET warnings");
        assertEquals("pass", r.verdict(false));
        assertEquals(2000, r.iterations());
        assertEquals(a.bytesOf(Verifier.DEFAULT_SYMBOL).length, r.codeSize());
        assertEquals(a.linesOf(Verifier.DEFAULT_SYMBOL).stream().filter(Assembly.Line::instruction).count(), r.instructionCount());
        assertEquals(r.instructionCount(), r.minExecuted(), "straight-line code executes every instruction once");
        assertEquals(r.minExecuted(), r.maxExecuted());
        assertEquals(4000, r.switches(), "two switches per state");
        assertEquals(500, r.freshContexts());
        for (Property p : Property.values()) assertTrue(r.evaluations().get(p) > 0, p + " evaluated");
        assertEquals(500, r.evaluations().get(Property.MAKECONTEXT));

        Finding x87 = r.findings().stream().filter(f -> f.id().equals(Finding.X87)).findFirst().orElseThrow();
        assertTrue(x87.warning());
        assertTrue(x87.detail().contains("(2000 of 2000 round trips)"), x87.detail());
        Finding cet = r.findings().stream().filter(f -> f.id().equals(Finding.CET)).findFirst().orElseThrow();
        assertTrue(cet.detail().contains(file + ":" + lineOf(file, "        ret") + ": ret"), cet.detail());
        Finding size = r.findings().stream().filter(f -> f.id().equals(Finding.CODE_SIZE)).findFirst().orElseThrow();
        assertFalse(size.warning());
        assertTrue(size.detail().startsWith(r.codeSize() + " bytes, " + r.instructionCount() + " instructions"), size.detail());
    }

    @Test
    void theSameSeedGivesTheSameCounterexamples() throws Exception {
        Assembly a = variant("broken-wrong-offset-restore-r15.s");
        Report one = verify(a, "v.s", 300, 99), two = verify(a, "v.s", 300, 99), other = verify(a, "v.s", 300, 100);
        assertEquals(one.violations(), two.violations());
        assertFalse(one.violations().isEmpty());
        assertNotEquals(one.violations().get(0).counterexample(), other.violations().get(0).counterexample());
    }

    @Test
    void aCounterexampleShowsWhatDiffersAndTheLineToBlame() throws Exception {
        Assembly a = variant("broken-wrong-offset-restore-r15.s");
        Report r = verify(a, "broken-wrong-offset-restore-r15.s", 200, 3);
        Violation v = r.violation(Property.RESTORE);
        assertNotNull(v);
        int line = lineOf("asm/variants/broken-wrong-offset-restore-r15.s", "32(%rsi), %r15");
        assertEquals("broken-wrong-offset-restore-r15.s:" + line + ": movq    32(%rsi), %r15", v.line());
        assertTrue(v.detail().startsWith("r15 = "), v.detail());
        assertTrue(v.counterexample().contains("seed 3, iteration " + v.iteration()), v.counterexample());
        // Only what differs: r15 is listed, the registers that were restored correctly are not.
        assertTrue(v.counterexample().contains("\n  r15 "), v.counterexample());
        assertFalse(v.counterexample().contains("\n  r14 "), v.counterexample());
        assertTrue(v.counterexample().contains("offending instruction: " + v.line()), v.counterexample());
    }

    @Test
    void aSlotNothingWroteHasNoLineButSaysSo() throws Exception {
        Report r = verify(variant("broken-missing-restore-r14.s"), "v.s", 100, 5);
        Violation v = r.violation(Property.RESTORE);
        assertNull(v.line());
        assertTrue(v.detail().contains("no instruction wrote r14"), v.detail());
        assertTrue(v.counterexample().contains("offending instruction: none (no instruction wrote r14)"), v.counterexample());
    }

    @Test
    void evenAWriteOfTheSameValueIsCaught() throws Exception {
        // pop/push of the return address rewrites [entry rsp] with the value it already holds.
        Report r = verify(variant("broken-pop-push-return-address.s"), "v.s", 50, 8);
        Violation v = r.violation(Property.MEMORY);
        assertTrue(v.detail().contains("the caller's return address at entry rsp"), v.detail());
        assertTrue(v.line().endsWith("pushq   %rax"), v.line());
    }

    @Test
    void aRoutineWithoutSizeAndWithHelpersIsFound() {
        // No .size: the extent runs to the next global label. A local helper called on the entry stack is fine
        // (its return address lands in the red zone).
        String src = """
                .globl cem_swapcontext
                cem_swapcontext:
                    call .Lsave
                    movq 0(%rsi), %rbx
                    movq 8(%rsi), %rbp
                    movq 16(%rsi), %r12
                    movq 24(%rsi), %r13
                    movq 32(%rsi), %r14
                    movq 40(%rsi), %r15
                    movq 48(%rsi), %rsp
                    ldmxcsr 56(%rsi)
                    ret
                .Lsave:
                    movq %rbx, 0(%rdi)
                    movq %rbp, 8(%rdi)
                    movq %r12, 16(%rdi)
                    movq %r13, 24(%rdi)
                    movq %r14, 32(%rdi)
                    movq %r15, 40(%rdi)
                    leaq 8(%rsp), %rax
                    movq %rax, 48(%rdi)
                    stmxcsr 56(%rdi)
                    ret
                .globl other
                other:
                    ud2
                """;
        Assembly a = assemble("helper.s", src);
        Report r = verify(a, "helper.s", 500, 11);
        assertTrue(r.passed(false), CorpusTest.describe(r));
        assertEquals(a.instructionCount() - 1, r.minExecuted(), "every instruction once, except other's ud2");
    }

    @Test
    void badInputIsReportedBeforeAnyEmulation() {
        Assembly a = assemble("x.s", ".globl f\nf:\n  ret\n.globl empty\nempty:\n");
        AsmException missing = assertThrows(AsmException.class, () -> new Verifier(a, "x.s", "nope"));
        assertTrue(missing.getMessage().contains("no symbol 'nope'"), missing.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> new Verifier(a, "x.s", "empty"));
        assertTrue(empty.getMessage().contains("'empty' has no code"), empty.getMessage());
        try (Verifier v = new Verifier(a, "x.s", "f")) {
            assertThrows(IllegalArgumentException.class, () -> v.run(0, 1));
        }
    }

    @Test
    void randomStatesCoverTheLayoutsTheyPromise() {
        boolean straddles = false, atZoneStart = false, atZoneEnd = false, rspParity0 = false, rspParity8 = false,
                redZoneStraddles = false, resumeAtPageEdge = false, daz = false, ftz = false;
        Set<Long> rounding = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            Trial t = new Trial(77, i, Verifier.ZONE_BASE, Verifier.ZONE_STRIDE, Verifier.ZONE_SIZE);
            for (long ctx : new long[] {t.save, t.restore, t.save2}) {
                assertEquals(0, ctx & 7, "contexts are 8-aligned");
                long zoneOff = (ctx - Verifier.ZONE_BASE) % Verifier.ZONE_STRIDE;
                assertTrue(zoneOff + 64 <= Verifier.ZONE_SIZE, "inside its zone");
                straddles |= (ctx >>> 12) != ((ctx + 63) >>> 12);
                atZoneStart |= zoneOff == 0;
                atZoneEnd |= zoneOff == Verifier.ZONE_SIZE - 64;
            }
            assertEquals(8, t.entryRsp & 15, "entry rsp as after a call from an aligned call site");
            assertEquals(8, t.rsp2 & 15);
            assertEquals(0, t.restoreRsp & 7);
            rspParity0 |= (t.restoreRsp & 15) == 0;
            rspParity8 |= (t.restoreRsp & 15) == 8;
            redZoneStraddles |= ((t.entryRsp - 128) >>> 12) != ((t.entryRsp - 1) >>> 12);
            resumeAtPageEdge |= ((t.restoreRsp + 8) & 0xFFF) == 0 || (t.restoreRsp & 0xFFF) == 0;
            for (long[] regs : new long[][] {t.a, t.b}) {
                assertEquals(0, regs[Verifier.G_FLAGS] & (Verifier.DF | 0x100), "DF and TF clear");
                assertEquals(2, regs[Verifier.G_FLAGS] & 2, "reserved bit 1 set");
                assertTrue(regs[Verifier.G_MXCSR] <= 0xFFFF, "no reserved MXCSR bits");
                daz |= (regs[Verifier.G_MXCSR] & 0x40) != 0;
                ftz |= (regs[Verifier.G_MXCSR] & 0x8000) != 0;
                rounding.add((regs[Verifier.G_MXCSR] >> 13) & 3);
            }
            assertNotEquals(t.a[Verifier.G_FPCW], t.b[Verifier.G_FPCW]);
            if (t.fresh) assertTrue(t.stackSize >= 4096);
        }
        assertTrue(straddles && atZoneStart && atZoneEnd, "context placements");
        assertTrue(rspParity0 && rspParity8, "restore.rsp both 0 and 8 mod 16");
        assertTrue(redZoneStraddles && resumeAtPageEdge, "stacks across page boundaries");
        assertTrue(daz && ftz && rounding.size() == 4, "MXCSR control bits vary");
    }

    /** A routine that makes a system call fails termination, blamed on the syscall's line, traced or not. */
    @Test
    void aSyscallFailsTerminationNamingItsLine() {
        String src = """
                .globl cem_swapcontext
                cem_swapcontext:
                        movq    %rbx, 0(%rdi)
                        syscall
                        ret
                """;
        Assembly a = assemble("sys.s", src);
        for (boolean explain : new boolean[] {true, false}) {
            try (Verifier v = new Verifier(a, "sys.s", Verifier.DEFAULT_SYMBOL).explain(explain)) {
                Report r = v.run(20, 3);
                assertFalse(r.passed(false));
                Violation t = r.violations().stream().filter(x -> x.property() == Property.TERMINATION).findFirst()
                        .orElseThrow(() -> new AssertionError("no termination violation: " + CorpusTest.describe(r)));
                assertEquals("sys.s:4: syscall", t.line(), "explain=" + explain + ": " + t.detail());
                assertTrue(t.detail().contains("cannot execute") && t.detail().contains("syscall"), t.detail());
            }
        }
    }

    /**
     * A routine that jumps to unmapped memory faults in every check; the verifier then replaces its
     * machines now and then (Unicorn's memory per such fault is freed only by closing the engine).
     * The report must not change: same violations, counterexamples, evaluations and findings.
     */
    @Test
    void replacingTheMachineChangesNothingInTheReport() {
        String src = """
                .globl cem_swapcontext
                cem_swapcontext:
                        movq    %rbx, 0(%rdi)
                        movabsq $0x123456789000, %rax
                        jmp     *%rax
                """;
        Assembly a = assemble("wild.s", src);
        Report plain, renewed;
        try (Verifier v = new Verifier(a, "wild.s", Verifier.DEFAULT_SYMBOL)) {
            plain = v.run(600, 11);
            assertEquals(0, v.machinesReplaced(), "600 faults are far below the default threshold");
        }
        try (Verifier v = new Verifier(a, "wild.s", Verifier.DEFAULT_SYMBOL).replaceAfter(100)) {
            renewed = v.run(600, 11);
            assertTrue(v.machinesReplaced() >= 5, "replaced " + v.machinesReplaced() + " times");
        }
        assertFalse(plain.passed(false));
        assertEquals(plain.violations(), renewed.violations());
        assertEquals(plain.evaluations(), renewed.evaluations());
        assertEquals(plain.findings(), renewed.findings());
        assertEquals(plain.switches(), renewed.switches());
    }

    /** A report without its timing: what must not depend on the thread count. */
    static Report untimed(Report r) {
        return new Report(r.file(), r.symbol(), r.seed(), r.iterations(), r.violations(), r.findings(), r.evaluations(),
                r.freshContexts(), r.codeSize(), r.instructionCount(), r.minExecuted(), r.maxExecuted(), r.switches(), 0);
    }

    /**
     * verify --threads: iteration i checks the state of (seed, i) whichever thread runs it, and each
     * property keeps the violation of the lowest iteration, so the report (violations with their
     * counterexamples, findings, counts) is the same for 1, 2 and 3 threads.
     */
    @Test
    void theReportIsTheSameWhateverTheThreadCount() throws Exception {
        List<String> files = List.of("broken-swapped-save-slots.s", "broken-df-left-set.s", "broken-write-past-context.s",
                "broken-spin-on-spare.s", "ok-x87-control-word.s");
        for (String f : files) {
            Assembly a = variant(f);
            Report one;
            try (Verifier v = new Verifier(a, f, Verifier.DEFAULT_SYMBOL)) {
                one = untimed(v.run(700, 0x5eed));
            }
            for (int threads : new int[] {2, 3}) {
                try (Verifier v = new Verifier(a, f, Verifier.DEFAULT_SYMBOL)) {
                    assertEquals(one, untimed(v.run(700, 0x5eed, threads)), f + " on " + threads + " threads");
                }
            }
        }
        // Fails only for some states (rbx cleared when bits 3-5 of the save address are 0), so the first
        // violations are found by other threads than thread 0, and the merge must pick the lowest.
        String sometimes = Files.readString(TestFiles.SWITCH).replace("        ret                             # pops",
                "        testb   $0x38, %dil\n        jnz     done\n        xorl    %ebx, %ebx\ndone:\n        ret  # pops");
        Assembly s = assemble("sometimes.s", sometimes);
        for (long sd : new long[] {1, 2}) {
            Report alone;
            try (Verifier v = new Verifier(s, "sometimes.s", Verifier.DEFAULT_SYMBOL)) {
                alone = untimed(v.run(700, sd));
            }
            assertTrue(alone.violations().stream().anyMatch(x -> x.iteration() % 2 == 1 || x.iteration() % 3 != 0),
                    "a first violation outside thread 0's share: " + alone.violations());
            for (int threads : new int[] {2, 3}) {
                try (Verifier v = new Verifier(s, "sometimes.s", Verifier.DEFAULT_SYMBOL)) {
                    assertEquals(alone, untimed(v.run(700, sd, threads)), "seed " + sd + " on " + threads + " threads");
                }
            }
        }
        // The seed routine: its x87 and CET findings and its instruction counts come out alike too.
        Assembly seed = Assembler.assemble(new SourceFile("asm/context_x86_64.s", Files.readString(TestFiles.SWITCH)),
                Verifier.CODE_BASE);
        Report one, two;
        try (Verifier v = new Verifier(seed, "asm/context_x86_64.s", Verifier.DEFAULT_SYMBOL)) {
            one = untimed(v.run(1000, 42));
        }
        try (Verifier v = new Verifier(seed, "asm/context_x86_64.s", Verifier.DEFAULT_SYMBOL)) {
            two = untimed(v.run(1000, 42, 2));
        }
        assertEquals(one, two);
        assertEquals(3, one.findings().size(), one.findings().toString());
        // teeth: another seed is another report (the comparison can tell reports apart)
        try (Verifier v = new Verifier(variant(files.get(0)), files.get(0), Verifier.DEFAULT_SYMBOL)) {
            Report other = untimed(v.run(700, 0x5eee, 2));
            try (Verifier w = new Verifier(variant(files.get(0)), files.get(0), Verifier.DEFAULT_SYMBOL)) {
                assertNotEquals(untimed(w.run(700, 0x5eed)), other);
            }
        }
    }
}
