package ctxlab.asm;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * CET instructions, which Keystone does not know, encoded as GNU as encodes them.
 *
 * <p>Each has the shape {@code [mandatory prefix] [REX] opcode ModRM ...} with a fixed or register
 * ModRM.reg field, exactly like a {@code mov} whose reg field names the same register. So Keystone
 * encodes that {@code mov} (a proxy: {@code 89 /r} or {@code 8b /r}) with the user's own operand,
 * which gives ModRM, SIB, displacement, REX and any segment or address-size prefix; the proxy's
 * opcode is then replaced and the mandatory prefix put where GNU as puts it (after segment and
 * address-size prefixes, before REX).
 */
final class Cet {
    private Cet() {}

    /** What the user must have written, and the proxy for it. */
    private enum Form { NONE, REG32, REG64, MEM, REG32_MEM, REG64_MEM }

    private record Spec(Form form, int prefix, byte[] opcode, int reg, byte[] fixed) {}

    private static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (byte) v[i];
        return r;
    }

    private static final Map<String, Spec> SPECS = Map.ofEntries(
            Map.entry("endbr64", new Spec(Form.NONE, 0, null, 0, b(0xf3, 0x0f, 0x1e, 0xfa))),
            Map.entry("endbr32", new Spec(Form.NONE, 0, null, 0, b(0xf3, 0x0f, 0x1e, 0xfb))),
            Map.entry("saveprevssp", new Spec(Form.NONE, 0, null, 0, b(0xf3, 0x0f, 0x01, 0xea))),
            Map.entry("setssbsy", new Spec(Form.NONE, 0, null, 0, b(0xf3, 0x0f, 0x01, 0xe8))),
            Map.entry("rdsspd", new Spec(Form.REG32, 0xf3, b(0x0f, 0x1e), 1, null)),
            Map.entry("rdsspq", new Spec(Form.REG64, 0xf3, b(0x0f, 0x1e), 1, null)),
            Map.entry("incsspd", new Spec(Form.REG32, 0xf3, b(0x0f, 0xae), 5, null)),
            Map.entry("incsspq", new Spec(Form.REG64, 0xf3, b(0x0f, 0xae), 5, null)),
            Map.entry("rstorssp", new Spec(Form.MEM, 0xf3, b(0x0f, 0x01), 5, null)),
            Map.entry("clrssbsy", new Spec(Form.MEM, 0xf3, b(0x0f, 0xae), 6, null)),
            Map.entry("wrssd", new Spec(Form.REG32_MEM, 0, b(0x0f, 0x38, 0xf6), -1, null)),
            Map.entry("wrssq", new Spec(Form.REG64_MEM, 0, b(0x0f, 0x38, 0xf6), -1, null)),
            Map.entry("wrussd", new Spec(Form.REG32_MEM, 0x66, b(0x0f, 0x38, 0xf5), -1, null)),
            Map.entry("wrussq", new Spec(Form.REG64_MEM, 0x66, b(0x0f, 0x38, 0xf5), -1, null)));

    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"};
    private static final Pattern REG32 = Pattern.compile("(e[a-d]x|e[sd]i|e[sb]p|r(?:[89]|1[0-5])d)");
    private static final Pattern REG64 = Pattern.compile("(r[a-d]x|r[sd]i|r[sb]p|r(?:[89]|1[0-5]))");
    private static final Pattern SIZE_PTR = Pattern.compile("(?i)\\b(byte|word|dword|qword|tbyte|xmmword)\\s+ptr\\b");

    static boolean handles(String mnemonic) {
        return SPECS.containsKey(mnemonic);
    }

    /**
     * The instruction as {@code .byte} text, or an IllegalArgumentException saying why not.
     *
     * @param operands as written, in the file's syntax (AT&amp;T: source first; Intel: destination first)
     * @param assemble Keystone on an AT&amp;T snippet (the proxy), returning its bytes
     */
    static String encode(String mnemonic, List<String> operands, boolean intel, Function<String, byte[]> assemble) {
        Spec s = SPECS.get(mnemonic);
        if (s.form() == Form.NONE) {
            if (!operands.isEmpty()) throw new IllegalArgumentException(mnemonic + " takes no operand");
            return bytes(s.fixed());
        }
        int want = s.form() == Form.REG32_MEM || s.form() == Form.REG64_MEM ? 2 : 1;
        if (operands.size() != want) {
            throw new IllegalArgumentException(mnemonic + " takes " + want + " operand" + (want == 1 ? "" : "s"));
        }
        String proxy;
        byte proxyOpcode;
        switch (s.form()) {
            case REG32, REG64 -> {
                String r = register(operands.get(0), s.form() == Form.REG32, intel, mnemonic);
                String fixed = (s.form() == Form.REG32 ? R32 : R64)[s.reg()];
                proxy = (s.form() == Form.REG32 ? "movl %" : "movq %") + fixed + ", %" + r;
                proxyOpcode = (byte) 0x89;
            }
            case MEM -> {
                String m = memory(operands.get(0), intel, mnemonic);
                proxy = intel ? ".intel_syntax noprefix\nmov " + R32[s.reg()] + ", dword ptr " + m + "\n.att_syntax"
                        : "movl " + m + ", %" + R32[s.reg()];
                proxyOpcode = (byte) 0x8b;
            }
            default -> {
                boolean q = s.form() == Form.REG64_MEM;
                String reg = intel ? operands.get(1) : operands.get(0), mem = intel ? operands.get(0) : operands.get(1);
                String r = register(reg, !q, intel, mnemonic);
                String m = memory(mem, intel, mnemonic);
                proxy = intel ? ".intel_syntax noprefix\nmov " + (q ? "qword" : "dword") + " ptr " + m + ", " + r + "\n.att_syntax"
                        : (q ? "movq %" : "movl %") + r + ", " + m;
                proxyOpcode = (byte) 0x89;
            }
        }
        byte[] p = assemble.apply(proxy);
        int i = 0;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (i < p.length && isLegacyPrefix(p[i] & 0xff)) out.write(p[i++]);
        if (s.prefix() != 0) out.write(s.prefix());
        if (i < p.length && (p[i] & 0xf0) == 0x40) out.write(p[i++]);
        if (i >= p.length || p[i] != proxyOpcode) {
            throw new IllegalArgumentException("cannot encode this operand form of " + mnemonic);
        }
        out.write(s.opcode(), 0, s.opcode().length);
        out.write(p, i + 1, p.length - i - 1);
        return bytes(out.toByteArray());
    }

    private static boolean isLegacyPrefix(int b) {
        return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65 || b == 0x66 || b == 0x67;
    }

    private static String register(String op, boolean dword, boolean intel, String mnemonic) {
        String o = op.strip().toLowerCase(Locale.ROOT);
        if (!intel) {
            if (!o.startsWith("%")) throw new IllegalArgumentException(mnemonic + " needs a register operand here, not '" + op.strip() + "'");
            o = o.substring(1);
        }
        if (!(dword ? REG32 : REG64).matcher(o).matches()) {
            throw new IllegalArgumentException(mnemonic + " needs a " + (dword ? "32" : "64") + "-bit general register, not '" + op.strip() + "'");
        }
        return o;
    }

    /** A memory operand made of registers and numbers only: no symbol, no RIP (the proxy is assembled alone). */
    private static String memory(String op, boolean intel, String mnemonic) {
        String o = op.strip();
        if (intel) o = SIZE_PTR.matcher(o).replaceAll("").strip();
        boolean isMemory = intel ? o.contains("[") : o.contains("(");
        if (!isMemory) throw new IllegalArgumentException(mnemonic + " needs a memory operand, not '" + op.strip() + "'");
        String stripped = o.replaceAll(intel ? "(?i)\\b(r[a-z0-9]+|e[a-z]+|[cdefgs]s)\\b" : "%[a-z0-9]+", "")
                .replaceAll("(?i)0x[0-9a-f]+|\\d+", "");
        if (o.toLowerCase(Locale.ROOT).contains("rip") || stripped.matches(".*[A-Za-z_.$].*")) {
            throw new IllegalArgumentException(mnemonic + "'s memory operand may hold registers and numbers only"
                    + " (ctxlab encodes CET instructions itself, outside the code's layout)");
        }
        return o;
    }

    private static String bytes(byte[] b) {
        StringBuilder sb = new StringBuilder(".byte ");
        for (int i = 0; i < b.length; i++) sb.append(i == 0 ? "" : ", ").append(String.format("0x%02x", b[i] & 0xff));
        return sb.toString();
    }
}
