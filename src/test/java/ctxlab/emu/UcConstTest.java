package ctxlab.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every constant of {@link UcConst} and every {@link Reg} id against the installed Unicorn
 * headers (libunicorn-dev). Skipped, with a message, only when the headers are absent.
 */
class UcConstTest {

    static final Path INCLUDE = Path.of("/usr/include/unicorn");
    static final Path UNICORN_H = INCLUDE.resolve("unicorn.h");
    static final Path X86_H = INCLUDE.resolve("x86.h");

    /** Constants computed in Java that have no single counterpart in the headers (checked separately). */
    static final List<String> COMPUTED = List.of("UC_CTL_TB_FLUSH_WORD", "UC_CTL_TB_REMOVE_CACHE_WORD");

    static Header header;

    @BeforeAll
    static void parse() throws IOException {
        assumeTrue(Files.isRegularFile(UNICORN_H) && Files.isRegularFile(X86_H),
                "Unicorn headers not found in " + INCLUDE + ": install libunicorn-dev to check UcConst");
        header = new Header();
        header.parse(Files.readString(UNICORN_H));
        header.parse(Files.readString(X86_H));
    }

    @Test
    void everyDeclaredConstantMatchesTheHeaders() throws IllegalAccessException {
        int checked = 0;
        List<String> mismatches = new ArrayList<>();
        for (Field f : UcConst.class.getDeclaredFields()) {
            int m = f.getModifiers();
            if (!Modifier.isStatic(m) || !Modifier.isPublic(m) || f.getType() != int.class) continue;
            if (COMPUTED.contains(f.getName())) continue;
            Long expected = header.value(f.getName());
            if (expected == null) {
                mismatches.add(f.getName() + " not found in the headers");
                continue;
            }
            int actual = f.getInt(null);
            if (actual != expected) mismatches.add(f.getName() + " = " + actual + ", header says " + expected);
            checked++;
        }
        assertTrue(mismatches.isEmpty(), () -> String.join("\n", mismatches));
        assertTrue(checked > 50, "checked only " + checked + " constants");
    }

    @Test
    void tbFlushControlWordFollowsTheUcCtlMacro() {
        long type = header.value("UC_CTL_TB_FLUSH");
        long write = header.value("UC_CTL_IO_WRITE");
        assertEquals(type | (0L << 26) | (write << 30), UcConst.UC_CTL_TB_FLUSH_WORD);
        assertEquals(0x4000000A, UcConst.UC_CTL_TB_FLUSH_WORD);
        long remove = header.value("UC_CTL_TB_REMOVE_CACHE");
        assertEquals(remove | (2L << 26) | (write << 30), UcConst.UC_CTL_TB_REMOVE_CACHE_WORD);
    }

    @Test
    void everyRegIdMatchesX86H() {
        for (Reg r : Reg.values()) {
            Long expected = header.value("UC_X86_REG_" + r.name());
            if (expected == null) fail("UC_X86_REG_" + r.name() + " not in x86.h");
            assertEquals(expected.intValue(), r.ucId(), r.name());
        }
    }

    @Test
    void knownValues() {
        // Figures measured independently (compiled C against these headers).
        assertEquals(35, header.value("UC_X86_REG_RAX"));
        assertEquals(41, header.value("UC_X86_REG_RIP"));
        assertEquals(246, header.value("UC_X86_REG_FPCW"));
        assertEquals(249, header.value("UC_X86_REG_MXCSR"));
        assertEquals(1008, header.value("UC_HOOK_MEM_INVALID"));
    }

    /** Minimal C header reader: enumerators (with implicit increments) and object-like #defines. */
    static final class Header {
        final Map<String, Long> values = new HashMap<>();
        final Map<String, String> defines = new HashMap<>();

        void parse(String text) {
            text = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
            text = text.replace("\\\n", " ");
            Matcher d = Pattern.compile("(?m)^\\s*#\\s*define\\s+(\\w+)(?!\\()[ \\t]+(.+)$").matcher(text);
            while (d.find()) defines.put(d.group(1), d.group(2).trim());
            Matcher e = Pattern.compile("enum\\s*\\w*\\s*\\{([^}]*)}").matcher(text);
            while (e.find()) {
                long next = 0;
                for (String item : e.group(1).split(",")) {
                    item = item.trim();
                    if (item.isEmpty()) continue;
                    int eq = item.indexOf('=');
                    String name = (eq < 0 ? item : item.substring(0, eq)).trim();
                    long v = eq < 0 ? next : eval(item.substring(eq + 1));
                    values.put(name, v);
                    next = v + 1;
                }
            }
        }

        Long value(String name) {
            Long v = values.get(name);
            if (v != null) return v;
            String def = defines.get(name);
            if (def == null) return null;
            try {
                v = eval(def);
            } catch (RuntimeException ex) {
                return null;
            }
            values.put(name, v);
            return v;
        }

        long eval(String expr) {
            return new Expr(expr).parse();
        }

        /** Expressions with | + - << ( ) integers and identifiers. */
        final class Expr {
            final List<String> tokens = new ArrayList<>();
            int pos;

            Expr(String s) {
                Matcher m = Pattern.compile("0[xX][0-9a-fA-F]+|\\d+|\\w+|<<|[|+\\-()]").matcher(s);
                while (m.find()) tokens.add(m.group());
            }

            long parse() {
                long v = or();
                if (pos != tokens.size()) throw new IllegalArgumentException("trailing tokens in " + tokens);
                return v;
            }

            long or() {
                long v = shift();
                while (peek("|")) { pos++; v |= shift(); }
                return v;
            }

            long shift() {
                long v = sum();
                while (peek("<<")) { pos++; v <<= sum(); }
                return v;
            }

            long sum() {
                long v = atom();
                while (peek("+") || peek("-")) {
                    boolean plus = tokens.get(pos++).equals("+");
                    long w = atom();
                    v = plus ? v + w : v - w;
                }
                return v;
            }

            long atom() {
                String t = tokens.get(pos++);
                if (t.equals("(")) {
                    long v = or();
                    if (!peek(")")) throw new IllegalArgumentException("missing ) in " + tokens);
                    pos++;
                    return v;
                }
                if (t.equals("-")) return -atom();
                if (t.startsWith("0x") || t.startsWith("0X")) return Long.parseLong(t.substring(2), 16);
                if (Character.isDigit(t.charAt(0))) return Long.parseLong(t);
                Long v = value(t);
                if (v == null) throw new IllegalArgumentException("unknown identifier " + t);
                return v;
            }

            boolean peek(String t) {
                return pos < tokens.size() && tokens.get(pos).equals(t);
            }
        }
    }
}
