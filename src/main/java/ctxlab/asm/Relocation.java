package ctxlab.asm;

/**
 * A reference the code makes to a symbol it does not define ({@code call _exit@PLT}, {@code jmp foo}),
 * as GNU as records it: the bytes at {@code offset} hold a placeholder (zeros for a PC-relative
 * branch) that a linker would patch. In emulation, control reaching such a target is a named stop,
 * never a silent jump into whatever the placeholder points at.
 *
 * @param offset      where the placeholder field starts, from the start of the code
 * @param width       the field's size in bytes (4 for a rel32 branch)
 * @param symbol      the symbol as written, with any {@code @PLT} suffix ("_exit@PLT")
 * @param addend      what GNU as records as the addend (-4 for a rel32 branch)
 * @param instruction the offset of the instruction containing the field
 * @param kind        how the field is used
 */
public record Relocation(long offset, int width, String symbol, long addend, long instruction, Kind kind) {
    public enum Kind {
        /** A PC-relative call ({@code R_X86_64_PLT32} / {@code PC32} on a call). */
        CALL,
        /** A PC-relative jump. */
        JUMP,
        /** Any other reference (data, RIP-relative load). */
        DATA
    }

    /** The symbol without a {@code @PLT}/{@code @GOTPCREL} suffix. */
    public String baseSymbol() {
        int at = symbol.indexOf('@');
        return at < 0 ? symbol : symbol.substring(0, at);
    }
}
