package ctxlab.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.abi.ContextLayout.Slot;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MakeContextTest {
    /** Byte-addressed little-endian memory: enough to check layout without any engine. */
    static final class MapMemory implements Memory {
        final Map<Long, Byte> bytes = new HashMap<>();

        @Override public void writeLong(long a, long v) { for (int i = 0; i < 8; i++) bytes.put(a + i, (byte) (v >>> (8 * i))); }
        @Override public long readLong(long a) { long v = 0; for (int i = 0; i < 8; i++) v |= (bytes.getOrDefault(a + i, (byte) 0) & 0xFFL) << (8 * i); return v; }
        @Override public void writeInt(long a, int v) { for (int i = 0; i < 4; i++) bytes.put(a + i, (byte) (v >>> (8 * i))); }
        @Override public int readInt(long a) { return (int) (readLong(a) & 0xFFFFFFFFL); }
    }

    @Test
    void layoutIsTheCemLayout() {
        assertEquals(64, ContextLayout.SIZE);
        long[] offsets = {0x00, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38};
        Slot[] slots = Slot.values();
        for (int i = 0; i < slots.length; i++) assertEquals(offsets[i], slots[i].offset, slots[i].label());
        assertEquals(4, Slot.MXCSR.width);
        assertEquals(Slot.R13, Slot.at(0x1b).orElseThrow());
        assertTrue(Slot.at(0x3C).isEmpty());
        assertEquals(Slot.R15, Slot.byName("R15").orElseThrow());
    }

    @Test
    void entrySeesRspEightModSixteenForEveryStackAlignment() {
        for (long base = 0x10000; base < 0x10000 + 32; base++) {
            for (long size : new long[] {4096, 4097, 4100, 65536 + 7}) {
                MapMemory m = new MapMemory();
                MakeContext.Prepared p = MakeContext.make(m, 0x1000, base, size, 0x401000);
                long rsp = ContextLayout.read(m, 0x1000, Slot.RSP);
                assertEquals(p.savedRsp(), rsp);
                assertEquals(8, (rsp + 8) & 15, "entry rsp must be 8 mod 16 (as after a call)");
                assertEquals(0x401000, m.readLong(rsp), "ret pops the entry address");
                assertTrue(rsp + 16 <= base + size && rsp >= base, "saved rsp inside the stack");
                assertEquals(0, m.readLong(rsp + 8), "entry's own return address: exit (0)");
            }
        }
    }

    @Test
    void mxcsrAndPresetRegisters() {
        MapMemory m = new MapMemory();
        MakeContext.make(m, 0x2000, 0x10000, 8192, 0x401000,
                Map.of(Slot.R12, 0xAAAAL, Slot.RBX, 0xBBBBL), 0x401234);
        assertEquals(0x1F80, ContextLayout.read(m, 0x2000, Slot.MXCSR));
        assertEquals(0xAAAA, ContextLayout.read(m, 0x2000, Slot.R12));
        assertEquals(0xBBBB, ContextLayout.read(m, 0x2000, Slot.RBX));
        assertEquals(0, ContextLayout.read(m, 0x2000, Slot.R15));
        long rsp = ContextLayout.read(m, 0x2000, Slot.RSP);
        assertEquals(0x401234, m.readLong(rsp + 8));
        assertThrows(IllegalArgumentException.class,
                () -> MakeContext.make(m, 0x2000, 0x10000, 8192, 0x401000, Map.of(Slot.RSP, 1L), 0));
    }

    @Test
    void stacksUnder4096BytesAreRefusedBeforeAnyWrite() {
        for (long size : new long[] {4095, 0, -1}) {
            MapMemory m = new MapMemory();
            MakeContext.StackTooSmallException e = assertThrows(MakeContext.StackTooSmallException.class,
                    () -> MakeContext.make(m, 0x1000, 0x10000, size, 0x401000));
            assertEquals("stack of " + size + " bytes is too small: a strand stack needs at least 4096 bytes", e.getMessage());
            assertTrue(m.bytes.isEmpty());
        }
    }
}
