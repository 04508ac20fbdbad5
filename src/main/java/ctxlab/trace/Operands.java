package ctxlab.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An instruction's mnemonic and operands, read from the front end's statement text in AT&T
 * syntax ({@code movq %rbx, 8(%rdi)}, {@code cvtsd2si 0x200(%r12,%r13,8), %rax}). The explanations
 * name what an instruction's operands are (an immediate, a register, a memory operand) instead of
 * guessing from values. A disassembler (Capstone) can produce the same record from the bytes.
 *
 * @param operands in AT&T order: sources first, destination last
 */
public record Operands(String mnemonic, List<Operand> operands) {
    public Operands {
        operands = List.copyOf(operands);
    }

    public sealed interface Operand permits Imm, Register, Memory {}

    /** {@code $0x10}, {@code $-1}; {@code symbol} is set for {@code $name}. */
    public record Imm(long value, String symbol) implements Operand {}

    /** {@code %rax}; {@code indirect} for {@code *%rax} (a jump or call target). */
    public record Register(String name, boolean indirect) implements Operand {}

    /**
     * {@code seg:disp(base,index,scale)}; absent parts are null (base, index, segment, symbol) or
     * 0 (displacement) / 1 (scale).
     */
    public record Memory(String segment, long displacement, String symbol, String base, String index, int scale,
                         boolean indirect) implements Operand {}

    /** The operand written by the instruction in AT&T order (the last), if any. */
    public Optional<Operand> destination() {
        return operands.isEmpty() ? Optional.empty() : Optional.of(operands.getLast());
    }

    public Optional<Operand> source() {
        return operands.size() < 2 ? Optional.empty() : Optional.of(operands.getFirst());
    }

    /**
     * Parses one statement; empty when the text is not an instruction this parser reads (a
     * directive, a prefix it does not know, a malformed operand).
     */
    public static Optional<Operands> parse(String statement) {
        if (statement == null) return Optional.empty();
        String s = statement.strip();
        int comment = commentStart(s);
        if (comment >= 0) s = s.substring(0, comment).strip();
        // labels in front of the statement ("2:", "loop:", ".Lnext:")
        java.util.regex.Matcher label = java.util.regex.Pattern.compile("^[A-Za-z0-9_.$]+:\\s*").matcher(s);
        while (label.find() && !s.startsWith("%")) {
            s = s.substring(label.end());
            label = java.util.regex.Pattern.compile("^[A-Za-z0-9_.$]+:\\s*").matcher(s);
        }
        while (s.matches("(?i)(lock|rep|repe|repz|repne|repnz|notrack|bnd)\\s.*")) s = s.substring(s.indexOf(' ') + 1).strip();
        if (s.isEmpty() || s.startsWith(".") || s.endsWith(":")) return Optional.empty();
        int space = 0;
        while (space < s.length() && !Character.isWhitespace(s.charAt(space))) space++;
        String mnemonic = s.substring(0, space).toLowerCase(Locale.ROOT);
        String rest = s.substring(space).strip();
        List<Operand> ops = new ArrayList<>();
        if (!rest.isEmpty()) {
            for (String part : split(rest)) {
                Optional<Operand> o = operand(part.strip());
                if (o.isEmpty()) return Optional.empty();
                ops.add(o.get());
            }
        }
        return Optional.of(new Operands(mnemonic, ops));
    }

    private static int commentStart(String s) {
        int hash = s.indexOf('#');
        int slashes = s.indexOf("//");
        if (hash < 0) return slashes;
        return slashes < 0 ? hash : Math.min(hash, slashes);
    }

    /** Splits at commas outside parentheses. */
    static List<String> split(String text) {
        List<String> parts = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (c == ',' && depth == 0) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    static Optional<Operand> operand(String t) {
        if (t.isEmpty()) return Optional.empty();
        boolean indirect = t.startsWith("*");
        if (indirect) t = t.substring(1).strip();
        if (t.startsWith("$")) {
            String v = t.substring(1).strip();
            Long n = number(v);
            return Optional.of(n != null ? new Imm(n, null) : new Imm(0, v));
        }
        if (t.startsWith("%") && !t.contains("(") && !t.contains(":")) {
            return Optional.of(new Register(register(t), indirect));
        }
        String segment = null;
        int colon = t.indexOf(':');
        if (colon > 0 && t.startsWith("%")) {
            segment = register(t.substring(0, colon));
            t = t.substring(colon + 1).strip();
        }
        String disp = t, inner = null;
        int open = t.indexOf('(');
        if (open >= 0) {
            if (!t.endsWith(")")) return Optional.empty();
            disp = t.substring(0, open).strip();
            inner = t.substring(open + 1, t.length() - 1);
        }
        long displacement = 0;
        String symbol = null;
        if (!disp.isEmpty()) {
            Long n = number(disp);
            if (n != null) displacement = n;
            else symbol = disp;
        }
        String base = null, index = null;
        int scale = 1;
        if (inner != null) {
            String[] p = inner.split(",", -1);
            if (p.length > 3) return Optional.empty();
            if (!p[0].isBlank()) base = register(p[0]);
            if (p.length > 1 && !p[1].isBlank()) index = register(p[1]);
            if (p.length > 2 && !p[2].isBlank()) {
                Long sc = number(p[2].strip());
                if (sc == null || (sc != 1 && sc != 2 && sc != 4 && sc != 8)) return Optional.empty();
                scale = sc.intValue();
            }
            if ((base != null && base.isEmpty()) || (index != null && index.isEmpty())) return Optional.empty();
        }
        if (inner == null && symbol == null && segment == null && disp.isEmpty()) return Optional.empty();
        return Optional.of(new Memory(segment, displacement, symbol, base, index, scale, indirect));
    }

    /** "%RAX" → "rax"; "" when it is not a register name. */
    private static String register(String t) {
        t = t.strip();
        if (!t.startsWith("%") || t.length() < 3) return "";
        return t.substring(1).toLowerCase(Locale.ROOT);
    }

    /** Decimal, 0x hex, 0b binary, leading minus; null when not a plain number (a symbol, an expression). */
    static Long number(String v) {
        v = v.strip();
        boolean neg = v.startsWith("-");
        if (neg || v.startsWith("+")) v = v.substring(1).strip();
        try {
            long n;
            String low = v.toLowerCase(Locale.ROOT);
            if (low.startsWith("0x")) n = Long.parseUnsignedLong(low.substring(2), 16);
            else if (low.startsWith("0b")) n = Long.parseUnsignedLong(low.substring(2), 2);
            else if (low.matches("0[0-7]+")) n = Long.parseUnsignedLong(low.substring(1), 8);
            else n = Long.parseUnsignedLong(low);
            return neg ? -n : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The operand as AT&T text again, normalised: "$0x0", "%rbx", "0x40(%rdi)". */
    static String text(Operand o) {
        return switch (o) {
            case Imm i -> "$" + (i.symbol() != null ? i.symbol() : (i.value() < 0 ? "-0x" + Long.toHexString(-i.value()) : "0x" + Long.toHexString(i.value())));
            case Register r -> (r.indirect() ? "*%" : "%") + r.name();
            case Memory m -> (m.indirect() ? "*" : "") + (m.segment() == null ? "" : "%" + m.segment() + ":")
                    + (m.symbol() != null ? m.symbol() : m.displacement() == 0 && m.base() != null ? ""
                    : (m.displacement() < 0 ? "-0x" + Long.toHexString(-m.displacement()) : "0x" + Long.toHexString(m.displacement())))
                    + (m.base() == null && m.index() == null ? "" : "(" + (m.base() == null ? "" : "%" + m.base())
                    + (m.index() == null ? "" : ",%" + m.index() + "," + m.scale()) + ")");
        };
    }
}
