package ctxlab.asm;

import java.util.OptionalLong;

/**
 * Constant integer expressions as GNU as writes them ({@code 0x10}, {@code 1<<12}, {@code 4*(2+1)},
 * {@code 010} octal, {@code 0b101}): evaluated by the front-end to check sizes before Keystone sees
 * them. Anything else (a symbol, {@code .}) is "not constant": empty.
 */
final class Expr {
    private final String s;
    private int pos;

    private Expr(String s) {
        this.s = s;
    }

    static OptionalLong eval(String text) {
        Expr e = new Expr(text.strip());
        try {
            long v = e.or();
            e.skip();
            return e.pos == e.s.length() ? OptionalLong.of(v) : OptionalLong.empty();
        } catch (ArithmeticException | NumberFormatException | IndexOutOfBoundsException ex) {
            return OptionalLong.empty();
        }
    }

    /** Whether the text is a constant expression (numbers and operators only). */
    static boolean isConstant(String text) {
        return eval(text).isPresent();
    }

    private void skip() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
    }

    private boolean eat(String op) {
        skip();
        if (s.startsWith(op, pos)) {
            // "<" alone is not "<<", "|" alone is not "||"
            pos += op.length();
            return true;
        }
        return false;
    }

    private long or() {
        long v = xor();
        while (!s.startsWith("||", pos) && eat("|")) v |= xor();
        return v;
    }

    private long xor() {
        long v = and();
        while (eat("^")) v ^= and();
        return v;
    }

    private long and() {
        long v = shift();
        while (!s.startsWith("&&", pos) && eat("&")) v &= shift();
        return v;
    }

    private long shift() {
        long v = sum();
        while (true) {
            if (eat("<<")) v = Math.multiplyExact(v, 1L << Math.min(62, checkShift(sum())));
            else if (eat(">>")) v >>= checkShift(sum());
            else return v;
        }
    }

    private static long checkShift(long n) {
        if (n < 0 || n > 62) throw new ArithmeticException("shift");
        return n;
    }

    private long sum() {
        long v = product();
        while (true) {
            if (eat("+")) v = Math.addExact(v, product());
            else if (eat("-")) v = Math.subtractExact(v, product());
            else return v;
        }
    }

    private long product() {
        long v = unary();
        while (true) {
            if (eat("*")) v = Math.multiplyExact(v, unary());
            else if (eat("/")) v = v / unary();
            else if (eat("%")) v = v % unary();
            else return v;
        }
    }

    private long unary() {
        if (eat("-")) return Math.negateExact(unary());
        if (eat("+")) return unary();
        if (eat("~")) return ~unary();
        if (eat("(")) {
            long v = or();
            if (!eat(")")) throw new NumberFormatException("')' missing");
            return v;
        }
        skip();
        int start = pos;
        while (pos < s.length() && Character.isLetterOrDigit(s.charAt(pos))) pos++;
        String n = s.substring(start, pos).toLowerCase(java.util.Locale.ROOT);
        if (n.isEmpty() || !Character.isDigit(n.charAt(0))) throw new NumberFormatException(n);
        if (n.startsWith("0x")) return Long.parseLong(n.substring(2), 16);
        if (n.startsWith("0b")) return Long.parseLong(n.substring(2), 2);
        if (n.length() > 1 && n.startsWith("0")) return Long.parseLong(n.substring(1), 8);
        return Long.parseLong(n);
    }
}
