package ctxlab.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Lookups by name and offset, shared by the x86-64 and AArch64 context layouts. */
class ContextSlotTest {
    @Test
    void findsTheSlotCoveringAnOffsetInEitherLayout() {
        assertEquals(ContextLayout.Slot.MXCSR, ContextSlot.at(ContextLayout.Slot.values(), 0x3B).orElseThrow());
        assertTrue(ContextSlot.at(ContextLayout.Slot.values(), 0x3C).isEmpty(), "the spare bytes are no slot");
        assertTrue(ContextSlot.at(ContextLayout.Slot.values(), -1).isEmpty());
        assertEquals(Arm64Layout.Slot.SP, Arm64Layout.Slot.at(0x67).orElseThrow());
        assertEquals(Arm64Layout.Slot.FPCR, Arm64Layout.Slot.at(0xAF).orElseThrow());
        assertTrue(Arm64Layout.Slot.at(Arm64Layout.SIZE).isEmpty());
    }

    @Test
    void namesAreLowerCaseAndLookedUpIgnoringCase() {
        assertEquals("x29", Arm64Layout.Slot.X29.label());
        assertEquals("mxcsr", ContextLayout.Slot.MXCSR.label());
        assertEquals(Arm64Layout.Slot.D15, ContextSlot.byName(Arm64Layout.Slot.values(), "d15").orElseThrow());
        assertEquals(ContextLayout.Slot.R12, ContextLayout.Slot.byName("R12").orElseThrow());
        assertTrue(ContextSlot.byName(Arm64Layout.Slot.values(), "x18").isEmpty(), "x18 is not in the context");
    }

    @Test
    void accessorsAgreeWithTheFields() {
        for (ContextLayout.Slot s : ContextLayout.Slot.values()) {
            assertEquals(s.offset, s.offset());
            assertEquals(s.width, s.width());
        }
        for (Arm64Layout.Slot s : Arm64Layout.Slot.values()) {
            assertEquals(s.offset, s.offset());
            assertEquals(8, s.width());
        }
    }
}
