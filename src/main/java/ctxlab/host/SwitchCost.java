package ctxlab.host;

import ctxlab.asm.Assembly;
import ctxlab.asm.AssemblyCache;
import ctxlab.asm.SourceFile;
import ctxlab.selftest.Selftest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The measured half of verify's return-stack finding: on this x86-64 host, ns per switch of a
 * routine and of the same routine with its final {@code ret} replaced by {@code popq %rcx; jmp *%rcx}
 * (which verify also accepts: rcx is caller-saved), side by side in one child JVM, medians of
 * interleaved rounds of the two-strand ping-pong of {@code ctxlab bench} (asm/host/bench.s).
 *
 * <p>Both routines pass the verification gate before they run, in the crash-isolated child, like
 * every native run of ctxlab. It costs a child JVM, two gate checks and the rounds: about 2-4 s,
 * so it is a method a command calls when asked, not a part of every verify run.
 */
public final class SwitchCost {
    /**
     * @param routineNs ns per switch of the routine as written
     * @param popJmpNs  ns per switch with its last {@code ret} replaced by pop+jmp (the same as
     *                  routineNs when the routine does not end in ret: nothing to replace)
     * @param replaced  {@code file:line} of the replaced ret, or null
     */
    public record Measurement(double routineNs, double popJmpNs, String replaced, int rounds) {
        public double ratio() {
            return popJmpNs / routineNs;
        }
    }

    private static final Pattern RET = Pattern.compile("(?i)\\bretq?\\b(?!\\s*\\$)");

    private SwitchCost() {}

    /** Measures {@code switchFile}'s cem_swapcontext natively (x86-64 Linux; HostException elsewhere). */
    public static Measurement measure(Path root, Path switchFile, int rounds, long switchesPerRound) {
        Host.require();
        SourceFile source = SourceFile.read(switchFile);
        Assembly a = AssemblyCache.assemble(source, Selftest.CODE_BASE);
        List<Assembly.Line> lines = a.linesOf(Selftest.SWITCH).stream().filter(Assembly.Line::instruction).toList();
        Assembly.Line last = lines.isEmpty() ? null : lines.getLast();
        String variant = last == null ? null : popJmpVariant(source.text(), last.where().line());
        Path tmp = null;
        try {
            Path other = switchFile;
            if (variant != null) {
                tmp = Files.createTempFile("ctxlab-popjmp", ".s");
                Files.writeString(tmp, variant, StandardCharsets.UTF_8);
                other = tmp;
            }
            List<String> args = new ArrayList<>(List.of("bench", root.toString(), switchFile.toAbsolutePath().toString(),
                    "--native-only", "1", "--rounds", "" + rounds, "--switches", "" + switchesPerRound,
                    "--root", root.toAbsolutePath().toString(), "--compare", other.toAbsolutePath().toString()));
            Isolation.ChildRun run = Isolation.run(args, List.of(), HostBench.TIMEOUT);
            run.throwIfError();
            if (run.crash().isPresent()) throw new HostException("the switch-cost child crashed: "
                    + Isolation.describe(run, HostSources.files(root, switchFile)));
            ChildEvent.SwitchCost r = run.last(ChildEvent.SwitchCost.class).orElseThrow(() -> new HostException("the switch-cost child JVM failed (exit "
                    + run.exitCode() + "): " + run.lastStderrLine()));
            return new Measurement(r.routineNs(), r.compareNs(),
                    variant == null ? null : last.where().toString(), rounds);
        } catch (IOException e) {
            throw new HostException("cannot write a temporary file: " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    /**
     * The source with the {@code ret} on line {@code line} (1-based) replaced by pop+jmp, or null
     * when that line holds no plain {@code ret} (a routine ending in a jump already, or {@code ret $n}).
     */
    public static String popJmpVariant(String text, int line) {
        String[] ls = text.split("\n", -1);
        if (line < 1 || line > ls.length) return null;
        String l = ls[line - 1];
        int comment = l.indexOf('#');
        String code = comment < 0 ? l : l.substring(0, comment);
        Matcher m = RET.matcher(code);
        if (!m.find()) return null;
        ls[line - 1] = code.substring(0, m.start()) + "popq %rcx; jmp *%rcx" + code.substring(m.end())
                + (comment < 0 ? "" : l.substring(comment));
        return String.join("\n", ls);
    }
}
