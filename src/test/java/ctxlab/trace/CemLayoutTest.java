package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.abi.ContextLayout;
import org.junit.jupiter.api.Test;

/** The one adapter between the trace and a convention: Cem's, read from ctxlab.abi.ContextLayout. */
class CemLayoutTest {
    @Test
    void everyCemSlotWithItsOffsetWidthAndRegister() {
        TraceLayout l = CemLayout.INSTANCE;
        assertEquals(ContextLayout.SIZE, l.size());
        assertEquals(ContextLayout.Slot.values().length, l.slots().size());
        for (ContextLayout.Slot s : ContextLayout.Slot.values()) {
            TraceLayout.Slot t = l.slotFor(s.label()).orElseThrow();
            assertEquals(s.offset, t.offset());
            assertEquals(s.width, t.width());
            assertEquals(t, l.slotAt(s.offset + s.width - 1).orElseThrow());
        }
        assertTrue(l.slotAt(ContextLayout.SPARE_OFFSET).isEmpty(), "the spare bytes are no slot");
        assertEquals(0x30, l.stackPointerOffset());
        assertEquals(java.util.List.of("rbx", "rbp", "r12", "r13", "r14", "r15", "rsp", "mxcsr"), l.preserved());
        assertEquals(TraceLayout.Resume.AT_SAVED_RSP, l.resume());
    }
}
