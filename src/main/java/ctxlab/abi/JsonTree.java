package ctxlab.abi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A JSON text (RFC 8259, UTF-8) as Jackson's tree: the nodes ObjectMapper's {@code readTree} gives
 * (int, long or BigInteger nodes for integers by size, double nodes for the rest), with duplicate
 * keys and anything after the value refused.
 *
 * <p>Its own reader, not Jackson's parser: the parser's base class holds BigDecimal constants, and
 * initialising BigDecimal costs a cold JVM 15-20 ms of interpreted arithmetic (its tables of powers),
 * paid at every start of {@code ctxlab verify} for a 4 KB file (docs/performance.md, fifth pass),
 * and an ObjectMapper another ~55 ms. The tree nodes themselves need neither. Convention files and
 * test-vector files are read with it.
 */
public final class JsonTree {
    /** Deeper nesting is refused, as Jackson refuses it by default: no stack overflow from a hostile file. */
    public static final int MAX_DEPTH = 1000;
    /**
     * Longer number literals are refused, as Jackson refuses them by default: BigInteger's parse is
     * quadratic in the digits (2,000,000 of them took 89 s).
     */
    public static final int MAX_NUMBER_LENGTH = 1000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Text that is not JSON: why, and where (line and column from 1; the column counts bytes). */
    public static final class SyntaxException extends IOException {
        private final String reason;
        private final int line, column;

        SyntaxException(String reason, int line, int column) {
            super(reason + " (line " + line + ", column " + column + ")");
            this.reason = reason;
            this.line = line;
            this.column = column;
        }

        public String reason() {
            return reason;
        }

        public int line() {
            return line;
        }

        public int column() {
            return column;
        }
    }

    private final byte[] in;
    private int at;
    private int line = 1, lineStart;
    private int depth;

    private JsonTree(byte[] in) {
        this.in = in;
    }

    /** The JSON value of {@code bytes}, or null when there is none (only white space). */
    public static JsonNode read(byte[] bytes) throws SyntaxException {
        JsonTree r = new JsonTree(bytes);
        // A UTF-8 byte-order mark is allowed before the text, as Jackson allows it.
        if (bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF) r.at = 3;
        r.lineStart = r.at;
        r.skipSpace();
        if (r.at == bytes.length) return null;
        JsonNode v = r.value();
        r.skipSpace();
        if (r.at < bytes.length) throw r.error("more after the JSON value (only one is read): " + r.what());
        return v;
    }

    static ObjectNode emptyObject() {
        return NODES.objectNode();
    }

    private JsonNode value() throws SyntaxException {
        if (at == in.length) throw error("unexpected end of input: a value was expected");
        return switch (in[at]) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> NODES.textNode(string());
            case 't' -> literal("true", NODES.booleanNode(true));
            case 'f' -> literal("false", NODES.booleanNode(false));
            case 'n' -> literal("null", NODES.nullNode());
            default -> {
                if (in[at] == '-' || isDigit(in[at])) yield number();
                throw error("unexpected " + what() + ": a value was expected");
            }
        };
    }

    private ObjectNode object() throws SyntaxException {
        enter();
        ObjectNode o = NODES.objectNode();
        at++;
        skipSpace();
        if (peek() == '}') {
            at++;
            depth--;
            return o;
        }
        while (true) {
            if (peek() != '"') throw error("unexpected " + what() + ": a field name in double quotes was expected");
            int keyLine = line, keyColumn = column();
            String key = string();
            if (o.has(key)) throw new SyntaxException("Duplicate field '" + key + "'", keyLine, keyColumn);
            skipSpace();
            if (peek() != ':') throw error("unexpected " + what() + ": ':' was expected after field '" + key + "'");
            at++;
            skipSpace();
            o.set(key, value());
            skipSpace();
            int c = peek();
            at++;
            if (c == '}') break;
            if (c != ',') {
                at--;
                throw error("unexpected " + what() + ": ',' or '}' was expected");
            }
            skipSpace();
        }
        depth--;
        return o;
    }

    private ArrayNode array() throws SyntaxException {
        enter();
        ArrayNode a = NODES.arrayNode();
        at++;
        skipSpace();
        if (peek() == ']') {
            at++;
            depth--;
            return a;
        }
        while (true) {
            a.add(value());
            skipSpace();
            int c = peek();
            at++;
            if (c == ']') break;
            if (c != ',') {
                at--;
                throw error("unexpected " + what() + ": ',' or ']' was expected");
            }
            skipSpace();
        }
        depth--;
        return a;
    }

    private void enter() throws SyntaxException {
        if (++depth > MAX_DEPTH) throw error("nested deeper than " + MAX_DEPTH + " levels");
    }

    private JsonNode literal(String word, JsonNode node) throws SyntaxException {
        for (int k = 0; k < word.length(); k++) {
            if (at + k >= in.length || in[at + k] != word.charAt(k)) throw error("unexpected " + what() + ": a value was expected");
        }
        at += word.length();
        if (at < in.length && isWordByte(in[at])) throw error("unexpected " + what() + " after '" + word + "'");
        return node;
    }

    /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    private JsonNode number() throws SyntaxException {
        int start = at;
        if (in[at] == '-') at++;
        if (at == in.length || !isDigit(in[at])) throw error("a digit was expected after '-'");
        if (in[at] == '0' && at + 1 < in.length && isDigit(in[at + 1])) throw error("leading zeros are not allowed in a number");
        while (at < in.length && isDigit(in[at])) at++;
        boolean integral = true;
        if (at < in.length && in[at] == '.') {
            integral = false;
            at++;
            if (at == in.length || !isDigit(in[at])) throw error("a digit was expected after the decimal point");
            while (at < in.length && isDigit(in[at])) at++;
        }
        if (at < in.length && (in[at] == 'e' || in[at] == 'E')) {
            integral = false;
            at++;
            if (at < in.length && (in[at] == '+' || in[at] == '-')) at++;
            if (at == in.length || !isDigit(in[at])) throw error("a digit was expected in the exponent");
            while (at < in.length && isDigit(in[at])) at++;
        }
        if (at < in.length && isWordByte(in[at])) throw error("unexpected " + what() + " in a number");
        if (at - start > MAX_NUMBER_LENGTH) {
            throw new SyntaxException("a number of " + (at - start) + " characters (at most " + MAX_NUMBER_LENGTH + ")", line, start - lineStart + 1);
        }
        String text = new String(in, start, at - start, StandardCharsets.US_ASCII);
        if (!integral) return NODES.numberNode(Double.parseDouble(text));
        // ObjectMapper's choice: the smallest of int, long and BigInteger that holds the value.
        int digits = at - start - (in[start] == '-' ? 1 : 0);
        if (digits <= 18) {
            long v = Long.parseLong(text);
            return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
        }
        BigInteger big = new BigInteger(text);
        return big.bitLength() < 64 ? NODES.numberNode(big.longValue()) : NODES.numberNode(big);
    }

    /** A string literal at {@code at}, unescaped; {@code at} ends after its closing quote. */
    private String string() throws SyntaxException {
        int open = at++;
        StringBuilder s = null;
        int run = at;   // start of the bytes not yet copied into s
        while (true) {
            if (at == in.length) throw new SyntaxException("unterminated string", line, open - lineStart + 1);
            int b = in[at] & 0xFF;
            if (b == '"') break;
            if (b < 0x20) throw error("control character 0x" + Integer.toHexString(b) + " in a string: it must be escaped");
            if (b != '\\') {
                at++;
                continue;
            }
            if (s == null) s = new StringBuilder();
            s.append(utf8(run, at));
            if (++at == in.length) throw error("unterminated escape in a string");
            int e = in[at++];
            switch (e) {
                case '"' -> s.append('"');
                case '\\' -> s.append('\\');
                case '/' -> s.append('/');
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'u' -> {
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = at < in.length ? Character.digit(in[at], 16) : -1;
                        if (d < 0) throw error("\\u must be followed by four hexadecimal digits");
                        v = v * 16 + d;
                        at++;
                    }
                    s.append((char) v);
                }
                default -> {
                    at--;
                    throw error("unknown escape '\\" + (char) e + "' in a string");
                }
            }
            run = at;
        }
        String tail = utf8(run, at);
        at++;   // the closing quote
        return s == null ? tail : s.append(tail).toString();
    }

    /** Bytes [from, to) of a string as UTF-8, refusing malformed sequences. */
    private String utf8(int from, int to) throws SyntaxException {
        boolean ascii = true;
        for (int k = from; k < to && ascii; k++) ascii = in[k] >= 0;
        if (ascii) return new String(in, from, to - from, StandardCharsets.ISO_8859_1);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(in, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            throw new SyntaxException("a string is not valid UTF-8", line, from - lineStart + 1);
        }
    }

    private void skipSpace() {
        while (at < in.length) {
            byte b = in[at];
            if (b == '\n') {
                line++;
                lineStart = at + 1;
            } else if (b != ' ' && b != '\t' && b != '\r') {
                return;
            }
            at++;
        }
    }

    private int peek() {
        return at < in.length ? in[at] & 0xFF : -1;
    }

    private int column() {
        return at - lineStart + 1;
    }

    /** The byte at {@code at}, as a message shows it. */
    private String what() {
        if (at >= in.length) return "end of input";
        int b = in[at] & 0xFF;
        return b >= 0x21 && b < 0x7F ? "'" + (char) b + "'" : "byte 0x" + String.format("%02x", b);
    }

    private SyntaxException error(String reason) {
        return new SyntaxException(reason, line, column());
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Bytes that may not follow a literal or number directly (truex, 12a). */
    private static boolean isWordByte(byte b) {
        return isDigit(b) || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_' || b == '.' || b == '-' || b == '+' || b < 0;
    }
}
