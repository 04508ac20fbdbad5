package ctxlab.cli;

import ctxlab.abi.Arch;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.AssemblyCache;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.verify.Arm64Property;
import ctxlab.verify.Arm64Report;
import ctxlab.verify.Arm64Verifier;
import ctxlab.verify.AutoDetect;
import ctxlab.verify.ConventionVerifier;
import ctxlab.verify.Finding;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** The AArch64 side of the commands, so that each command only branches on {@code --arch}. */
final class Arm64Commands {
    private Arm64Commands() {}

    static final String CHECK = "one random machine state run through two switches (A -> B, then B -> A)"
            + " and held against all 9 AAPCS64 properties";

    /**
     * The AArch64 routine's source: a {@code .S} file (or any with {@code --cpp}) through the C
     * preprocessor with AArch64's predefined macros, keeping its line markers so that every
     * {@code file:line} points into the original. An ELF file is not a source: see {@link #input}.
     */
    static SourceFile source(java.nio.file.Path file, AsmOptions options) {
        String name = Common.display(file);
        if (ctxlab.asm.elf.ElfFile.isElf(file)) {
            throw new IllegalArgumentException(name + ": an ELF file, where this needs the GNU-as source");
        }
        ctxlab.asm.SourceOptions o = options != null ? options.options() : ctxlab.asm.SourceOptions.DEFAULT;
        return new SourceFile(name, SourceFile.read(file, o, ctxlab.asm.Preprocessor.Target.AARCH64).text());
    }

    /**
     * An AArch64 routine as a command's {@link Input}: a GNU-as source assembled at {@code base}
     * (through the cache), or the routine of an AArch64 ELF object, shared library or executable
     * ({@code symbol}, or the file's only function, or {@code preferred} when the file defines it).
     */
    static Input input(java.nio.file.Path file, long base, String symbol, AsmOptions options) {
        return input(file, base, symbol, (String) null, options);
    }

    static Input input(java.nio.file.Path file, long base, String symbol, String preferred, AsmOptions options) {
        return input(file, base, symbol, preferred == null ? List.<String>of() : List.of(preferred), options);
    }

    /** As above; an ELF file's routine is the first of {@code preferredNames} it defines (the conventions' routines). */
    static Input input(java.nio.file.Path file, long base, String symbol, List<String> preferredNames, AsmOptions options) {
        String name = Common.display(file);
        String preferred = preferredNames.isEmpty() ? null : preferredNames.get(0);
        if (ctxlab.asm.elf.ElfFile.isElf(file)) {
            ctxlab.asm.elf.ElfFile elf = Input.arm64(ctxlab.asm.elf.ElfFile.read(file, name));
            String pick = symbol;
            for (String p : preferredNames) {
                if (pick != null) break;
                if (ctxlab.asm.elf.ElfInput.defines(elf, p)) pick = p;
            }
            ctxlab.asm.elf.ElfInput.Routine r = ctxlab.asm.elf.ElfInput.load(elf, pick, symbol != null, base);
            return new Input(r.assembly(), name, r.symbol(), Map.of(), elf.typeName());
        }
        SourceFile source = source(file, options);
        Assembly a = AssemblyCache.assembleArm64(List.of(source), base);
        boolean preprocessed = options != null ? options.options().preprocesses(file.toString())
                : ctxlab.asm.SourceOptions.DEFAULT.preprocesses(file.toString());
        // The source view shows the file as written, not the preprocessor's output.
        String shown = preprocessed ? SourceFile.readRaw(file) : source.text();
        return new Input(a, name, symbol != null ? symbol : preferred, Map.of(name, shown), Input.SOURCE);
    }

    /** What {@code verify --arch arm64} was asked. */
    record VerifyRequest(java.nio.file.Path file, AsmOptions options, String symbol, boolean symbolGiven, String convention,
                         String makerSpec, int iterations, long seed, Integer threads, boolean strict, boolean json) {}

    /**
     * {@code verify --arch arm64}: exit 0 pass, 1 violated (or a warning with --strict), 2 bad input
     * or, under auto, no arm64 convention fits. The convention is chosen as on x86-64, among the
     * arm64 ones: {@code --convention NAME|PATH|auto}, else a {@code // convention: NAME} line, else
     * the one whose routine the symbol names, else auto.
     */
    static int verify(PrintWriter out, PrintWriter err, VerifyRequest q) {
        boolean auto = "auto".equals(q.convention());
        Convention explicit = q.convention() != null && !auto ? Conventions.resolve(q.convention()) : null;
        // A GNU-as source (.s, or .S through cpp) or an AArch64 ELF file, whose routine without --symbol
        // is the first of these it defines.
        List<String> wanted = new java.util.ArrayList<>();
        if (explicit == null) wanted.add(q.symbol());
        wanted.addAll(explicit != null ? explicit.symbols()
                : Conventions.of(Arch.ARM64).stream().flatMap(c -> c.symbols().stream()).toList());
        Input source = input(q.file(), Arm64Verifier.CODE_BASE, q.symbolGiven() ? q.symbol() : null, wanted, q.options());
        Assembly assembly = source.assembly();
        if (explicit != null) requireArm64(explicit, source.name(), "--convention " + q.convention());
        String symbol = source.elf() ? source.symbol() : routine(assembly, q, explicit);
        assembly.symbol(symbol);   // "no symbol 'x' (global symbols: ...)" before any emulation
        Convention chosen = explicit;
        String how = explicit != null ? "--convention" : null;
        if (chosen == null && !auto) {
            chosen = ConventionChoice.named(source, Arch.ARM64).orElse(null);
            if (chosen != null) {
                how = "named in the file";
            } else {
                chosen = Conventions.bySymbol(symbol, Arch.ARM64).orElse(null);
                how = chosen != null ? "symbol " + symbol : null;
            }
        }
        ConventionVerifier.MakerCode maker = q.makerSpec() != null ? ConventionChoice.makerArm64(q.makerSpec(), q.options()) : null;
        int threads = Math.min(q.threads() != null ? q.threads()
                : q.iterations() >= VerifyCommand.THREADED_FROM ? Runtime.getRuntime().availableProcessors() : 1, q.iterations());
        List<AutoDetect.Tried64> tried = null;
        if (chosen == null) {
            tried = AutoDetect.runArm64(Conventions.of(Arch.ARM64), assembly, source.name(), symbol, maker, q.iterations(),
                    q.seed(), threads);
            List<AutoDetect.Tried64> fit = tried.stream().filter(AutoDetect.Tried64::fits).toList();
            if (fit.size() != 1) return noFit(out, err, q, source.name(), symbol, tried, fit);
            chosen = fit.get(0).convention();
            how = "auto";
        }
        try (Arm64Verifier verifier = new Arm64Verifier(chosen, assembly, source.name(), symbol, maker)) {
            Arm64Report r = verifier.run(q.iterations(), q.seed(), threads);
            String makerText = maker != null ? maker.symbol() + " (" + maker.file() + ")" : null;
            if (q.json()) {
                out.println(Common.json(VerifyJson.Arm64.of(r, q.strict(), CHECK, threads, chosen.name(), how,
                        chosen.source().startsWith("conventions/") ? null : chosen.source(), makerText, verifier.freshSource(),
                        tried != null ? VerifyJson.Tried.ofArm64(tried) : null)));
            } else {
                text(out, r, q.strict(), chosen, how, verifier.freshSource(), tried, threads);
            }
            return r.passed(q.strict()) ? Main.OK : Main.FAILED;
        }
    }

    /** A convention of another architecture: one line, exit 2. */
    private static void requireArm64(Convention c, String file, String what) {
        if (c.arch() != Arch.ARM64) {
            throw new IllegalArgumentException(file + " is an arm64 routine, but " + what + " names " + c.name() + ", an "
                    + c.arch().id() + " convention (arm64 conventions: " + String.join(", ", Conventions.of(Arch.ARM64).stream()
                    .map(Convention::name).toList()) + ")");
        }
    }

    /**
     * The routine: {@code --symbol}; else cem_swapcontext when the file defines it; else the first
     * routine of the chosen (or, without one, any arm64) convention the file defines; else the file's
     * only symbol.
     */
    private static String routine(Assembly a, VerifyRequest q, Convention explicit) {
        if (q.symbolGiven()) return q.symbol();
        Map<String, ?> defined = a.symbols();
        if (explicit == null && defined.containsKey(q.symbol())) return q.symbol();
        List<String> wanted = explicit != null ? explicit.symbols()
                : Conventions.of(Arch.ARM64).stream().flatMap(c -> c.symbols().stream()).toList();
        for (String s : wanted) if (defined.containsKey(s)) return s;
        if (defined.containsKey(q.symbol())) return q.symbol();
        return defined.size() == 1 ? defined.keySet().iterator().next() : q.symbol();
    }

    /** Auto found none (or several): exit 2, naming the closest. */
    private static int noFit(PrintWriter out, PrintWriter err, VerifyRequest q, String file, String symbol,
                             List<AutoDetect.Tried64> tried, List<AutoDetect.Tried64> fit) {
        String message;
        if (fit.isEmpty()) {
            AutoDetect.Tried64 c = AutoDetect.closest(tried);
            message = "no known arm64 convention fits " + symbol + "; closest: " + c.convention().name() + " (violates: "
                    + String.join(", ", c.report().violations().stream().map(v -> v.property().id()).toList())
                    + "); describe yours with --convention FILE";
        } else {
            message = symbol + " fits several conventions (" + String.join(", ", fit.stream().map(t -> t.convention().name()).toList())
                    + "): choose one with --convention";
        }
        if (q.json()) {
            out.println(Common.json(new VerifyJson.NoFit(fit.isEmpty() ? "no-convention" : "ambiguous", symbol, file, q.seed(),
                    message, VerifyJson.Tried.ofArm64(tried))));
        }
        err.println("ctxlab: " + message);
        return Main.BAD_INPUT;
    }

    static void text(PrintWriter out, Arm64Report r, boolean strict, Convention c, String how, String fresh,
                     List<AutoDetect.Tried64> tried, int threads) {
        out.printf("verify %s in %s (arm64, AAPCS64, %s, %d-byte %s): seed %d, %d random states%n", r.symbol(), r.file(), c.name(),
                c.storage().size(), c.storage().kind() == Convention.StorageKind.FRAME ? "frame" : "context", r.seed(), r.iterations());
        out.printf("convention %s (%s; %s)%n", c.name(), c.runtime() != null ? c.runtime() : c.source(), how);
        if (tried != null) {
            out.printf("  auto: %s%n", String.join("; ", tried.stream().map(t -> t.convention().name() + " "
                    + (t.fits() ? "fits" : "violates " + String.join(" ", t.report().violations().stream().map(v -> v.property().id()).toList())))
                    .toList()));
        }
        if (fresh != null) out.printf("  fresh contexts: %s%n", fresh);
        out.println();
        for (Arm64Property p : Arm64Property.values()) {
            Arm64Report.Violation v = r.violation(p);
            long n = r.evaluations().getOrDefault(p, 0L);
            out.printf("  %-12s %-4s %6d evaluated   %s%n", p.id(), v != null ? "FAIL" : n == 0 ? "-" : "ok", n,
                    Arm64Verifier.summary(p, c));
        }
        for (Arm64Report.Violation v : r.violations()) {
            out.printf("%n%s violated: %s%n", v.property().id(), v.detail());
            for (String l : v.counterexample().split("\n")) out.println("  " + l);
        }
        out.printf("%nfindings:%n");
        for (Finding f : r.findings()) out.printf("  %-17s %s%n", f.id() + (f.warning() ? "" : " (info)"), f.detail());
        out.printf("%n%d checks in %.1f ms on %d thread%s: %,.0f checks/s (a check = %s; %d property evaluations, %d emulated"
                        + " switches)%n", r.iterations(), r.nanos() / 1e6, threads, threads == 1 ? "" : "s", r.checksPerSecond(), CHECK,
                r.totalEvaluations(), r.switches());
        boolean passed = r.passed(strict);
        out.printf("verdict: %s%s%n", passed ? "PASS" : "FAIL", !r.violations().isEmpty()
                ? " (" + String.join(", ", r.violations().stream().map(v -> v.property().id()).toList()) + "); reproduce with --seed " + r.seed()
                : passed ? "" : " (--strict: warnings " + String.join(", ", r.findings().stream().filter(Finding::warning)
                .map(Finding::id).toList()) + ")");
    }

    /** {@code selftest --arch arm64}: the six scenarios in Unicorn with the AArch64 strand bodies. */
    static List<ctxlab.selftest.Outcome> selftest(java.nio.file.Path file, AsmOptions options) {
        // The routine: preprocessed with AArch64's macros, or an ELF file's routine as the words it is.
        SourceFile routine = ctxlab.asm.elf.ElfFile.isElf(file)
                ? ElfWords.source(input(file, ctxlab.selftest.Arm64Selftest.CODE_BASE, null, Arm64Verifier.DEFAULT_SYMBOL, options))
                : source(file, options);
        var sources = ctxlab.selftest.Arm64Selftest.sources(Common.root(), routine, Common::display);
        return ctxlab.selftest.Arm64Selftest.run(ctxlab.selftest.Arm64Selftest.assemble(sources));
    }

    /** {@code trace --arch arm64}: main -> a fresh strand, every instruction; text or JSON. */
    static int trace(PrintWriter out, PrintWriter err, java.nio.file.Path file, String symbol, String format,
                     java.nio.file.Path outFile, long maxSteps, AsmOptions options) throws java.io.IOException {
        return trace(out, err, file, symbol, format, outFile, maxSteps, options, null, null);
    }

    /**
     * {@code trace --arch arm64 [--convention NAME|PATH|auto] [--maker FILE:SYMBOL]}: the convention
     * chosen as verify chooses it (--convention; else the file's {@code // convention:} line; else
     * the symbol's; else Cem's). Cem's convention without --maker is Cem's own trace, unchanged;
     * any other is main -> a fresh strand -> main under it ({@link ctxlab.trace.Arm64ConventionTracer}).
     */
    static int trace(PrintWriter out, PrintWriter err, java.nio.file.Path file, String symbol, String format,
                     java.nio.file.Path outFile, long maxSteps, AsmOptions options, String convention, String makerSpec)
            throws java.io.IOException {
        boolean auto = "auto".equals(convention);
        Convention explicit = convention != null && !auto ? Conventions.resolve(convention) : null;
        List<String> wanted = new java.util.ArrayList<>();
        if (explicit == null) wanted.add(Arm64Verifier.DEFAULT_SYMBOL);
        wanted.addAll(explicit != null ? explicit.symbols()
                : Conventions.of(Arch.ARM64).stream().flatMap(c -> c.symbols().stream()).toList());
        Input input = input(file, ctxlab.trace.Arm64Tracer.CODE, symbol, wanted, options);
        if (explicit != null) requireArm64(explicit, input.name(), "--convention " + convention);
        String routine = input.symbol();
        Assembly assembly = input.assembly();
        if (!input.elf() && symbol == null) {
            VerifyRequest q = new VerifyRequest(file, options, Arm64Verifier.DEFAULT_SYMBOL, false, convention, makerSpec, 1, 1,
                    1, false, false);
            routine = routine(assembly, q, explicit);
        }
        assembly.symbol(routine);
        ConventionVerifier.MakerCode maker = makerSpec != null ? ConventionChoice.makerArm64(makerSpec, options) : null;
        Convention chosen = explicit;
        if (chosen == null && !auto) {
            chosen = ConventionChoice.named(input, Arch.ARM64).orElse(null);
            if (chosen == null) chosen = Conventions.bySymbol(routine, Arch.ARM64).orElse(null);
        }
        if (auto) {
            List<AutoDetect.Tried64> tried = AutoDetect.runArm64(Conventions.of(Arch.ARM64), assembly, input.name(), routine, maker,
                    TraceCommand.AUTO_ITERATIONS, 1, 1);
            List<AutoDetect.Tried64> fit = tried.stream().filter(AutoDetect.Tried64::fits).toList();
            if (fit.size() != 1) {
                String message;
                if (fit.isEmpty()) {
                    AutoDetect.Tried64 c = AutoDetect.closest(tried);
                    message = "no known arm64 convention fits " + routine + "; closest: " + c.convention().name() + " (violates: "
                            + String.join(", ", c.report().violations().stream().map(v -> v.property().id()).toList())
                            + "); describe yours with --convention FILE, or name one to trace it under it";
                } else {
                    message = routine + " fits several conventions (" + String.join(", ", fit.stream()
                            .map(t -> t.convention().name()).toList()) + "): choose one with --convention";
                }
                err.println("ctxlab: trace: " + message);
                return Main.BAD_INPUT;
            }
            chosen = fit.get(0).convention();
        }
        if ((chosen == null || chosen.name().equals(Conventions.DEFAULT_ARM64) && chosen.source().startsWith("conventions/"))
                && maker == null) {
            return cemTrace(out, err, input, routine, assembly, format, outFile, maxSteps);   // Cem's own trace, as always
        }
        if (chosen == null) chosen = Conventions.resolve(Conventions.DEFAULT_ARM64);
        var r = ctxlab.trace.Arm64ConventionTracer.trace(chosen, assembly, input.name(), routine, maker, maxSteps);
        String text = switch (format) {
            case "json" -> Common.json(ctxlab.trace.Arm64ConventionTracer.json(r)) + "\n";
            case "html" -> ctxlab.trace.Arm64Html.page(r, assembly, input.sources());
            default -> ctxlab.trace.Arm64ConventionTracer.text(r);
        };
        write(out, text, outFile, r.trace());
        if (!r.trace().arrived()) {
            err.println("ctxlab: trace failed: " + r.trace().end());
            return Main.FAILED;
        }
        if (!r.right()) {
            for (var s : r.switches()) {
                for (var c : s.checks()) {
                    if (!c.ok()) err.println("ctxlab: trace: switch " + s.number() + " arrived wrong: ✗ " + c.text());
                }
            }
            return Main.FAILED;
        }
        return Main.OK;
    }

    private static void write(PrintWriter out, String text, java.nio.file.Path outFile, ctxlab.trace.Arm64Tracer.Result r)
            throws java.io.IOException {
        if (outFile != null) {
            if (outFile.getParent() != null) java.nio.file.Files.createDirectories(outFile.getParent());
            java.nio.file.Files.writeString(outFile, text);
            out.printf("wrote %s: %d steps, %s%n", Common.display(outFile), r.steps().size(), r.end());
        } else {
            out.print(text);
            out.flush();
        }
    }

    private static int cemTrace(PrintWriter out, PrintWriter err, Input input, String routine, Assembly assembly, String format,
                                java.nio.file.Path outFile, long maxSteps) throws java.io.IOException {
        var r = ctxlab.trace.Arm64Tracer.trace(assembly, input.name(), routine, maxSteps);
        String text = switch (format) {
            case "json" -> Common.json(ctxlab.trace.Arm64Tracer.json(r)) + "\n";
            case "html" -> ctxlab.trace.Arm64Html.page(r, assembly, input.sources());
            default -> ctxlab.trace.Arm64Tracer.text(r);
        };
        if (outFile != null) {
            if (outFile.getParent() != null) java.nio.file.Files.createDirectories(outFile.getParent());
            java.nio.file.Files.writeString(outFile, text);
            out.printf("wrote %s: %d steps, %s%n", Common.display(outFile), r.steps().size(), r.end());
        } else {
            out.print(text);
            out.flush();
        }
        if (!r.arrived()) {
            err.println("ctxlab: trace failed: " + r.end());
            return Main.FAILED;
        }
        if (!r.right()) {
            for (var s : r.switches()) {
                for (var c : s.checks()) {
                    if (!c.ok()) err.println("ctxlab: trace: switch " + s.number() + " arrived wrong: ✗ " + c.text());
                }
            }
            return Main.FAILED;
        }
        return Main.OK;
    }

    /** {@code vectors --arch arm64}: testvectors-arm64/ (or the given files) against the routine. */
    static int vectors(PrintWriter out, PrintWriter err, List<java.nio.file.Path> paths, java.nio.file.Path asm, boolean json,
                       AsmOptions options) {
        return vectors(out, err, paths, asm, json, options, null);
    }

    /** @param qemu when not null, {@code --qemu}: each vector also under qemu-aarch64, with this limit per run */
    static int vectors(PrintWriter out, PrintWriter err, List<java.nio.file.Path> paths, java.nio.file.Path asm, boolean json,
                       AsmOptions options, java.time.Duration qemu) {
        List<java.nio.file.Path> where = paths.isEmpty() ? List.of(Common.root().resolve("testvectors-arm64")) : paths;
        List<java.nio.file.Path> files = new java.util.ArrayList<>();
        for (java.nio.file.Path p : where) {
            if (java.nio.file.Files.isDirectory(p)) {
                try (var s = java.nio.file.Files.list(p)) {
                    s.filter(f -> f.toString().endsWith(".json")).sorted().forEach(files::add);
                } catch (java.io.IOException e) {
                    err.println("ctxlab: cannot read " + Common.display(p) + ": " + e.getMessage());
                    return Main.BAD_INPUT;
                }
            } else if (java.nio.file.Files.isRegularFile(p)) {
                files.add(p);
            } else {
                err.println("ctxlab: " + Common.display(p) + ": no such file or folder");
                return Main.BAD_INPUT;
            }
        }
        if (files.isEmpty()) {
            err.println("ctxlab: no vector files (*.json) in " + String.join(", ", where.stream().map(Common::display).toList()));
            return Main.BAD_INPUT;
        }
        List<ctxlab.vectors.Arm64Vector> vectors = new java.util.ArrayList<>();
        for (java.nio.file.Path f : files) vectors.add(ctxlab.vectors.Arm64Vector.read(f));   // malformed: exit 2 before running
        java.nio.file.Path routine = asm != null ? asm : Common.root().resolve("asm/context_arm64.s");
        Input in = input(routine, 0x40_0000L, null, Arm64Verifier.DEFAULT_SYMBOL, options);
        Assembly a = in.assembly();
        long entry = a.address(in.symbol());
        if (qemu != null) {
            // qemu's program is GNU as's assembly of the source (a .S preprocessed with AArch64's macros)
            SourceFile src = source(routine, options);
            List<ctxlab.qemu.QemuVectors.Input> inputs = new java.util.ArrayList<>();
            for (int i = 0; i < files.size(); i++) inputs.add(new ctxlab.qemu.QemuVectors.Input(vectors.get(i), Common.display(files.get(i))));
            try {
                var r = ctxlab.qemu.QemuVectors.run(inputs, src.name(), src.text(), a, in.symbol(), qemu);
                if (json) out.println(Common.json(r.json()));
                else r.print(out);
                return r.exit();
            } catch (ctxlab.qemu.QemuUnavailableException | ctxlab.qemu.QemuException e) {
                err.println("ctxlab: " + e.getMessage());
                return Main.BAD_INPUT;
            }
        }
        // The vectors' fault pcs are written for a routine at the start of the code: a routine further
        // in (an ELF file's, after its padding and neighbours) runs from its own first byte there.
        long skip = entry - a.base();
        byte[] code = java.util.Arrays.copyOfRange(a.code(), (int) skip, a.size());
        java.util.function.LongFunction<String> describe = addr -> a.describe(addr + skip);
        entry = a.base();
        List<VectorsJson.Arm64Result> results = new java.util.ArrayList<>();
        int passed = 0;
        for (ctxlab.vectors.Arm64Vector v : vectors) {
            List<String> diffs = v.run(code, entry, describe);
            if (diffs.isEmpty()) passed++;
            results.add(new VectorsJson.Arm64Result(v.name(), diffs.isEmpty(), diffs));
            if (!json) {
                out.printf("%-4s %s%n", diffs.isEmpty() ? "ok" : "FAIL", v.name());
                for (String d : diffs) out.printf("       %s%n", d);
            }
        }
        if (json) {
            out.println(Common.json(new VectorsJson<>("arm64", vectors.size(), passed, vectors.size() - passed, results, null)));
        } else {
            out.printf("%n%d passed, %d failed%n", passed, vectors.size() - passed);
        }
        return passed == vectors.size() ? Main.OK : Main.FAILED;
    }

    /** Host commands cannot run AArch64 code on this CPU: one line, exit 2. */
    static int nativeUnavailable(PrintWriter err, String command) {
        String cpu = System.getProperty("os.arch");
        if (cpu.equals("aarch64")) {
            err.println("ctxlab: " + command + " --arch arm64: the native AArch64 path is not implemented yet on this"
                    + " aarch64 host; the emulated commands (verify, selftest, assemble) work");
        } else {
            err.println("ctxlab: " + command + " --arch arm64 runs AArch64 code natively, but this host is " + cpu
                    + "; use the emulated commands (verify, selftest) instead");
        }
        return Main.BAD_INPUT;
    }

    static List<String> archIds() {
        return List.of("x86-64", "arm64");
    }
}
