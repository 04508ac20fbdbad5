package ctxlab.abi;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A named word of a fixed context layout ({@link ContextLayout.Slot} on x86-64,
 * {@link Arm64Layout.Slot} on AArch64): what both layouts answer alike, by name and by offset.
 */
public interface ContextSlot {
    /** The slot's offset in the context, in bytes. */
    int offset();

    /** The slot's width in bytes. */
    int width();

    /** The enum constant's name ("R13"). */
    String name();

    /** Lower-case name, as used in messages, traces and test vectors ("r13"). */
    default String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The slot of {@code slots} named {@code name}, ignoring case. */
    static <S extends ContextSlot> Optional<S> byName(S[] slots, String name) {
        return Arrays.stream(slots).filter(s -> s.label().equalsIgnoreCase(name)).findFirst();
    }

    /** The slot of {@code slots} covering {@code offset} within a context, if any (spare bytes have none). */
    static <S extends ContextSlot> Optional<S> at(S[] slots, long offset) {
        return Arrays.stream(slots).filter(s -> offset >= s.offset() && offset < s.offset() + s.width()).findFirst();
    }
}
