package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real Keystone engine (WebAssembly via Chicory); behaviour pinned as measured. */
class KeystoneTest {
    static final String ROUTINE = """
            movq %rbx, 0(%rdi)
            movq %rbp, 8(%rdi)
            movq %r12, 16(%rdi)
            movq %r13, 24(%rdi)
            movq %r14, 32(%rdi)
            movq %r15, 40(%rdi)
            movq %rsp, 48(%rdi)
            stmxcsr 56(%rdi)
            movq 0(%rsi), %rbx
            movq 8(%rsi), %rbp
            movq 16(%rsi), %r12
            movq 24(%rsi), %r13
            movq 32(%rsi), %r14
            movq 40(%rsi), %r15
            movq 48(%rsi), %rsp
            ldmxcsr 56(%rsi)
            ret
            """;
    static final String ROUTINE_HEX = "48891f48896f084c8967104c896f184c8977204c897f2848896730" + "0fae5f38"
            + "488b1e488b6e084c8b66104c8b6e184c8b76204c8b7e28488b6630" + "0fae5638" + "c3";

    static Keystone ks;

    @BeforeAll
    static void openAndTime() {
        long t0 = System.nanoTime();
        ks = Keystone.open();
        long t1 = System.nanoTime();
        long first = 0, tenth = 0;
        for (int i = 1; i <= 10; i++) {
            long s = System.nanoTime();
            ks.asm(".att_syntax\n" + ROUTINE, 0);
            long d = System.nanoTime() - s;
            if (i == 1) first = d;
            if (i == 10) tenth = d;
        }
        System.out.printf("Keystone timings: open %.1f ms, ks_asm(routine) 1st %.1f ms, 10th %.1f ms%n",
                (t1 - t0) / 1e6, first / 1e6, tenth / 1e6);
    }

    @AfterAll
    static void closeEngine() {
        ks.close();
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    @Test
    void assemblesTheContextSwitchRoutine() {
        Keystone.Result r = ks.asm(".att_syntax\n" + ROUTINE, 0);
        assertEquals(ROUTINE_HEX, hex(r.bytes()));
        assertEquals(63, r.bytes().length);
        assertEquals("", r.stderr());
        assertEquals(0, ks.errno());
        assertEquals("OK (KS_ERR_OK)", ks.strerror(0));
    }

    @Test
    void statementCountIncludesTwoForAttSyntaxAndOnePerLabel() {
        // Measured: 17 instructions + 2 for the ".att_syntax" line = 19.
        assertEquals(19, ks.asm(".att_syntax\n" + ROUTINE, 0).statements());
        assertEquals(1, ks.asm("nop", 0).statements());
        assertEquals(2, ks.asm("nop\nnop\n", 0).statements());
        assertEquals(3, ks.asm(".att_syntax\nnop\n", 0).statements());
        // labels count as statements of their own: 2 + (foo:, nop, bar:, ret)
        assertEquals(6, ks.asm(".att_syntax\nfoo: nop\nbar: ret\n", 0).statements());
    }

    @Test
    void malformedOperandIsAnError() {
        var e = assertThrows(KeystoneException.class, () -> ks.asm(".att_syntax\nmovq %rbx, (%zz)\n", 0));
        assertNotEquals(0, e.errno());
        assertEquals(512, e.errno()); // KS_ERR_ASM_INVALIDOPERAND
        assertFalse(e.keystoneMessage().isEmpty());
        assertFalse(e.crashed());
        assertFalse(ks.isBroken());
    }

    @Test
    void unknownMnemonicIs514() {
        var e = assertThrows(KeystoneException.class, () -> ks.asm(".att_syntax\nfrobq %rax\n", 0));
        assertEquals(514, e.errno());
        assertEquals("Invalid mnemonic (KS_ERR_ASM_MNEMONICFAIL)", e.keystoneMessage());
    }

    @Test
    void undefinedSymbolIs144() {
        var e = assertThrows(KeystoneException.class, () -> ks.asm(".att_syntax\ncall nowhere\n", 0x1000));
        assertEquals(144, e.errno());
        assertEquals("Cannot find a symbol (KS_ERR_ASM_SYMBOL_MISSING)", e.keystoneMessage());
        assertFalse(e.crashed());
    }

    @Test
    void gnuStackSectionSucceedsEmptyButComplainsOnStderr() {
        // Not an error for ks_asm (returns 0), but LLVM prints a diagnostic to fd 2.
        Keystone.Result r = ks.asm(".section .note.GNU-stack,\"\",@progbits\n", 0);
        assertEquals(0, r.bytes().length);
        assertEquals(0, r.statements());
        assertTrue(r.stderr().startsWith("error: unexpected token in '.section' directive"), r.stderr());
        assertEquals(0, ks.errno());
        // stderr is per call, and the engine is fine afterwards
        Keystone.Result next = ks.asm("nop", 0);
        assertEquals("90", hex(next.bytes()));
        assertEquals("", next.stderr());
    }

    @Test
    void dataDirectivesGiveAbsoluteLabelAddresses() {
        // .quad/.long of a label emit its absolute address (base address + offset), little-endian.
        byte[] q = ks.asm(".att_syntax\nnop\nfoo: nop\nbar: ret\n.quad foo\n.quad bar\n", 0x1000).bytes();
        assertEquals(3 + 16, q.length);
        assertEquals("9090c3", hex(q).substring(0, 6));
        ByteBuffer bq = ByteBuffer.wrap(q, 3, 16).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x1001L, bq.getLong());
        assertEquals(0x1002L, bq.getLong());

        byte[] l = ks.asm(".att_syntax\nnop\nfoo: nop\nbar: ret\n.long foo\n.long bar\n", 0x1000).bytes();
        assertEquals("9090c3" + "01100000" + "02100000", hex(l));

        // at address 0 the absolute address equals the offset
        byte[] z = ks.asm(".att_syntax\nnop\nfoo: nop\nbar: ret\n.quad foo\n.quad bar\n", 0).bytes();
        assertEquals("9090c3" + "0100000000000000" + "0200000000000000", hex(z));

        // a label difference is a plain offset, independent of the base address
        byte[] d = ks.asm(".att_syntax\nfoo: nop\nbar: ret\n.quad bar - foo\n", 0x1000).bytes();
        assertEquals("90c3" + "0100000000000000", hex(d));
    }

    @Test
    void textDirectiveCrashesAndBreaksTheInstance() {
        try (Keystone own = Keystone.open()) {
            var e = assertThrows(KeystoneException.class, () -> own.asm(".text", 0));
            assertTrue(e.crashed());
            assertEquals(-1, e.errno());
            assertTrue(e.getMessage().startsWith("Keystone crashed inside WebAssembly: "), e.getMessage());
            assertTrue(own.isBroken());
            var later = assertThrows(IllegalStateException.class, () -> own.asm("nop", 0));
            assertEquals("Keystone instance is broken after a trap; open a new one", later.getMessage());
            assertThrows(IllegalStateException.class, own::errno);
        }
        try (Keystone fresh = Keystone.open()) {
            assertFalse(fresh.isBroken());
            assertEquals("c3", hex(fresh.asm("ret", 0).bytes()));
        }
    }

    @Test
    void closeIsIdempotentAndFinal() {
        Keystone own = Keystone.open();
        assertArrayEquals(new byte[] {(byte) 0x90}, own.asm("nop", 0).bytes());
        own.close();
        own.close();
        assertFalse(own.isBroken());
        assertThrows(IllegalStateException.class, () -> own.asm("nop", 0));
    }
}
