package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.AsmException;
import ctxlab.asm.Assembler;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every single-operand change of asm/context_x86_64.s must be rejected: each memory operand's
 * displacement moved to every other slot (and just outside the context), its base register
 * swapped, each register operand replaced by every other general register, each 64-bit move
 * narrowed to 32 bits, stmxcsr and ldmxcsr exchanged, and each instruction deleted.
 */
class MutationTest {
    record Mutant(String what, String source) {}

    static final String[] GPRS = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15"};
    static final Map<String, String> LOW32 = new LinkedHashMap<>();
    static {
        String[] low = {"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "r8d", "r9d", "r10d", "r11d", "r12d",
                "r13d", "r14d", "r15d"};
        for (int i = 0; i < GPRS.length; i++) LOW32.put(GPRS[i], low[i]);
    }
    static final int[] DISPLACEMENTS = {0, 8, 16, 24, 32, 40, 48, 56, 60, 64, -8};
    static final String[] BASES = {"rdi", "rsi", "rsp", "rdx", "rax"};
    static final Pattern MEM = Pattern.compile("(-?\\d+)\\(%(\\w+)\\)");
    static final Pattern REG = Pattern.compile("(?<![(\\w])%(\\w+)(?!\\))");

    /**
     * Mutants judged equivalent (still correct), with the reason. Empty: none of them is. Any
     * entry here is printed, never skipped silently.
     */
    static final Map<String, String> EQUIVALENT = Map.of();

    static List<Mutant> mutants(String source) {
        String[] lines = source.split("\n", -1);
        int from = -1, to = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("cem_swapcontext:")) from = i + 1;
            if (lines[i].strip().startsWith(".size")) to = i;
        }
        List<Mutant> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String full = lines[i];
            int hash = full.indexOf('#');
            String code = hash < 0 ? full : full.substring(0, hash);
            String stripped = code.strip();
            if (stripped.isEmpty() || stripped.startsWith("//") || stripped.startsWith("/*")) continue;
            int line = i + 1;
            // Deleted.
            out.add(mutant(lines, i, "", line + ": delete '" + stripped + "'"));
            Matcher m = MEM.matcher(code);
            if (m.find()) {
                int d = Integer.parseInt(m.group(1));
                for (int nd : DISPLACEMENTS) {
                    if (nd == d) continue;
                    String changed = code.substring(0, m.start(1)) + nd + code.substring(m.end(1));
                    out.add(mutant(lines, i, changed, line + ": displacement " + d + " -> " + nd));
                }
                for (String b : BASES) {
                    if (b.equals(m.group(2))) continue;
                    String changed = code.substring(0, m.start(2)) + b + code.substring(m.end(2));
                    out.add(mutant(lines, i, changed, line + ": base %" + m.group(2) + " -> %" + b));
                }
            }
            Matcher r = REG.matcher(code);
            while (r.find()) {
                String reg = r.group(1);
                if (!LOW32.containsKey(reg)) continue;
                for (String other : GPRS) {
                    if (other.equals(reg)) continue;
                    String changed = code.substring(0, r.start(1)) + other + code.substring(r.end(1));
                    out.add(mutant(lines, i, changed, line + ": %" + reg + " -> %" + other));
                }
                if (stripped.startsWith("movq")) {
                    String changed = code.replace("movq", "movl").substring(0, r.start(1))
                            + LOW32.get(reg) + code.substring(r.end(1));
                    out.add(mutant(lines, i, changed, line + ": 32-bit move of %" + LOW32.get(reg)));
                }
            }
            if (stripped.startsWith("stmxcsr")) out.add(mutant(lines, i, code.replace("stmxcsr", "ldmxcsr"), line + ": stmxcsr -> ldmxcsr"));
            if (stripped.startsWith("ldmxcsr")) out.add(mutant(lines, i, code.replace("ldmxcsr", "stmxcsr"), line + ": ldmxcsr -> stmxcsr"));
        }
        return out;
    }

    private static Mutant mutant(String[] lines, int index, String replacement, String what) {
        String[] copy = lines.clone();
        copy[index] = replacement;
        return new Mutant(what, String.join("\n", copy));
    }

    @Test
    void everySingleOperandMutantIsRejected() throws Exception {
        String source = Files.readString(TestFiles.SWITCH);
        List<Mutant> mutants = mutants(source);
        assertTrue(mutants.size() > 300, "generated " + mutants.size() + " mutants");
        List<String> survivors = new ArrayList<>(), unassembled = new ArrayList<>();
        Map<Property, Integer> firstBy = new EnumMap<>(Property.class);
        int excluded = 0;
        for (Mutant mu : mutants) {
            if (EQUIVALENT.containsKey(mu.what())) {
                System.out.println("excluded (equivalent): " + mu.what() + " — " + EQUIVALENT.get(mu.what()));
                excluded++;
                continue;
            }
            var assembly = tryAssemble(mu, unassembled);
            if (assembly == null) continue;
            try (Verifier v = new Verifier(assembly, "mutant.s", Verifier.DEFAULT_SYMBOL).explain(false)) {
                Report r = v.run(200, 42, true);
                if (r.violations().isEmpty()) survivors.add(mu.what());
                else firstBy.merge(r.violations().get(0).property(), 1, Integer::sum);
            }
        }
        System.out.printf("mutation test: %d mutants, %d rejected (first violation: %s), %d not assemblable %s, %d excluded%n",
                mutants.size(), mutants.size() - survivors.size() - unassembled.size() - excluded, firstBy,
                unassembled.size(), unassembled, excluded);
        assertEquals(List.of(), survivors, "mutants the verifier accepted");
        // Keystone accepts every generated operand combination; a rejected one would not test the verifier.
        assertEquals(List.of(), unassembled);
    }

    private static ctxlab.asm.Assembly tryAssemble(Mutant mu, List<String> unassembled) {
        try {
            return Assembler.assemble(new SourceFile("mutant.s", mu.source()), Verifier.CODE_BASE);
        } catch (AsmException e) {
            unassembled.add(mu.what() + " (" + e.getMessage().lines().findFirst().orElse("") + ")");
            return null;
        }
    }

    @Test
    void theOriginalPassesUnderTheSameSettings() throws Exception {
        var assembly = Assembler.assemble(SourceFile.read(TestFiles.SWITCH), Verifier.CODE_BASE);
        try (Verifier v = new Verifier(assembly, "context_x86_64.s", Verifier.DEFAULT_SYMBOL).explain(false)) {
            assertTrue(v.run(200, 42, true).passed(false));
        }
    }
}
