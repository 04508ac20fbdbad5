package ctxlab.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Calls and jumps to undefined symbols, in Unicorn: a named stop, never the next instruction. */
class ExternalsTest {
    static final long BASE = 0x40_0000L, STACK = 0x7000_0000L;

    static Assembly assemble(String text) {
        return Assembler.assemble(new SourceFile("t.s", text), BASE);
    }

    /** Calls f() on a machine with the code loaded by {@link Externals#load}; the stop or the return. */
    static EmulationException callLinked(Assembly a) {
        try (Machine m = Machine.x86_64()) {
            Externals.load(m, a);
            m.map(STACK, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            return assertThrows(EmulationException.class, () -> m.call(a.address("f"), STACK + 0x800));
        }
    }

    @Test
    void aCallToExitStopsWithItsNameAndLine() {
        Assembly a = assemble("f:\n  xorl %edi, %edi\n  call _exit@PLT\n  movl $1, %eax\n  ret\n");
        EmulationException e = callLinked(a);
        assertEquals(EmulationException.Kind.EXTERNAL, e.kind());
        assertEquals("calls _exit@PLT (from t.s:3)", e.getMessage());
        assertEquals(BASE + 2, e.pc(), "the call is to blame");
        assertEquals(Externals.pageFor(a), e.address(), "the first stub of the page");
    }

    @Test
    void withoutTheStubTheSameBytesRunOnSilently() {
        // the teeth of the above: GNU as's zero rel32 lands on the next instruction and f returns 1
        Assembly a = assemble("f:\n  xorl %edi, %edi\n  call _exit@PLT\n  movl $1, %eax\n  addq $8, %rsp\n  ret\n");
        try (Machine m = Machine.x86_64()) {
            m.map(BASE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(BASE, a.code());
            m.map(STACK, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.call(a.address("f"), STACK + 0x800);
            assertEquals(1, m.get(Reg.RAX));
        }
        assertEquals(EmulationException.Kind.EXTERNAL, callLinked(a).kind());
    }

    @Test
    void aTailJumpAConditionalJumpAndAGotCallAreNamedToo() {
        EmulationException j = callLinked(assemble("f:\n  jmp foo\n"));
        assertEquals("calls foo (from t.s:2)", j.getMessage());
        EmulationException c = callLinked(assemble("f:\n  testq %rax, %rax\n  je bar\n  ret\n"));
        assertEquals("calls bar (from t.s:3)", c.getMessage(), "rax is 0 at the call: the jump is taken");
        EmulationException g = callLinked(assemble("f:\n  call *hook@GOTPCREL(%rip)\n  ret\n"));
        assertEquals(EmulationException.Kind.EXTERNAL, g.kind());
        assertEquals("calls hook@GOTPCREL (from t.s:2)", g.getMessage());
    }

    @Test
    void twoReferencesStopAtTheirOwnStubs() {
        Assembly a = assemble("f:\n  testq %rax, %rax\n  jne g1\n  call _exit@PLT\n  ret\n");
        EmulationException e = callLinked(a);
        assertEquals("calls _exit@PLT (from t.s:4)", e.getMessage(), "rax = 0: jne not taken");
        Externals.Image img = Externals.link(a);
        assertEquals(2, img.stubs().size());
        assertNotEquals(img.stubs().get(0).address(), img.stubs().get(1).address());
    }

    @Test
    void unicornGetsThePatchedBytesWhileTheAssemblyKeepsGnuAs() {
        Assembly a = assemble("f:\n  call _exit@PLT\n  ret\n");
        assertEquals("e800000000c3", a.hex(), "GNU as's bytes: a zero field");
        try (Machine m = Machine.x86_64()) {
            Externals.Image img = Externals.load(m, a);
            byte[] run = m.read(BASE, a.size());
            assertArrayEquals(img.code(), run);
            int rel = ByteBuffer.wrap(run, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            long target = BASE + 5 + rel;
            assertEquals(img.stubs().getFirst().address(), target);
            assertEquals(Optional.of("_exit@PLT"), m.externalAt(target));
            assertEquals(Optional.empty(), m.externalAt(target + 1));
            assertEquals((byte) 0xF4, m.read(target, 1)[0], "the stub is a hlt");
            assertTrue(Math.abs(target - BASE) < (1L << 31));
        }
        assertEquals("e800000000c3", a.hex(), "loading does not change the assembly");
    }

    @Test
    void codeWithoutRelocationsIsLoadedUnchanged() {
        Assembly a = assemble("f:\n  movl $7, %eax\n  ret\n");
        try (Machine m = Machine.x86_64()) {
            Externals.Image img = Externals.load(m, a);
            assertTrue(img.stubs().isEmpty());
            assertArrayEquals(a.code(), m.read(BASE, a.size()));
            assertEquals((byte) 0xF4, m.read(BASE + a.size(), 1)[0], "hlt after the code");
            assertThrows(EmulationException.class, () -> m.read(Externals.pageFor(a), 1), "no externals page mapped");
            m.map(STACK, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.call(a.address("f"), STACK + 0x800);
            assertEquals(7, m.get(Reg.RAX));
        }
    }

    @Test
    void aTakenPageMovesTheStubsToTheNextFreeOne() {
        Assembly a = assemble("f:\n  call _exit@PLT\n  ret\n");
        try (Machine m = Machine.x86_64()) {
            m.map(Externals.pageFor(a), 0x1000, UcConst.UC_PROT_READ);
            Externals.Image img = Externals.load(m, a);
            assertEquals(Externals.pageFor(a) + 0x1000, img.pageAddress());
            m.map(STACK, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            EmulationException e = assertThrows(EmulationException.class, () -> m.call(a.address("f"), STACK + 0x800));
            assertEquals("calls _exit@PLT (from t.s:2)", e.getMessage());
        }
    }
}
