package ctxlab.abi;

import java.util.Optional;

/**
 * The Cem runtime's AArch64 context, as {@code asm/context_arm64.s} reads and writes it: 176 bytes,
 * the design document's 168 (x19-x28, x29, x30, sp, d8-d15) and FPCR.
 *
 * <pre>
 *   0x00 x19  0x08 x20  0x10 x21  0x18 x22  0x20 x23  0x28 x24  0x30 x25  0x38 x26  0x40 x27  0x48 x28
 *   0x50 x29 (fp)   0x58 x30 (lr: where to resume)   0x60 sp (16-byte aligned)
 *   0x68 d8  0x70 d9  0x78 d10  0x80 d11  0x88 d12  0x90 d13  0x98 d14  0xA0 d15
 *   0xA8 fpcr
 * </pre>
 */
public final class Arm64Layout {
    public static final int SIZE = 176;
    /** The design document's layout without FPCR. */
    public static final int SIZE_WITHOUT_FPCR = 168;

    public enum Slot implements ContextSlot {
        X19(0x00), X20(0x08), X21(0x10), X22(0x18), X23(0x20), X24(0x28), X25(0x30), X26(0x38), X27(0x40),
        X28(0x48), X29(0x50), X30(0x58), SP(0x60),
        D8(0x68), D9(0x70), D10(0x78), D11(0x80), D12(0x88), D13(0x90), D14(0x98), D15(0xA0),
        FPCR(0xA8);

        public final int offset;
        /** Every slot is a doubleword: FPCR too (its fields are in bits 0-31, the rest RES0). */
        public final int width = 8;

        Slot(int offset) {
            this.offset = offset;
        }

        @Override public int offset() { return offset; }
        @Override public int width() { return width; }

        public static Optional<Slot> at(long offset) {
            return ContextSlot.at(values(), offset);
        }
    }

    /** x19-x29: the callee-saved general registers (x29 is the frame pointer), in slot order. */
    public static final Slot[] CALLEE_SAVED_X = {Slot.X19, Slot.X20, Slot.X21, Slot.X22, Slot.X23, Slot.X24,
            Slot.X25, Slot.X26, Slot.X27, Slot.X28, Slot.X29};
    /** d8-d15, whose low 64 bits are callee-saved. */
    public static final Slot[] CALLEE_SAVED_D = {Slot.D8, Slot.D9, Slot.D10, Slot.D11, Slot.D12, Slot.D13,
            Slot.D14, Slot.D15};

    private Arm64Layout() {}

    public static long read(Memory memory, long context, Slot slot) {
        return memory.readLong(context + slot.offset);
    }

    public static void write(Memory memory, long context, Slot slot, long value) {
        memory.writeLong(context + slot.offset, value);
    }
}
