package ctxlab.abi;

import java.util.EnumMap;
import java.util.Map;

/**
 * {@code cem_makecontext} in Java: prepares a context that, when switched to, starts running
 * {@code entry} on a fresh stack exactly as if it had been called.
 *
 * <p>The switch routine ends in {@code ret}, so the entry address goes where a return address
 * would be, at the saved rsp. After {@code ret} pops it, the entry sees {@code rsp = saved rsp + 8};
 * a function entered by {@code call} sees {@code rsp ≡ 8 (mod 16)}, so the saved rsp is 16-byte
 * aligned. Above the entry address sits the entry's own "return address": {@code exit}, where a
 * strand that returns would go (0 makes that a fault rather than a jump into anything).
 */
public final class MakeContext {
    /** Smaller stacks are refused: the Cem runtime's minimum. */
    public static final long MIN_STACK = 4096;
    /** MXCSR of a fresh strand: all exceptions masked, round to nearest (the Linux default). */
    public static final int DEFAULT_MXCSR = 0x1F80;

    private MakeContext() {}

    /** Where a new strand's stack starts and how it was laid out. */
    public record Prepared(long context, long stackBase, long stackSize, long savedRsp, long entry) {
        /** rsp as the entry function sees it: {@code savedRsp + 8}, which is 8 mod 16. */
        public long entryRsp() {
            return savedRsp + 8;
        }
    }

    public static Prepared make(Memory memory, long context, long stackBase, long stackSize, long entry) {
        return make(memory, context, stackBase, stackSize, entry, Map.of(), 0);
    }

    /**
     * @param registers initial callee-saved registers (any of rbx, rbp, r12–r15): how a strand
     *                  body receives its parameters; unspecified ones start at 0
     * @param exit      the address a strand returning from its entry would jump to
     */
    public static Prepared make(Memory memory, long context, long stackBase, long stackSize, long entry,
                                Map<ContextLayout.Slot, Long> registers, long exit) {
        checkStack(stackSize);
        for (ContextLayout.Slot s : registers.keySet()) {
            if (s == ContextLayout.Slot.RSP || s == ContextLayout.Slot.MXCSR) {
                throw new IllegalArgumentException("makecontext sets " + s.label() + " itself; only callee-saved registers can be preset");
            }
        }
        long top = (stackBase + stackSize) & ~15L;
        long savedRsp = top - 16;                 // 16-byte aligned: entry sees savedRsp + 8
        memory.writeLong(top - 8, exit);          // the entry function's return address
        memory.writeLong(savedRsp, entry);        // popped by the switch routine's ret
        Map<ContextLayout.Slot, Long> init = new EnumMap<>(ContextLayout.Slot.class);
        for (ContextLayout.Slot s : ContextLayout.CALLEE_SAVED) init.put(s, registers.getOrDefault(s, 0L));
        init.put(ContextLayout.Slot.RSP, savedRsp);
        init.put(ContextLayout.Slot.MXCSR, (long) DEFAULT_MXCSR);
        init.forEach((slot, value) -> ContextLayout.write(memory, context, slot, value));
        memory.writeInt(context + ContextLayout.SPARE_OFFSET, 0);
        return new Prepared(context, stackBase, stackSize, savedRsp, entry);
    }

    /** The Cem runtime refuses stacks under 4 KB; so does this, before touching memory. */
    public static void checkStack(long stackSize) {
        if (stackSize < MIN_STACK) {
            throw new StackTooSmallException(stackSize);
        }
    }

    /** A stack below {@link #MIN_STACK}. */
    public static final class StackTooSmallException extends IllegalArgumentException {
        public StackTooSmallException(long size) {
            super("stack of " + size + " bytes is too small: a strand stack needs at least " + MIN_STACK + " bytes");
        }
    }
}
