package ctxlab.trace;

import java.util.Locale;
import java.util.Map;

/** Register names as the operands spell them, mapped to the 64-bit register they are part of. */
final class Registers {
    private static final Map<String, String> LEGACY = Map.ofEntries(
            Map.entry("a", "rax"), Map.entry("b", "rbx"), Map.entry("c", "rcx"), Map.entry("d", "rdx"),
            Map.entry("si", "rsi"), Map.entry("di", "rdi"), Map.entry("bp", "rbp"), Map.entry("sp", "rsp"));

    private Registers() {}

    /** "ebx" → "rbx", "r12d" → "r12", "al" → "rax", "sil" → "rsi"; other names unchanged. */
    static String full(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.matches("r([89]|1[0-5])[dwb]?")) return n.replaceAll("[dwb]$", "");
        if (n.matches("[re]?[abcd]x")) return LEGACY.get(n.substring(n.length() - 2, n.length() - 1));
        if (n.matches("[abcd][lh]")) return LEGACY.get(n.substring(0, 1));
        if (n.matches("[re]?(si|di|bp|sp)l?")) {
            String core = n.replaceAll("^[re]", "").replaceAll("l$", "");
            return LEGACY.get(core);
        }
        return n;
    }
}
