package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.AsmException;
import ctxlab.asm.Assembler;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The mutation test on a non-Cem convention: every single-operand change of jump_fcontext in
 * asm/conventions/boost-fcontext/ok-jump-fcontext.s must be rejected under boost-fcontext: each
 * displacement moved to every other frame slot (and just outside the frame), each base register
 * swapped, each register operand replaced by every other general register, each 64-bit move
 * narrowed, the control-word instructions exchanged, each instruction deleted.
 */
class ConventionMutationTest {
    static final String FILE = "asm/conventions/boost-fcontext/ok-jump-fcontext.s";
    static final String[] GPRS = MutationTest.GPRS;
    static final String[] DISPLACEMENTS = {"0x00", "0x04", "0x08", "0x10", "0x18", "0x20", "0x28", "0x30", "0x38", "0x40", "0x48", "-0x08"};
    static final String[] BASES = {"rdi", "rsi", "rsp", "rdx", "rax"};
    static final Pattern MEM = Pattern.compile("(-?0x[0-9a-f]+)\\(%(\\w+)\\)");
    static final Pattern REG = Pattern.compile("(?<![(\\w*])%(\\w+)(?!\\))");
    static final Map<String, String> SWAPS = Map.of("stmxcsr", "ldmxcsr", "ldmxcsr", "stmxcsr", "fnstcw", "fldcw", "fldcw", "fnstcw");

    /**
     * Mutants that are still correct under the convention, with the reason; printed, never hidden:
     * after {@code movq %rdi, %rsp} the two registers hold the same address until rsp moves again,
     * so a load based on %rdi instead of %rsp there reads the same slot.
     */
    static Map<String, String> equivalent(String source) {
        String[] lines = source.split("\n", -1);
        Map<String, String> eq = new java.util.LinkedHashMap<>();
        boolean same = false;
        for (int i = 0; i < lines.length; i++) {
            String code = lines[i].contains("#") ? lines[i].substring(0, lines[i].indexOf('#')) : lines[i];
            if (same) eq.put((i + 1) + ": base %rsp -> %rdi", "rdi = rsp here (after movq %rdi, %rsp)");
            if (code.strip().matches("movq\\s+%rdi,\\s*%rsp")) same = true;
            else if (same && code.strip().matches(".*,\\s*%rsp")) break;   // jump_fcontext's rsp moves on: done
        }
        return eq;
    }

    static List<MutationTest.Mutant> mutants(String source) {
        String[] lines = source.split("\n", -1);
        int from = -1, to = -1;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("jump_fcontext:")) from = i + 1;
            else if (from > 0 && to < 0 && lines[i].strip().startsWith(".align")) to = i;
        }
        List<MutationTest.Mutant> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            String full = lines[i];
            int hash = full.indexOf('#');
            String code = hash < 0 ? full : full.substring(0, hash);
            String stripped = code.strip();
            if (stripped.isEmpty()) continue;
            int line = i + 1;
            out.add(mutant(lines, i, "", line + ": delete '" + stripped + "'"));
            Matcher m = MEM.matcher(code);
            if (m.find()) {
                for (String nd : DISPLACEMENTS) {
                    if (Long.decode(nd).equals(Long.decode(m.group(1)))) continue;
                    out.add(mutant(lines, i, code.substring(0, m.start(1)) + nd + code.substring(m.end(1)),
                            line + ": displacement " + m.group(1) + " -> " + nd));
                }
                for (String b : BASES) {
                    if (b.equals(m.group(2))) continue;
                    out.add(mutant(lines, i, code.substring(0, m.start(2)) + b + code.substring(m.end(2)),
                            line + ": base %" + m.group(2) + " -> %" + b));
                }
            }
            Matcher r = REG.matcher(code);
            while (r.find()) {
                String reg = r.group(1);
                if (!MutationTest.LOW32.containsKey(reg)) continue;
                for (String other : GPRS) {
                    if (other.equals(reg)) continue;
                    out.add(mutant(lines, i, code.substring(0, r.start(1)) + other + code.substring(r.end(1)),
                            line + ": %" + reg + " -> %" + other));
                }
                if (stripped.startsWith("movq") && !code.contains("(")) {
                    out.add(mutant(lines, i, narrow(code), line + ": 32-bit move " + stripped));
                }
            }
            for (var e : SWAPS.entrySet()) {
                if (stripped.startsWith(e.getKey() + " ")) out.add(mutant(lines, i, code.replace(e.getKey(), e.getValue()),
                        line + ": " + e.getKey() + " -> " + e.getValue()));
            }
        }
        return out;
    }

    /** movq %a, %b -> movl %a32, %b32 */
    private static String narrow(String code) {
        String c = code.replace("movq", "movl");
        Matcher r = REG.matcher(c);
        StringBuilder sb = new StringBuilder();
        while (r.find()) r.appendReplacement(sb, "%" + MutationTest.LOW32.getOrDefault(r.group(1), r.group(1)));
        r.appendTail(sb);
        return sb.toString();
    }

    private static MutationTest.Mutant mutant(String[] lines, int index, String replacement, String what) {
        String[] copy = lines.clone();
        copy[index] = replacement;
        return new MutationTest.Mutant(what, String.join("\n", copy));
    }

    @Test
    void everySingleOperandMutantOfJumpFcontextIsRejected() throws Exception {
        String source = Files.readString(TestFiles.ROOT.resolve(FILE));
        Convention boost = Conventions.byName("boost-fcontext").orElseThrow();
        List<MutationTest.Mutant> mutants = mutants(source);
        Map<String, String> EQUIVALENT = equivalent(source);
        assertTrue(mutants.size() > 300, "generated " + mutants.size() + " mutants");
        List<String> survivors = new ArrayList<>(), unassembled = new ArrayList<>();
        Map<Property, Integer> firstBy = new EnumMap<>(Property.class);
        for (MutationTest.Mutant mu : mutants) {
            if (EQUIVALENT.containsKey(mu.what())) {
                System.out.println("excluded (equivalent): " + mu.what() + " — " + EQUIVALENT.get(mu.what()));
                continue;
            }
            ctxlab.asm.Assembly assembly;
            try {
                assembly = Assembler.assemble(new SourceFile("mutant.s", mu.source()), ConventionVerifier.CODE_BASE);
            } catch (AsmException e) {
                unassembled.add(mu.what());
                continue;
            }
            try (ConventionVerifier v = new ConventionVerifier(boost, assembly, "mutant.s", "jump_fcontext", null)) {
                Report r = v.run(120, 42);
                if (r.violations().isEmpty()) survivors.add(mu.what());
                else firstBy.merge(r.violations().get(0).property(), 1, Integer::sum);
            }
        }
        System.out.printf("boost-fcontext mutation test: %d mutants, %d rejected (first violation: %s), %d not assemblable %s, %d excluded%n",
                mutants.size(), mutants.size() - survivors.size() - unassembled.size() - EQUIVALENT.size(), firstBy, unassembled.size(),
                unassembled, EQUIVALENT.size());
        assertTrue(EQUIVALENT.size() <= 12, "equivalents: " + EQUIVALENT.keySet());
        assertEquals(List.of(), survivors, "mutants the verifier accepted");
        assertTrue(unassembled.size() < mutants.size() / 10, "most mutants assemble: " + unassembled);
    }

    @Test
    void theOriginalPassesUnderTheSameSettings() throws Exception {
        var assembly = Assembler.assemble(new SourceFile(FILE, Files.readString(TestFiles.ROOT.resolve(FILE))), ConventionVerifier.CODE_BASE);
        try (ConventionVerifier v = new ConventionVerifier(Conventions.byName("boost-fcontext").orElseThrow(), assembly, FILE, "jump_fcontext", null)) {
            assertTrue(v.run(120, 42).passed(false));
        }
    }
}
