package ctxlab.verify;

import java.util.List;

/**
 * How a verifier writes a violation's counterexample, alike for both architectures: the switch's
 * header, one row per differing value, the offending instruction. Used only when a property fails.
 */
final class Counterexample {
    private Counterexample() {}

    /** The counterexample: {@code header} (ends with a newline), the rows indented, then the instruction. */
    static String text(String header, List<String> rows, String offending) {
        StringBuilder sb = new StringBuilder(header);
        for (String r : rows) sb.append("  ").append(r).append('\n');
        sb.append("  offending instruction: ").append(offending).append('\n');
        return sb.toString();
    }

    /** A differing value: what it was before the switch, should be, and is; {@code line} blamed (null: "differs"). */
    static String row(String name, long before, long expected, long actual, String line) {
        return String.format("%-12s before %-18s expected %-18s got %-18s  <-- %s", name, hex(before), hex(expected),
                hex(actual), line == null ? "differs" : line);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
