package ctxlab.vectors;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A value as vector files write it: a hex number ({@code "0x1f80"}), or a name plus or minus a hex
 * offset ({@code "block+0x40"}, {@code "simple_strand"}). A name is a memory region of the vector
 * (its base) or a symbol of the assembled code (its address). Names keep vectors readable and let a
 * runner place the code anywhere; region bases are fixed hex numbers, so every value is still exact.
 *
 * @param name   null for a plain number
 * @param offset the number, or the offset added to the name's value
 * @param text   as written in the file
 */
public record Expr(String name, long offset, String text) {

    static final Pattern NAME = Pattern.compile("[A-Za-z_.$][A-Za-z0-9_.$]*");
    private static final Pattern HEX = Pattern.compile("0[xX]([0-9a-fA-F_]+)");
    private static final Pattern FORM = Pattern.compile(
            "(?<num>0[xX][0-9a-fA-F_]+)|(?<name>[A-Za-z_.$][A-Za-z0-9_.$]*)\\s*(?:(?<sign>[+-])\\s*(?<off>0[xX][0-9a-fA-F_]+))?");

    /** What a name stands for: region bases and code symbols. */
    @FunctionalInterface
    public interface Names {
        /** The value of {@code name}; throws {@link IllegalArgumentException} with a message when unknown. */
        long valueOf(String name);
    }

    public static Expr number(long value) {
        return new Expr(null, value, hex(value));
    }

    /** Parses an expression; {@link IllegalArgumentException} (message without file or path) when malformed. */
    public static Expr parse(String text) {
        String t = text.strip();
        Matcher m = FORM.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is neither a hex number (0x…) nor NAME, NAME+0x… or NAME-0x…"
                    + (t.matches("-?[0-9]+") ? " (numbers are written in hex: 0x…)" : ""));
        }
        if (m.group("num") != null) return new Expr(null, hexValue(m.group("num"), text), text);
        long off = 0;
        if (m.group("off") != null) {
            off = hexValue(m.group("off"), text);
            if (m.group("sign").equals("-")) off = -off;
        }
        return new Expr(m.group("name"), off, text);
    }

    /** A 64-bit unsigned hex number, "0x" required, '_' allowed between digits. */
    static long hexValue(String digits, String context) {
        Matcher h = HEX.matcher(digits.strip());
        if (!h.matches()) throw new IllegalArgumentException("'" + context + "' is not a hex number (0x…)");
        String d = h.group(1).replace("_", "");
        if (d.isEmpty()) throw new IllegalArgumentException("'" + context + "' has no digits");
        String significant = d.replaceFirst("^0+(?=.)", "");
        if (significant.length() > 16) throw new IllegalArgumentException("'" + context + "' does not fit 64 bits");
        return Long.parseUnsignedLong(significant, 16);
    }

    public boolean isNumber() {
        return name == null;
    }

    public long resolve(Names names) {
        return name == null ? offset : names.valueOf(name) + offset;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    @Override
    public String toString() {
        return text;
    }
}
