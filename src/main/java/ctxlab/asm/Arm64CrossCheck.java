package ctxlab.asm;

import ctxlab.disasm.Disassembler;
import ctxlab.disasm.Instruction;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keystone's AArch64 bytes checked by Capstone, as {@link CrossCheck} does for x86-64: every
 * instruction statement must be one 4-byte word that Capstone decodes to the same mnemonic (modulo
 * the architecture's aliases: {@code mov} is {@code movz}/{@code orr}, {@code bti c} is a
 * {@code hint}) naming the same registers (x and w of one number alike; {@code fp} is x29,
 * {@code lr} x30). A disagreement is an {@link AsmException} at the statement's line: a guard
 * against silent mis-encodings (the kind found in adrp and {@code :lo12:}, whose fields the
 * front-end fills itself). Immediates and branch targets are not compared: the byte-identical
 * tests against GNU as hold those.
 */
final class Arm64CrossCheck {
    private Arm64CrossCheck() {}

    private static final Pattern REGISTER = Pattern.compile("(?<![\\w.$:])([xw](?:[12]?\\d|30)|[bhsdqv](?:[12]?\\d|3[01])|w?sp|[xw]zr|fp|lr)(?![\\w$])",
            Pattern.CASE_INSENSITIVE);
    /** Source mnemonic -> what Capstone 4 may print for it. */
    private static final Map<String, Set<String>> ALIASES = Map.ofEntries(
            Map.entry("mov", Set.of("movz", "movn", "orr", "add", "dup", "ins", "umov")),
            Map.entry("cmp", Set.of("subs")), Map.entry("cmn", Set.of("adds")), Map.entry("tst", Set.of("ands")),
            Map.entry("neg", Set.of("sub")), Map.entry("negs", Set.of("subs")), Map.entry("mvn", Set.of("orn")),
            Map.entry("lsl", Set.of("ubfm")), Map.entry("lsr", Set.of("ubfm")), Map.entry("asr", Set.of("sbfm")),
            Map.entry("cset", Set.of("csinc")), Map.entry("csetm", Set.of("csinv")), Map.entry("cinc", Set.of("csinc")),
            Map.entry("nop", Set.of("hint")), Map.entry("hint", Set.of("nop", "yield", "wfe", "wfi", "sev", "sevl")),
            Map.entry("b.hs", Set.of("b.hs", "b.cs")), Map.entry("b.cs", Set.of("b.hs")), Map.entry("b.lo", Set.of("b.cc")),
            Map.entry("b.cc", Set.of("b.lo")), Map.entry("ldr", Set.of("ldur")), Map.entry("str", Set.of("stur")),
            Map.entry("ldrb", Set.of("ldurb")), Map.entry("strb", Set.of("sturb")), Map.entry("ldrh", Set.of("ldurh")),
            Map.entry("strh", Set.of("sturh")), Map.entry("ldrsw", Set.of("ldursw")), Map.entry("mul", Set.of("madd")),
            Map.entry("sxtw", Set.of("sbfm")), Map.entry("uxtw", Set.of("ubfm")), Map.entry("ubfx", Set.of("ubfm")),
            Map.entry("sbfx", Set.of("sbfm")), Map.entry("bfi", Set.of("bfm")), Map.entry("ror", Set.of("extr")));

    /** Throws an {@link AsmException} at the first instruction Capstone reads otherwise. */
    static void check(Assembly a) {
        byte[] code = a.code();
        try (Disassembler d = Disassembler.openArm64()) {
            for (Assembly.Line l : a.lines()) {
                if (!l.instruction() || l.text().startsWith("(stop)")) continue;   // the stops are ctxlab's own brk
                String reason;
                List<Instruction> got = d.disassemble(code, (int) l.offset(), l.length(), a.base() + l.offset(), 0);
                String bytes = java.util.HexFormat.of().formatHex(code, (int) l.offset(), (int) l.offset() + l.length());
                if (l.length() != 4) {
                    reason = "it is " + l.length() + " bytes, not one 4-byte AArch64 instruction";
                } else if (got.size() != 1) {
                    reason = "Capstone cannot decode them";
                } else {
                    reason = compare(l.text(), got.get(0));
                }
                if (reason != null) {
                    String decoded = got.size() == 1 ? " (" + got.get(0).mnemonic() + " " + got.get(0).opStr() + ")" : "";
                    throw new AsmException(l.where(), l.text(), "Keystone's bytes " + bytes + decoded
                            + " disagree with the statement: " + reason);
                }
            }
        } catch (ctxlab.disasm.DisassemblerUnavailableException e) {
            // without libcapstone there is nothing to check against; the byte-identical tests still hold
        }
    }

    /** Why the decoded instruction is not the statement, or null. */
    static String compare(String statement, Instruction insn) {
        String body = statement.replaceFirst("^\\s*(?:(?:[A-Za-z_.$][\\w.$]*|\\d+)\\s*:\\s*)*", "").strip();
        String mnemonic = body.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        String operands = body.length() > mnemonic.length() ? body.substring(mnemonic.length()) : "";
        String decoded = insn.mnemonic().toLowerCase(Locale.ROOT);
        boolean hintSpace = Arm64Assembler.HINTS.containsKey(body.toLowerCase(Locale.ROOT).replaceAll("\\s+", " "));
        if (!decoded.equals(mnemonic) && !(hintSpace && (decoded.equals("hint") || decoded.equals("nop")))
                && !ALIASES.getOrDefault(mnemonic, Set.of()).contains(decoded)) {
            return "Capstone reads " + decoded + ", the statement says " + mnemonic;
        }
        if (hintSpace) return null;
        Set<String> mine = registers(operands), theirs = registers(insn.opStr());
        if (mnemonic.equals("ret")) mine.remove("x30");   // "ret x30" is printed "ret"
        for (String r : theirs) {
            if (!mine.contains(r) && !r.equals("zr")) return "Capstone reads register " + r + ", which the statement does not name";
        }
        for (String r : mine) {
            if (!theirs.contains(r) && !r.equals("zr")) return "the statement names " + r + ", which Capstone does not read";
        }
        return null;
    }

    /** Registers named in operand text, by number and bank: x0 and w0 are "x0", d8 and s8 "v8", sp and wsp "sp". */
    static Set<String> registers(String operands) {
        Set<String> out = new HashSet<>();
        Matcher m = REGISTER.matcher(operands.replaceAll("\\.\\w+", ""));   // v0.16b -> v0
        while (m.find()) {
            String r = m.group(1).toLowerCase(Locale.ROOT);
            if (r.equals("fp")) r = "x29";
            else if (r.equals("lr")) r = "x30";
            else if (r.equals("wsp")) r = "sp";
            else if (r.endsWith("zr")) r = "zr";
            else if (r.charAt(0) == 'w') r = "x" + r.substring(1);
            else if ("bhsdqv".indexOf(r.charAt(0)) >= 0) r = "v" + r.substring(1);
            out.add(r);
        }
        return out;
    }
}
