package ctxlab.verify;

import ctxlab.abi.Conventions;
import ctxlab.asm.Assembler;
import ctxlab.asm.SourceFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks per second of verify, side by side in one JVM with interleaved rounds: Cem's own
 * Verifier on the seed against the convention verifier on the same file under conventions/cem.json,
 * and the convention verifier on each shipped convention's reference routine. Run by
 * scripts/bench-conventions; prints figures, asserts nothing.
 */
public final class ConventionBench {
    public static void main(String[] args) {
        int perRound = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Map<String, Checker> checkers = new LinkedHashMap<>();
        var seed = Assembler.assemble(SourceFile.read(Path.of("asm/context_x86_64.s")), Verifier.CODE_BASE);
        checkers.put("cem: Verifier (the default path)", new Verifier(seed, "asm/context_x86_64.s", Verifier.DEFAULT_SYMBOL));
        checkers.put("cem: ConventionVerifier + cem.json", new ConventionVerifier(Conventions.byName("cem").orElseThrow(), seed,
                "asm/context_x86_64.s", Verifier.DEFAULT_SYMBOL, null));
        String[][] refs = {{"boost-fcontext", "ok-jump-fcontext.s", "jump_fcontext"}, {"libaco", "ok-acosw.s", "acosw"},
                {"minicoro", "ok-mco-switch.s", "_mco_switch"}, {"libco", "ok-coctx-swap.s", "coctx_swap"}};
        for (String[] r : refs) {
            String file = "asm/conventions/" + r[0] + "/" + r[1];
            var a = Assembler.assemble(SourceFile.read(Path.of(file)), ConventionVerifier.CODE_BASE);
            checkers.put(r[0] + ": ConventionVerifier", new ConventionVerifier(Conventions.byName(r[0]).orElseThrow(), a, file, r[2], null));
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        checkers.keySet().forEach(k -> rates.put(k, new ArrayList<>()));
        long s = 1;
        for (var c : checkers.values()) c.run(perRound / 4, ++s);   // warm-up
        for (int i = 0; i < rounds; i++) {
            for (var e : checkers.entrySet()) rates.get(e.getKey()).add(e.getValue().run(perRound, ++s).checksPerSecond());
        }
        System.out.printf("verify checks/s, %d rounds of %,d states each, interleaved (median; all rounds)%n", rounds, perRound);
        double base = median(rates.values().iterator().next());
        for (var e : rates.entrySet()) {
            double m = median(e.getValue());
            System.out.printf("  %-38s %,9.0f  (%.2fx the default)  %s%n", e.getKey(), m, m / base,
                    String.join(", ", e.getValue().stream().map(x -> String.format("%,.0f", x)).toList()));
        }
        checkers.values().forEach(Checker::close);
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a[a.length / 2];
    }
}
