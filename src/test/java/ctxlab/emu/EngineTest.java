package ctxlab.emu;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine both machines open, hook and close: on real Unicorn, through its own calls only. */
class EngineTest {
    static final long CODE = 0x1000;
    private final List<Long> seen = new ArrayList<>();

    @SuppressWarnings("unused")   // called by Unicorn through the upcall stub
    private void codeHook(long engine, long address, int size, long user) {
        seen.add(address);
    }

    @Test
    void upcallToAPrivateMethodIsCalledPerInstructionAndCloseRemovesIt() {
        Engine e = Engine.open(UcConst.UC_ARCH_X86, UcConst.UC_MODE_64, "uc_open(X86, MODE_64)");
        try {
            e.hook(UcConst.UC_HOOK_CODE, e.upcall(MethodHandles.lookup(), this, "codeHook", Unicorn.HOOK_CODE_DESC));
            assertEquals(1, e.hooks());
            assertEquals(UcConst.UC_ERR_OK, Unicorn.uc_mem_map(e.uc, CODE, 0x1000, UcConst.UC_PROT_ALL));
            byte[] nops = {(byte) 0x90, (byte) 0x90, (byte) 0x90};
            assertEquals(UcConst.UC_ERR_OK, Unicorn.uc_mem_write(e.uc, CODE, MemorySegment.ofArray(nops), nops.length));
            assertEquals(UcConst.UC_ERR_OK, Unicorn.uc_emu_start(e.uc, CODE, CODE + 3, 0, 0));
            assertEquals(List.of(CODE, CODE + 1, CODE + 2), seen);
        } finally {
            e.close();
        }
        assertTrue(e.isClosed());
        assertEquals(0, e.hooks());
        assertFalse(e.arena.scope().isAlive(), "the arena (and the stubs in it) is freed");
        e.close();   // idempotent
    }

    @Test
    void batchPointersPointAtTheBatchValues() {
        try (Engine e = Engine.open(UcConst.UC_ARCH_X86, UcConst.UC_MODE_64, "x86")) {
            e.batchIds.setAtIndex(JAVA_INT, 0, Reg.RBX.ucId());
            e.batchIds.setAtIndex(JAVA_INT, 1, Reg.R12.ucId());
            e.batchVals.setAtIndex(JAVA_LONG, 0, 0x1234_5678_9abcL);
            e.batchVals.setAtIndex(JAVA_LONG, 1, -2L);
            assertEquals(UcConst.UC_ERR_OK, Unicorn.uc_reg_write_batch(e.uc, e.batchIds, e.batchPtrs, 2));
            MemorySegment one = MemorySegment.ofArray(new long[2]);
            Unicorn.uc_reg_read(e.uc, Reg.RBX.ucId(), one);
            assertEquals(0x1234_5678_9abcL, one.get(JAVA_LONG, 0));
            Unicorn.uc_reg_read(e.uc, Reg.R12.ucId(), one);
            assertEquals(-2L, one.get(JAVA_LONG, 0));
        }
    }

    @Test
    void opensArm64Too() {
        try (Engine e = Engine.open(Arm64Const.UC_ARCH_ARM64, Arm64Const.UC_MODE_ARM, "uc_open(ARM64)")) {
            MemorySegment one = MemorySegment.ofArray(new long[2]);
            assertEquals(UcConst.UC_ERR_OK, Unicorn.uc_reg_read(e.uc, Arm64Reg.X0.ucId(), one));
        }
    }

    @Test
    void aRefusedOpenNamesWhatItOpenedAndFreesItsArena() {
        EmulationException x = assertThrows(EmulationException.class, () -> Engine.open(9999, 0, "uc_open(nothing)"));
        assertTrue(x.getMessage().startsWith("uc_open(nothing): "), x.getMessage());
        assertEquals(UcConst.UC_ERR_ARCH, x.ucErr());
    }

    @Test
    void aHookThatThrewIsRethrownAsItWasOrWrappedWhenChecked() {
        IllegalStateException r = new IllegalStateException("boom");
        assertSame(r, Engine.hookThrew(r, 0x10));
        AssertionError err = new AssertionError("bad");
        assertSame(err, assertThrows(AssertionError.class, () -> Engine.hookThrew(err, 0x10)));
        IOException checked = new IOException("io");
        RuntimeException w = Engine.hookThrew(checked, 0x4010);
        EmulationException e = (EmulationException) w;
        assertEquals(EmulationException.Kind.OTHER, e.kind());
        assertSame(checked, e.getCause());
        assertEquals(0x4010, e.pc());
        assertTrue(e.getMessage().endsWith("at pc 0x4010"), e.getMessage());
    }
}
