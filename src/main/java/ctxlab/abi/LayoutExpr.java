package ctxlab.abi;

import java.util.Map;
import java.util.Set;

/**
 * An integer expression of a declarative fresh-context layout: {@code ((top - 16) & ~15) - 8}.
 * Numbers (decimal or 0x-hex), names, unary {@code - ~}, binary {@code + - & |} with C's
 * precedence ({@code + -} above {@code &} above {@code |}), parentheses; 64-bit wrapping.
 * Parsed once when the convention is loaded, so a typo is reported with the file, not mid-run.
 */
public final class LayoutExpr {
    private final String text;
    private final Node root;

    private sealed interface Node permits Num, Name, Unary, Binary {}
    private record Num(long value) implements Node {}
    private record Name(String name) implements Node {}
    private record Unary(char op, Node operand) implements Node {}
    private record Binary(char op, Node left, Node right) implements Node {}

    private LayoutExpr(String text, Node root) {
        this.text = text;
        this.root = root;
    }

    /** @throws IllegalArgumentException naming the position and what was expected */
    public static LayoutExpr parse(String text, Set<String> names) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty expression");
        if (text.length() > 200) throw new IllegalArgumentException("expression longer than 200 characters");
        Parser p = new Parser(text, names);
        Node n = p.or();
        p.skip();
        if (p.i < text.length()) throw new IllegalArgumentException("unexpected '" + text.charAt(p.i) + "' at column " + (p.i + 1) + " of '" + text + "'");
        return new LayoutExpr(text, n);
    }

    public long eval(Map<String, Long> env) {
        return eval(root, env);
    }

    private static long eval(Node n, Map<String, Long> env) {
        return switch (n) {
            case Num x -> x.value;
            case Name x -> {
                Long v = env.get(x.name);
                if (v == null) throw new IllegalStateException("no value for '" + x.name + "' here");
                yield v;
            }
            case Unary u -> u.op == '-' ? -eval(u.operand, env) : ~eval(u.operand, env);
            case Binary b -> {
                long l = eval(b.left, env), r = eval(b.right, env);
                yield switch (b.op) {
                    case '+' -> l + r;
                    case '-' -> l - r;
                    case '&' -> l & r;
                    default -> l | r;
                };
            }
        };
    }

    @Override
    public String toString() {
        return text;
    }

    private static final class Parser {
        final String s;
        final Set<String> names;
        int i;
        int depth;

        Parser(String s, Set<String> names) {
            this.s = s;
            this.names = names;
        }

        void skip() {
            while (i < s.length() && s.charAt(i) == ' ') i++;
        }

        boolean eat(char c) {
            skip();
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        Node or() {
            Node n = and();
            while (eat('|')) n = new Binary('|', n, and());
            return n;
        }

        Node and() {
            Node n = sum();
            while (eat('&')) n = new Binary('&', n, sum());
            return n;
        }

        Node sum() {
            Node n = unary();
            while (true) {
                if (eat('+')) n = new Binary('+', n, unary());
                else if (eat('-')) n = new Binary('-', n, unary());
                else return n;
            }
        }

        Node unary() {
            if (++depth > 50) throw new IllegalArgumentException("expression nested too deeply: '" + s + "'");
            try {
                if (eat('-')) return new Unary('-', unary());
                if (eat('~')) return new Unary('~', unary());
                if (eat('(')) {
                    Node n = or();
                    if (!eat(')')) throw new IllegalArgumentException("missing ')' at column " + (i + 1) + " of '" + s + "'");
                    return n;
                }
                skip();
                int start = i;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) i++;
                String tok = s.substring(start, i);
                if (tok.isEmpty()) {
                    throw new IllegalArgumentException("expected a number or a name at column " + (start + 1) + " of '" + s + "'");
                }
                if (Character.isDigit(tok.charAt(0))) {
                    try {
                        return new Num(tok.startsWith("0x") || tok.startsWith("0X")
                                ? Long.parseUnsignedLong(tok.substring(2), 16) : Long.parseLong(tok));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("bad number '" + tok + "' in '" + s + "'");
                    }
                }
                if (!names.contains(tok)) {
                    throw new IllegalArgumentException("unknown name '" + tok + "' in '" + s + "' (known: " + String.join(", ", new java.util.TreeSet<>(names)) + ")");
                }
                return new Name(tok);
            } finally {
                depth--;
            }
        }
    }
}
