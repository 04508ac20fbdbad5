package ctxlab.asm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The text both front-ends hand Keystone for their statements. Keystone has no listing, so the
 * whole unit goes in one call with a marker label before every statement and a table of
 * {@code .quad marker - origin} after the code: Keystone itself reports where each statement
 * landed. To find the statement Keystone rejects, a prefix goes in without markers, with stubs for
 * the labels defined further down so that a forward reference is not blamed.
 */
final class KeystoneProgram {
    private static final String MARK = ".Lctxlab_s";
    private static final String ORIGIN = ".Lctxlab_origin";

    private final String header;
    private final UnaryOperator<String> alias;

    /**
     * @param header text before the statements (the syntax Keystone starts in)
     * @param alias  a second name a label also gets, or null for none
     */
    KeystoneProgram(String header, UnaryOperator<String> alias) {
        this.header = header;
        this.alias = alias;
    }

    /** The first {@code count} statements, with the marker table or (without markers) the stubs. */
    String text(List<? extends AsmStatement> statements, boolean markers, int count) {
        StringBuilder sb = new StringBuilder(header);
        if (markers) sb.append(ORIGIN).append(":\n");
        Set<String> defined = new HashSet<>();
        for (int i = 0; i < count; i++) {
            AsmStatement s = statements.get(i);
            if (markers) sb.append(MARK).append(i).append(":\n");
            for (String l : s.labels()) {
                label(sb, l);
                defined.add(l);
            }
            if (!s.body().isEmpty()) sb.append(s.body()).append('\n');
        }
        if (markers) {
            sb.append(MARK).append(count).append(":\n");
            for (int i = 0; i <= count; i++) {
                sb.append(".quad ").append(MARK).append(i).append(" - ").append(ORIGIN).append('\n');
            }
        } else {
            for (int i = count; i < statements.size(); i++) {
                for (String l : statements.get(i).labels()) {
                    if (defined.add(l)) label(sb, l);
                }
            }
        }
        return sb.toString();
    }

    private void label(StringBuilder sb, String l) {
        sb.append(l).append(":\n");
        String second = alias == null ? null : alias.apply(l);
        if (second != null) sb.append(second).append(":\n");
    }

    /** Bytes of the marker table for {@code statements} statements: an offset for each, and the end. */
    static int tableSize(int statements) {
        return (statements + 1) * 8;
    }

    /** The table at the end of Keystone's output: where each of the n statements starts, and [n] where the code ends. */
    static long[] offsets(byte[] out, int n) {
        int table = tableSize(n);
        ByteBuffer bb = ByteBuffer.wrap(out, out.length - table, table).order(ByteOrder.LITTLE_ENDIAN);
        long[] offset = new long[n + 1];
        for (int i = 0; i <= n; i++) offset[i] = bb.getLong();
        return offset;
    }
}
