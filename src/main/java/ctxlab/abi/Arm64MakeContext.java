package ctxlab.abi;

import java.util.EnumMap;
import java.util.Map;

/**
 * {@code cem_makecontext} for AArch64: a context that, when switched to, starts {@code entry} on a
 * fresh stack as if it had been called.
 *
 * <p>The switch routine resumes with {@code ret}, which jumps to the restored x30; so the entry
 * address goes into x30's slot. AAPCS64 requires sp ≡ 0 (mod 16) at every public interface (and
 * the hardware may check it on every sp-relative access), so the saved sp is the stack top rounded
 * down to 16. x29 = 0 ends the frame-pointer chain, FPCR is 0 (the Linux default: round to nearest,
 * no flush-to-zero, traps off) and d8-d15 are 0. Nothing is written on the stack: unlike x86-64,
 * no return address lives there. The entry function's own lr is its own address on arrival (the
 * restored x30), so a strand body must not return: it ends by switching away.
 */
public final class Arm64MakeContext {
    public static final long MIN_STACK = MakeContext.MIN_STACK;
    public static final long DEFAULT_FPCR = 0;

    private Arm64MakeContext() {}

    /** @param entrySp sp as the entry function sees it (16-byte aligned) */
    public record Prepared(long context, long stackBase, long stackSize, long entrySp, long entry) {}

    public static Prepared make(Memory memory, long context, long stackBase, long stackSize, long entry) {
        return make(memory, context, stackBase, stackSize, entry, Map.of());
    }

    /**
     * @param registers initial callee-saved registers (x19-x28, d8-d15): how a strand body receives
     *                  its parameters; the others start at 0
     */
    public static Prepared make(Memory memory, long context, long stackBase, long stackSize, long entry,
                                Map<Arm64Layout.Slot, Long> registers) {
        MakeContext.checkStack(stackSize);
        for (Arm64Layout.Slot s : registers.keySet()) {
            if (s == Arm64Layout.Slot.SP || s == Arm64Layout.Slot.X30 || s == Arm64Layout.Slot.X29
                    || s == Arm64Layout.Slot.FPCR) {
                throw new IllegalArgumentException("makecontext sets " + s.label() + " itself; only x19-x28 and d8-d15 can be preset");
            }
        }
        long sp = (stackBase + stackSize) & ~15L;
        Map<Arm64Layout.Slot, Long> init = new EnumMap<>(Arm64Layout.Slot.class);
        for (Arm64Layout.Slot s : Arm64Layout.Slot.values()) init.put(s, registers.getOrDefault(s, 0L));
        init.put(Arm64Layout.Slot.X29, 0L);
        init.put(Arm64Layout.Slot.X30, entry);
        init.put(Arm64Layout.Slot.SP, sp);
        init.put(Arm64Layout.Slot.FPCR, DEFAULT_FPCR);
        init.forEach((slot, value) -> Arm64Layout.write(memory, context, slot, value));
        return new Prepared(context, stackBase, stackSize, sp, entry);
    }
}
