package ctxlab.abi;

import java.util.Optional;

/**
 * The Cem runtime's 64-byte context, as {@code asm/context_x86_64.s} reads and writes it.
 *
 * <pre>
 *   0x00 rbx   0x08 rbp   0x10 r12   0x18 r13   0x20 r14   0x28 r15
 *   0x30 rsp   (points at the address to resume at)
 *   0x38 mxcsr (4 bytes)   0x3C spare (4 bytes)
 * </pre>
 */
public final class ContextLayout {
    public static final int SIZE = 64;
    public static final int SPARE_OFFSET = 0x3C;
    public static final int SPARE_SIZE = 4;

    /** A named slot of the context. */
    public enum Slot implements ContextSlot {
        RBX(0x00, 8), RBP(0x08, 8), R12(0x10, 8), R13(0x18, 8), R14(0x20, 8), R15(0x28, 8),
        RSP(0x30, 8), MXCSR(0x38, 4);

        public final int offset;
        public final int width;

        Slot(int offset, int width) {
            this.offset = offset;
            this.width = width;
        }

        @Override public int offset() { return offset; }
        @Override public int width() { return width; }

        public static Optional<Slot> byName(String name) {
            return ContextSlot.byName(values(), name);
        }

        /** The slot covering {@code offset} within a context, if any (the spare bytes have none). */
        public static Optional<Slot> at(long offset) {
            return ContextSlot.at(values(), offset);
        }
    }

    /** The callee-saved general registers, in slot order. */
    public static final Slot[] CALLEE_SAVED = {Slot.RBX, Slot.RBP, Slot.R12, Slot.R13, Slot.R14, Slot.R15};

    private ContextLayout() {}

    public static long read(Memory memory, long context, Slot slot) {
        return slot.width == 8
                ? memory.readLong(context + slot.offset)
                : Integer.toUnsignedLong(memory.readInt(context + slot.offset));
    }

    public static void write(Memory memory, long context, Slot slot, long value) {
        if (slot.width == 8) memory.writeLong(context + slot.offset, value);
        else memory.writeInt(context + slot.offset, (int) value);
    }
}
