package ctxlab.asm;

/** Text from input files made safe to print: no control character reaches the terminal. */
public final class Text {
    private Text() {}

    /** Control characters (and DEL) as {@code \n}, {@code \t}, {@code \x1b}. */
    public static String escape(String s) {
        if (s == null) return null;
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = null;
            if (c == '\n') rep = "\\n";
            else if (c == '\r') rep = "\\r";
            else if (c == '\t') rep = "\t";
            else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
                rep = String.format("\\x%02x", (int) c);
            }
            if (rep != null && sb == null) sb = new StringBuilder(s.substring(0, i));
            if (sb != null) sb.append(rep != null ? rep : String.valueOf(c));
        }
        return sb == null ? s : sb.toString();
    }
}
