package ctxlab.asm;

import ctxlab.disasm.Disassembler;
import ctxlab.disasm.Instruction;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keystone checked by Capstone: every instruction statement's bytes are decoded and compared with
 * the statement as written (mnemonic modulo AT&amp;T size suffix and aliases, registers, memory
 * operands with segment/base/index/scale/displacement, immediates, branch targets to known labels).
 * A disagreement is an {@link AsmException} naming {@code file:line}: a guard against silent
 * mis-encodings, such as Keystone encoding an absolute {@code %fs:0x28} RIP-relative.
 *
 * <p>What cannot be compared is skipped, never guessed: expressions that are not a number or
 * {@code label[+-N]}, numeric local labels, references to undefined symbols (relocations), instructions
 * Capstone 4 predates (CET shadow-stack ones), lone prefixes. Intel-syntax statements get the checks
 * that do not depend on reading Intel operands exactly: registers named, and no RIP-relative
 * encoding of an operand without a base register.
 */
public final class CrossCheck {
    private CrossCheck() {}

    /** One statement whose bytes Capstone reads differently. */
    public record Disagreement(Assembly.Line line, String decoded, String reason) {
        public String message() {
            return "Keystone's bytes " + decoded + " disagree with the statement: " + reason;
        }
    }

    /** Throws an {@link AsmException} naming the first disagreeing statement's {@code file:line}. */
    public static void check(Assembly a) {
        List<Disagreement> d = run(a);
        if (!d.isEmpty()) {
            Disagreement first = d.get(0);
            throw new AsmException(first.line().where(), first.line().text(), first.message()
                    + (d.size() > 1 ? " (and " + (d.size() - 1) + " more)" : ""));
        }
    }

    /** Every disagreement, in address order. */
    public static List<Disagreement> run(Assembly a) {
        List<Disagreement> out = new ArrayList<>();
        byte[] code = a.code();
        List<Assembly.Line> lines = a.lines();
        try (Disassembler d = Disassembler.open()) {
            // One Capstone call per run of adjacent instruction statements (a downcall per statement
            // costs more than the decoding); a statement whose bytes the run did not split on its
            // boundaries is decoded alone.
            int i = 0;
            while (i < lines.size()) {
                if (!lines.get(i).instruction()) { i++; continue; }
                int j = i + 1;
                while (j < lines.size() && lines.get(j).instruction()
                        && lines.get(j).offset() == lines.get(j - 1).offset() + lines.get(j - 1).length()) j++;
                long from = lines.get(i).offset();
                long to = lines.get(j - 1).offset() + lines.get(j - 1).length();
                List<Instruction> run = d.disassemble(code, (int) from, (int) (to - from), a.base() + from, 0);
                int k = 0;
                for (int n = i; n < j; n++) {
                    Assembly.Line l = lines.get(n);
                    long start = a.base() + l.offset(), end = start + l.length();
                    while (k < run.size() && run.get(k).address() < start) k++;
                    List<Instruction> mine = new ArrayList<>();
                    int m = k;
                    while (m < run.size() && run.get(m).address() + run.get(m).size() <= end) mine.add(run.get(m++));
                    if (mine.isEmpty() || mine.get(0).address() != start
                            || mine.get(mine.size() - 1).address() + mine.get(mine.size() - 1).size() != end) {
                        mine = d.disassemble(code, (int) l.offset(), l.length(), start, 0);
                    } else {
                        k = m;
                    }
                    String reason = compare(a, l, mine);
                    if (reason != null) out.add(new Disagreement(l, describe(code, l, mine), reason));
                }
                i = j;
            }
        }
        return out;
    }

    private static String describe(byte[] code, Assembly.Line l, List<Instruction> insns) {
        String hex = HexFormat.ofDelimiter(" ").formatHex(code, (int) l.offset(), (int) (l.offset() + l.length()));
        if (insns.isEmpty()) return "(" + hex + ")";
        return "(" + hex + " = " + String.join("; ", insns.stream().map(i -> i.mnemonic()
                + (i.opStr().isEmpty() ? "" : " " + i.opStr())).toList()) + ")";
    }

    // ---- the comparison --------------------------------------------------------------------

    private static final Pattern WS = Pattern.compile("\\s+");
    private static final Pattern WS_COMMA = Pattern.compile("[\\s,]+");
    private static final Set<String> PREFIXES = Set.of("lock", "rep", "repe", "repz", "repne", "repnz",
            "notrack", "bnd", "data16", "data32", "addr32", "addr16", "rex", "rex64", "rex.w", "xacquire",
            "xrelease", "cs", "ds", "es", "ss", "fs", "gs");
    /** Instructions libcapstone 4.0 does not know (CET shadow stack) or decodes as something else. */
    private static final Set<String> UNKNOWN_TO_CAPSTONE4 = Set.of("rdsspd", "rdsspq", "incsspd", "incsspq",
            "rstorssp", "saveprevssp", "wrssd", "wrssq", "wrussd", "wrussq", "setssbsy", "clrssbsy");
    /** Pairs of spellings of one instruction (AT&amp;T, Intel, Capstone's choice). */
    private static final List<Set<String>> ALIASES = List.of(
            Set.of("cqo", "cqto"), Set.of("cdqe", "cltq"), Set.of("cdq", "cltd"), Set.of("cwde", "cwtl"),
            Set.of("cbw", "cbtw"), Set.of("cwd", "cwtd"), Set.of("movd", "movq"), Set.of("sal", "shl"),
            Set.of("xlat", "xlatb"), Set.of("wait", "fwait"), Set.of("movabs", "mov"), Set.of("ud2", "ud2a"),
            Set.of("retf", "lret"), Set.of("iret", "iretq"), Set.of("movsx", "movs"), Set.of("movzx", "movz"),
            // the waiting FPU forms are "wait" + the no-wait form (the "wait" is dropped before comparing)
            Set.of("fstcw", "fnstcw"), Set.of("fstsw", "fnstsw"), Set.of("fsave", "fnsave"),
            Set.of("fstenv", "fnstenv"), Set.of("finit", "fninit"), Set.of("fclex", "fnclex"));
    private static final Map<String, String> CONDITIONS = Map.ofEntries(
            Map.entry("z", "e"), Map.entry("nz", "ne"), Map.entry("c", "b"), Map.entry("nae", "b"),
            Map.entry("nc", "ae"), Map.entry("nb", "ae"), Map.entry("na", "be"), Map.entry("nbe", "a"),
            Map.entry("nge", "l"), Map.entry("nl", "ge"), Map.entry("ng", "le"), Map.entry("nle", "g"),
            Map.entry("pe", "p"), Map.entry("po", "np"));
    private static final Set<String> CONDITION_NAMES = Set.of("o", "no", "b", "ae", "e", "ne", "be", "a", "s",
            "ns", "p", "np", "l", "ge", "le", "g", "z", "nz", "c", "nae", "nc", "nb", "na", "nbe", "nge", "nl", "ng",
            "nle", "pe", "po");
    private static final Pattern NUMBER = Pattern.compile("[-+]?\\s*(0[xX][0-9a-fA-F]+|0[bB][01]+|\\d+)");
    private static final Pattern SYMBOL_PLUS = Pattern.compile("([A-Za-z_.$][\\w.$@]*)\\s*(?:([-+])\\s*(0[xX][0-9a-fA-F]+|\\d+))?");
    private static final Pattern MEMORY = Pattern.compile(
            "(?:%([cdefgs]s)\\s*:\\s*)?([^(]*?)\\s*(?:\\(\\s*(%\\w+)?\\s*(?:,\\s*(%\\w+)?\\s*(?:,\\s*(\\d+))?)?\\s*\\))?");

    /** A source operand as written (AT&amp;T). */
    private sealed interface Src permits SReg, SImm, SMem, STarget {}
    private record SReg(String name) implements Src {}
    private record SImm(String expr) implements Src {}
    private record SMem(String segment, String disp, String base, String index, int scale) implements Src {}
    private record STarget(String expr) implements Src {}

    /** Null when the statement and the decoded bytes agree, else why not. */
    static String compare(Assembly a, Assembly.Line l, List<Instruction> insns) {
        String text = l.text().strip();
        Matcher m;
        while (text.indexOf(':') >= 0 && (m = Labels.LABEL.matcher(text)).find()) text = text.substring(m.end()).strip();
        String[] words = WS.split(text, 2);
        String mnemonic = words[0].toLowerCase(Locale.ROOT);
        String operands = words.length > 1 ? words[1].strip() : "";
        // prefixes written before the mnemonic ("lock cmpxchg", "rep movsb")
        while (PREFIXES.contains(mnemonic) && !operands.isEmpty() && !operands.startsWith("%") && !operands.startsWith("$")) {
            String[] w = WS.split(operands, 2);
            mnemonic = w[0].toLowerCase(Locale.ROOT);
            operands = w.length > 1 ? w[1].strip() : "";
        }
        if (PREFIXES.contains(mnemonic) && operands.isEmpty()) return null;   // a lone prefix: its instruction follows
        if (UNKNOWN_TO_CAPSTONE4.contains(mnemonic)) return null;

        int covered = insns.stream().mapToInt(Instruction::size).sum();
        if (covered != l.length()) {
            return insns.isEmpty() ? "Capstone cannot decode them"
                    : "Capstone decodes only " + covered + " of the " + l.length() + " bytes";
        }
        // "fstcw" and friends are "wait" + "fnstcw": compare the last one
        int first = 0;
        while (first < insns.size() - 1 && normalise(insns.get(first).mnemonic()).equals("wait")) first++;
        if (insns.size() - first != 1) return "one statement, " + insns.size() + " instructions";
        Instruction insn = insns.get(first);

        boolean intel = looksIntel(operands);
        if (!intel && !sameMnemonic(mnemonic, insn.mnemonic())) {
            return "mnemonic " + insn.mnemonic() + ", the statement says " + mnemonic;
        }
        if (operands.isEmpty()) return null;
        Relocation reloc = null;
        for (Relocation r : a.relocations()) if (r.instruction() == l.offset()) reloc = r;
        if (intel) return compareIntel(operands, insn);

        List<Src> src = new ArrayList<>();
        for (String o : Operands.split(operands)) {
            Src s = parse(o.strip(), isBranch(mnemonic));
            if (s == null) return null;   // something this check does not read: no opinion
            src.add(s);
        }
        List<Instruction.Operand> cs = insn.operands();
        if (src.size() == cs.size()) {
            for (int k = 0; k < src.size(); k++) {
                String why = operand(a, insn, src.get(k), cs.get(k), reloc);
                if (why != null) return "operand " + (k + 1) + ": " + why;
            }
            return null;
        }
        // Implicit operands differ (imul's two-operand form, string instructions, shifts by 1):
        // every register named must be there, and every memory operand must match one decoded.
        for (Src s : src) {
            if (s instanceof SReg r && !mentions(cs, r.name())) return "register %" + r.name() + " is not in the decoded operands";
            if (s instanceof SMem sm) {
                String why = "memory operand not found";
                for (Instruction.Operand o : cs) {
                    if (o instanceof Instruction.Mem) {
                        why = operand(a, insn, s, o, reloc);
                        if (why == null) break;
                    }
                }
                if (why != null) return why;
            }
        }
        return null;
    }

    private static String operand(Assembly a, Instruction insn, Src s, Instruction.Operand o, Relocation reloc) {
        switch (s) {
            case SReg r -> {
                if (o instanceof Instruction.Reg cr && regEquals(r.name(), cr.name())) return null;
                return "%" + r.name() + " written, " + show(o) + " decoded";
            }
            case SImm i -> {
                if (!(o instanceof Instruction.Imm ci)) return "$" + i.expr() + " written, " + show(o) + " decoded";
                Long v = number(i.expr());
                if (v == null) return null;
                long mask = ci.size() <= 0 || ci.size() >= 8 ? -1L : (1L << (8 * ci.size())) - 1;
                return (v & mask) == (ci.value() & mask) ? null
                        : "immediate $" + i.expr() + " written, $" + hex(ci.value()) + " decoded";
            }
            case STarget t -> {
                if (!(o instanceof Instruction.Imm ci)) return t.expr() + " written, " + show(o) + " decoded";
                if (reloc != null) return null;   // an undefined symbol: the field is a placeholder
                Long target = resolve(a, t.expr());
                if (target == null) return null;
                return target == ci.value() ? null
                        : "target " + t.expr() + " is " + hex(target) + ", the bytes go to " + hex(ci.value());
            }
            case SMem m -> {
                if (!(o instanceof Instruction.Mem cm)) return "memory operand written, " + show(o) + " decoded";
                if (m.base() == null && cm.base() != null) {
                    return "an absolute operand without a base register is encoded relative to %" + cm.base()
                            + " (" + show(o) + ")";
                }
                if (!eq(m.base(), cm.base())) return "base " + reg(m.base()) + " written, " + reg(cm.base()) + " decoded";
                if (!eq(m.index(), cm.index())) return "index " + reg(m.index()) + " written, " + reg(cm.index()) + " decoded";
                if (m.index() != null && m.scale() != cm.scale()) return "scale " + m.scale() + " written, " + cm.scale() + " decoded";
                if (m.segment() != null && !m.segment().equals(cm.segment())) {
                    return "segment %" + m.segment() + " written, " + (cm.segment() == null ? "none" : "%" + cm.segment()) + " decoded";
                }
                String disp = m.disp().isEmpty() ? "0" : m.disp();
                Long v = number(disp);
                if (v != null) {
                    return v == cm.disp() ? null : "displacement " + disp + " written, " + hex(cm.disp()) + " decoded";
                }
                if ("rip".equals(cm.base()) && reloc == null) {
                    Long target = resolve(a, disp);
                    if (target == null) return null;
                    long actual = insn.address() + insn.size() + cm.disp();
                    return target == actual ? null
                            : disp + "(%rip) is " + hex(target) + ", the bytes reach " + hex(actual);
                }
                return null;
            }
        }
    }

    /** Intel operands: the registers named must be decoded, and a base-less operand must not become RIP-relative. */
    private static String compareIntel(String operands, Instruction insn) {
        for (String o : Operands.split(operands)) {
            String lower = o.toLowerCase(Locale.ROOT);
            int open = lower.indexOf('['), close = lower.indexOf(']');
            if (open >= 0 && close > open) {
                String inside = lower.substring(open + 1, close);
                boolean hasReg = false;
                for (String w : inside.split("[^\\w]+")) if (!w.isEmpty() && looksLikeRegister(w)) hasReg = true;
                if (!hasReg) {
                    for (Instruction.Operand c : insn.operands()) {
                        if (c instanceof Instruction.Mem cm && cm.base() != null) {
                            return "an absolute operand without a base register is encoded relative to %" + cm.base();
                        }
                    }
                }
            }
            for (String w : lower.replaceAll("\\[[^]]*]", " ").split("[^\\w]+")) {
                if (!w.isEmpty() && looksLikeRegister(w) && !mentions(insn.operands(), w) && !w.matches("[cdefgs]s")) {
                    return "register " + w + " is not in the decoded operands";
                }
            }
        }
        return null;
    }

    private static final Pattern REGISTER = Pattern.compile(
            "[re]?[abcd]x|[abcd][lh]|[re]?(si|di|sp|bp)|(si|di|sp|bp)l|r\\d{1,2}[dwb]?|[xyz]mm\\d{1,2}|[cdefgs]s|rip");

    private static boolean looksLikeRegister(String w) {
        return REGISTER.matcher(w).matches();
    }

    private static boolean looksIntel(String operands) {
        if (operands.isEmpty() || operands.contains("%") || operands.contains("$")) return false;
        if (operands.contains("[") || operands.toLowerCase(Locale.ROOT).contains(" ptr")) return true;
        String firstWord = WS_COMMA.split(operands, 2)[0].toLowerCase(Locale.ROOT);
        return looksLikeRegister(firstWord);
    }

    private static boolean mentions(List<Instruction.Operand> ops, String reg) {
        for (Instruction.Operand o : ops) {
            if (o instanceof Instruction.Reg r && regEquals(reg, r.name())) return true;
            if (o instanceof Instruction.Mem m && (regEquals(reg, m.base()) || regEquals(reg, m.index())
                    || regEquals(reg, m.segment()))) return true;
        }
        return false;
    }

    private static boolean regEquals(String written, String decoded) {
        if (written == null || decoded == null) return written == decoded;
        String w = written.toLowerCase(Locale.ROOT).replace(" ", "");
        String d = decoded.toLowerCase(Locale.ROOT).replace(" ", "");
        return w.equals(d) || (w.equals("st") && d.equals("st(0)"));
    }

    private static boolean isBranch(String mnemonic) {
        return mnemonic.startsWith("j") || mnemonic.startsWith("call") || mnemonic.startsWith("loop")
                || mnemonic.equals("xbegin");
    }

    /** A source operand, or null when it is something this check does not read. */
    private static Src parse(String o, boolean branch) {
        if (o.startsWith("*")) o = o.substring(1).strip();
        else if (branch && !o.startsWith("$") && !o.startsWith("%") && !o.contains("(")) return new STarget(o);
        if (o.startsWith("$")) return new SImm(o.substring(1).strip());
        if (o.startsWith("%") && !o.contains(":") && !o.contains("(")) return new SReg(o.substring(1).strip().toLowerCase(Locale.ROOT));
        Matcher m = MEMORY.matcher(o);
        if (!m.matches()) return null;
        String base = lower(m.group(3)), index = lower(m.group(4));
        int scale = m.group(5) == null ? 1 : Integer.parseInt(m.group(5));
        return new SMem(lower(m.group(1)), m.group(2).strip(), base == null ? null : base.substring(1),
                index == null ? null : index.substring(1), scale);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static Long number(String expr) {
        String e = expr.replace(" ", "");
        if (!NUMBER.matcher(e).matches()) return null;
        boolean neg = e.startsWith("-");
        if (e.startsWith("-") || e.startsWith("+")) e = e.substring(1);
        long v;
        try {
            if (e.startsWith("0x") || e.startsWith("0X")) v = Long.parseUnsignedLong(e.substring(2), 16);
            else if (e.startsWith("0b") || e.startsWith("0B")) v = Long.parseUnsignedLong(e.substring(2), 2);
            else if (e.length() > 1 && e.startsWith("0")) v = Long.parseUnsignedLong(e.substring(1), 8);
            else v = Long.parseUnsignedLong(e);
        } catch (NumberFormatException x) {
            return null;
        }
        return neg ? -v : v;
    }

    /** The address of {@code label}, {@code label+N} or {@code label-N} when the label is defined here. */
    private static Long resolve(Assembly a, String expr) {
        Matcher m = SYMBOL_PLUS.matcher(expr.strip());
        if (!m.matches()) return null;
        Assembly.Symbol s = a.symbols().get(m.group(1));
        if (s == null) return null;
        long v = a.base() + s.offset();
        if (m.group(3) != null) {
            Long n = number(m.group(3));
            if (n == null) return null;
            v = m.group(2).equals("+") ? v + n : v - n;
        }
        return v;
    }

    static boolean sameMnemonic(String written, String decoded) {
        String w = normalise(written), d = normalise(decoded);
        if (w.equals(d)) return true;
        // same name, another size suffix ("movl" written, "movq" decoded): a different instruction
        if (w.length() == d.length() && w.length() > 2 && w.regionMatches(0, d, 0, w.length() - 1)
                && "bwlq".indexOf(w.charAt(w.length() - 1)) >= 0 && "bwlq".indexOf(d.charAt(d.length() - 1)) >= 0) {
            return false;
        }
        for (String x : variants(w)) for (String y : variants(d)) if (x.equals(y)) return true;
        return false;
    }

    /** The name without prefixes ("rep movsb" → "movsb"), condition codes canonical ("jz" → "je"). */
    private static String normalise(String mnemonic) {
        String[] parts = WS.split(mnemonic.toLowerCase(Locale.ROOT).strip());
        String m = parts[parts.length - 1];
        for (String head : List.of("cmov", "set", "j")) {
            if (m.startsWith(head) && !m.equals("jmp") && !m.startsWith("jmp")) {
                String cc = m.substring(head.length());
                String suffix = "";
                if (head.equals("cmov") && !CONDITION_NAMES.contains(cc) && cc.length() > 1
                        && "wlq".indexOf(cc.charAt(cc.length() - 1)) >= 0 && CONDITION_NAMES.contains(cc.substring(0, cc.length() - 1))) {
                    suffix = cc.substring(cc.length() - 1);
                    cc = cc.substring(0, cc.length() - 1);
                }
                if (CONDITION_NAMES.contains(cc)) return head + CONDITIONS.getOrDefault(cc, cc) + suffix;
            }
        }
        return m;
    }

    /** The name, without an AT&amp;T size suffix, and its aliases. */
    private static List<String> variants(String m) {
        List<String> v = new ArrayList<>(List.of(m));
        if (m.length() > 2 && "bwlq".indexOf(m.charAt(m.length() - 1)) >= 0) v.add(m.substring(0, m.length() - 1));
        for (String x : List.copyOf(v)) {
            for (Set<String> alias : ALIASES) if (alias.contains(x)) v.addAll(alias);
        }
        return v;
    }

    private static boolean eq(String a, String b) {
        return a == null ? b == null : a.equals(b);
    }

    private static String reg(String r) {
        return r == null ? "none" : "%" + r;
    }

    private static String hex(long v) {
        return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
    }

    private static String show(Instruction.Operand o) {
        return switch (o) {
            case Instruction.Reg r -> "%" + r.name();
            case Instruction.Imm i -> "$" + hex(i.value());
            case Instruction.Mem m -> (m.segment() == null ? "" : "%" + m.segment() + ":") + hex(m.disp())
                    + (m.base() == null && m.index() == null ? "" : "(" + (m.base() == null ? "" : "%" + m.base())
                    + (m.index() == null ? "" : ",%" + m.index() + "," + m.scale()) + ")");
        };
    }
}
