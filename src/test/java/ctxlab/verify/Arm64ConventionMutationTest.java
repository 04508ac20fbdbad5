package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.AsmException;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every single-operand change of our own Boost-style arm64 jump_fcontext
 * (asm/conventions-arm64/boost-fcontext/ok-jump-fcontext.s) must be rejected under
 * boost-fcontext-arm64: Arm64MutationTest's mutants (offsets moved to every slot and just outside,
 * base registers swapped, registers replaced, 64-bit registers narrowed, deletions) and each
 * frame-size immediate moved by 8 and 16. Equivalent mutants are listed with the reason.
 */
class Arm64ConventionMutationTest {
    static final Path FILE = TestFiles.ROOT.resolve("asm/conventions-arm64/boost-fcontext/ok-jump-fcontext.s");
    static final Pattern IMMEDIATE = Pattern.compile("(?<=, )#(0x[0-9a-f]+)(?=\\s*(//|$))");

    /** Mutants judged equivalent (still correct under the convention), with the reason; printed, never skipped silently. */
    static final Map<String, String> EQUIVALENT = equivalent();

    /** A load based on x0 where x0 = sp: between `mov sp, x0` (line 40) and `mov x0, x4` (line 51) both hold the target frame. */
    private static Map<String, String> equivalent() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int line = 41; line <= 50; line++) {
            m.put(line + ": base sp -> x0", "x0 = sp (the target frame) from line 40 until x0 is set at line 51:"
                    + " the same address");
        }
        return m;
    }

    static List<Arm64MutationTest.Mutant> mutants(String source) {
        List<Arm64MutationTest.Mutant> out = new ArrayList<>(Arm64MutationTest.mutants(source, "jump_fcontext"));
        String[] lines = source.split("\n", -1);
        boolean in = false;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("jump_fcontext:")) in = true;
            if (in && lines[i].strip().startsWith(".size")) break;
            if (!in) continue;
            int c = lines[i].indexOf("//");
            String code = c < 0 ? lines[i] : lines[i].substring(0, c);
            Matcher m = IMMEDIATE.matcher(code.stripTrailing());
            if (!m.find()) continue;
            int v = Integer.decode(m.group(1));
            for (int d : new int[] {-16, -8, 8, 16}) {
                String[] copy = lines.clone();
                copy[i] = code.substring(0, m.start(1)) + "0x" + Integer.toHexString(v + d) + code.substring(m.end(1));
                out.add(new Arm64MutationTest.Mutant((i + 1) + ": immediate " + m.group(1) + " -> 0x" + Integer.toHexString(v + d),
                        String.join("\n", copy)));
            }
        }
        return out;
    }

    @Test
    void everySingleOperandMutantOfJumpFcontextIsRejected() throws Exception {
        Convention boost = Conventions.byName("boost-fcontext-arm64").orElseThrow();
        List<Arm64MutationTest.Mutant> mutants = mutants(Files.readString(FILE));
        assertTrue(mutants.size() > 400, "generated " + mutants.size() + " mutants");
        List<String> survivors = new ArrayList<>(), unassembled = new ArrayList<>();
        Map<Arm64Property, Integer> firstBy = new EnumMap<>(Arm64Property.class);
        int excluded = 0;
        for (Arm64MutationTest.Mutant mu : mutants) {
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
            try (Arm64Verifier v = new Arm64Verifier(boost, a, "mutant.s", "jump_fcontext", null)) {
                Arm64Report r = v.run(200, 42, true);
                if (r.violations().isEmpty()) survivors.add(mu.what());
                else firstBy.merge(r.violations().get(0).property(), 1, Integer::sum);
            }
        }
        System.out.printf("boost-fcontext-arm64 mutation test: %d mutants, %d rejected (first violation: %s), %d not assemblable %s,"
                + " %d excluded%n", mutants.size(), mutants.size() - survivors.size() - unassembled.size() - excluded, firstBy,
                unassembled.size(), unassembled, excluded);
        assertEquals(List.of(), survivors, "mutants the verifier accepted");
        assertTrue(unassembled.size() < mutants.size() / 10, unassembled.toString());
    }

    @Test
    void theOriginalPassesUnderTheSameSettings() throws Exception {
        Assembly a = Arm64Assembler.assemble(SourceFile.read(FILE), Arm64Verifier.CODE_BASE);
        try (Arm64Verifier v = new Arm64Verifier(Conventions.byName("boost-fcontext-arm64").orElseThrow(), a, "ok.s", "jump_fcontext", null)) {
            Arm64Report r = v.run(200, 42, true);
            assertTrue(r.passed(true), r.violations().toString());
        }
    }
}
