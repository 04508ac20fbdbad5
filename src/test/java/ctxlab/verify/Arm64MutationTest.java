package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.AsmException;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every single-operand change of asm/context_arm64.s must be rejected: each memory operand's
 * offset moved to every other slot of the context (and just outside it), its base register
 * swapped, each register operand replaced by its neighbours and by the argument, scratch and
 * link registers, each 64-bit register narrowed to its 32-bit w form, `ret` through another
 * register, and each instruction deleted.
 */
class Arm64MutationTest {
    static final Path SWITCH = TestFiles.ROOT.resolve("asm/context_arm64.s");
    record Mutant(String what, String source) {}

    static final Pattern MEM = Pattern.compile("\\[(\\w+), #(-?0x[0-9a-f]+|-?\\d+)\\]");
    static final Pattern REG = Pattern.compile("(?<![\\[\\w])\\b([xd])(\\d+)\\b(?!\\])|\\bsp\\b(?!\\])");
    static final String[] BASES = {"x0", "x1", "x2", "sp"};

    /** Mutants judged equivalent (still correct), with the reason; printed, never skipped silently. */
    static final Map<String, String> EQUIVALENT = Map.of(
            "83: 32-bit w10", "ldr w10 of restore->fpcr: every FPCR field is in bits 0-31 (bits 32-63 are RES0),"
                    + " so the 32-bit load restores the same FPCR");

    static List<Mutant> mutants(String source) {
        return mutants(source, "cem_swapcontext");
    }

    /** The mutants of routine {@code label}: the lines from its label to the first {@code .size} after it. */
    static List<Mutant> mutants(String source, String label) {
        String[] lines = source.split("\n", -1);
        int from = -1, to = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(label + ":")) from = i + 1;
            if (from >= 0 && to < 0 && lines[i].strip().startsWith(".size")) to = i;
        }
        List<Mutant> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String full = lines[i];
            int c = full.indexOf("//");
            String code = c < 0 ? full : full.substring(0, c);
            String stripped = code.strip();
            if (stripped.isEmpty()) continue;
            int line = i + 1;
            out.add(mutant(lines, i, "", line + ": delete '" + stripped + "'"));
            Matcher m = MEM.matcher(code);
            if (m.find()) {
                int d = Integer.decode(m.group(2));
                for (int nd = -8; nd <= 0xb0; nd += 8) {
                    if (nd == d) continue;
                    out.add(mutant(lines, i, code.substring(0, m.start(2)) + nd + code.substring(m.end(2)),
                            line + ": offset " + d + " -> " + nd));
                }
                for (String b : BASES) {
                    if (b.equals(m.group(1))) continue;
                    out.add(mutant(lines, i, code.substring(0, m.start(1)) + b + code.substring(m.end(1)),
                            line + ": base " + m.group(1) + " -> " + b));
                }
            }
            Matcher r = REG.matcher(code);
            while (r.find()) {
                String reg = r.group();
                for (String other : replacements(r.group(1), r.group(2))) {
                    if (other.equals(reg)) continue;
                    out.add(mutant(lines, i, code.substring(0, r.start()) + other + code.substring(r.end()),
                            line + ": " + reg + " -> " + other));
                }
                if ("x".equals(r.group(1)) && !stripped.startsWith("mrs") && !stripped.startsWith("msr")) {
                    // A 32-bit form: of the register alone where that assembles (ldr/str/mov), else of the whole pair.
                    String w = "w" + r.group(2);
                    String changed = stripped.startsWith("stp") || stripped.startsWith("ldp")
                            ? code.replaceAll("(?<!\\[)\\bx(\\d+)\\b", "w$1") : code.substring(0, r.start()) + w + code.substring(r.end());
                    out.add(mutant(lines, i, changed, line + ": 32-bit " + (stripped.startsWith("stp") || stripped.startsWith("ldp")
                            ? "pair " + stripped.split("\\s+")[0] : w)));
                }
            }
            if (stripped.equals("ret")) {
                for (String x : List.of("x0", "x1", "x9", "x19", "x29")) out.add(mutant(lines, i, code.replace("ret", "ret     " + x), line + ": ret -> ret " + x));
            }
        }
        // Pair-narrowing may produce the same text for both registers of a pair: keep one of each.
        Set<String> seen = new LinkedHashSet<>();
        return out.stream().filter(mu -> seen.add(mu.source())).toList();
    }

    /** Neighbours, the argument and scratch registers, lr and sp for an x register; neighbours, d0 and d16 for a d register. */
    static List<String> replacements(String kind, String number) {
        if (kind == null) return List.of("x9", "x29", "x30", "x0");       // sp
        int n = Integer.parseInt(number);
        Set<String> out = new LinkedHashSet<>();
        if (kind.equals("d")) {
            for (int k : new int[] {n - 1, n + 1, 0, 16}) if (k >= 0 && k <= 31) out.add("d" + k);
        } else {
            for (int k : new int[] {n - 1, n + 1, 0, 1, 9, 10, 30}) if (k >= 0 && k <= 30) out.add("x" + k);
        }
        return List.copyOf(out);
    }

    private static Mutant mutant(String[] lines, int index, String replacement, String what) {
        String[] copy = lines.clone();
        copy[index] = replacement;
        return new Mutant(what, String.join("\n", copy));
    }

    @Test
    void everySingleOperandMutantIsRejected() throws Exception {
        List<Mutant> mutants = mutants(Files.readString(SWITCH));
        assertTrue(mutants.size() > 500, "generated " + mutants.size() + " mutants");
        List<String> survivors = new ArrayList<>(), unassembled = new ArrayList<>();
        Map<Arm64Property, Integer> firstBy = new EnumMap<>(Arm64Property.class);
        int excluded = 0;
        for (Mutant mu : mutants) {
            if (EQUIVALENT.containsKey(mu.what())) {
                System.out.println("excluded (equivalent): " + mu.what() + " — " + EQUIVALENT.get(mu.what()));
                excluded++;
                continue;
            }
            Assembly a;
            try {
                a = Arm64Assembler.assemble(new SourceFile("mutant.s", mu.source()), Arm64Verifier.CODE_BASE);
            } catch (AsmException e) {
                unassembled.add(mu.what());
                continue;
            }
            try (Arm64Verifier v = new Arm64Verifier(a, "mutant.s", Arm64Verifier.DEFAULT_SYMBOL)) {
                Arm64Report r = v.run(200, 42, true);
                if (r.violations().isEmpty()) survivors.add(mu.what() + (r.passed(true) ? "" : " (only findings)"));
                else firstBy.merge(r.violations().get(0).property(), 1, Integer::sum);
            }
        }
        System.out.printf("arm64 mutation test: %d mutants, %d rejected (first violation: %s), %d not assemblable %s, %d excluded%n",
                mutants.size(), mutants.size() - survivors.size() - unassembled.size() - excluded, firstBy,
                unassembled.size(), unassembled, excluded);
        assertEquals(List.of(), survivors, "mutants the verifier accepted");
        // Only register choices the instruction cannot encode may fail to assemble (e.g. sp where only x0-x30 fit).
        assertTrue(unassembled.size() < mutants.size() / 10, unassembled.toString());
    }

    @Test
    void theOriginalPassesUnderTheSameSettings() throws Exception {
        Assembly a = Arm64Assembler.assemble(SourceFile.read(SWITCH), Arm64Verifier.CODE_BASE);
        try (Arm64Verifier v = new Arm64Verifier(a, "context_arm64.s", Arm64Verifier.DEFAULT_SYMBOL)) {
            assertTrue(v.run(200, 42, true).passed(true));
        }
    }
}
