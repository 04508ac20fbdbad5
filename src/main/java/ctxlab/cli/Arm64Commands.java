package ctxlab.cli;

import ctxlab.asm.AssemblyCache;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.verify.Arm64Property;
import ctxlab.verify.Arm64Report;
import ctxlab.verify.Arm64Verifier;
import ctxlab.verify.Finding;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
        return input(file, base, symbol, null, options);
    }

    static Input input(java.nio.file.Path file, long base, String symbol, String preferred, AsmOptions options) {
        String name = Common.display(file);
        if (ctxlab.asm.elf.ElfFile.isElf(file)) {
            ctxlab.asm.elf.ElfFile elf = Input.arm64(ctxlab.asm.elf.ElfFile.read(file, name));
            String pick = symbol;
            if (pick == null && preferred != null && ctxlab.asm.elf.ElfInput.defines(elf, preferred)) pick = preferred;
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

    /** {@code verify --arch arm64}: exit 0 pass, 1 violated (or a warning with --strict). */
    static int verify(PrintWriter out, Input input, int iterations, long seed, boolean strict,
                      boolean json) {
        Assembly assembly = input.assembly();
        String symbol = input.symbol();
        assembly.symbol(symbol);
        try (Arm64Verifier verifier = new Arm64Verifier(assembly, input.name(), symbol)) {
            Arm64Report r = verifier.run(iterations, seed);
            if (json) out.println(Common.json(json(r, strict)));
            else text(out, r, strict);
            return r.passed(strict) ? Main.OK : Main.FAILED;
        }
    }

    static Map<String, Object> json(Arm64Report r, boolean strict) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("verdict", r.verdict(strict));
        j.put("arch", "arm64");
        j.put("convention", "cem-arm64");
        j.put("symbol", r.symbol());
        j.put("file", r.file());
        j.put("iterations", r.iterations());
        j.put("seed", r.seed());
        j.put("strict", strict);
        j.put("violations", r.violations().stream().map(v -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("property", v.property().id());
            m.put("detail", v.detail());
            m.put("line", v.line());
            m.put("iteration", v.iteration());
            m.put("counterexample", v.counterexample());
            return m;
        }).toList());
        j.put("findings", r.findings().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", f.id());
            m.put("severity", f.severity().name().toLowerCase(Locale.ROOT));
            m.put("detail", f.detail());
            return m;
        }).toList());
        j.put("codeSize", r.codeSize());
        j.put("instructionCount", r.instructionCount());
        j.put("switchesFpcr", r.switchesFpcr());
        Map<String, Long> executed = new LinkedHashMap<>();
        executed.put("min", r.minExecuted());
        executed.put("max", r.maxExecuted());
        j.put("executedPerSwitch", executed);
        j.put("checksPerSecond", Math.round(r.checksPerSecond()));
        j.put("checkDefinition", CHECK);
        Map<String, Long> ev = new LinkedHashMap<>();
        for (Arm64Property p : Arm64Property.values()) ev.put(p.id(), r.evaluations().getOrDefault(p, 0L));
        j.put("propertyEvaluations", ev);
        j.put("switches", r.switches());
        j.put("elapsedMs", r.nanos() / 1e6);
        return j;
    }

    static void text(PrintWriter out, Arm64Report r, boolean strict) {
        out.printf("verify %s in %s (arm64, AAPCS64, 176-byte Cem context): seed %d, %d random states%n%n", r.symbol(),
                r.file(), r.seed(), r.iterations());
        for (Arm64Property p : Arm64Property.values()) {
            Arm64Report.Violation v = r.violation(p);
            long n = r.evaluations().getOrDefault(p, 0L);
            out.printf("  %-12s %-4s %6d evaluated   %s%n", p.id(), v != null ? "FAIL" : n == 0 ? "-" : "ok", n, p.summary());
        }
        for (Arm64Report.Violation v : r.violations()) {
            out.printf("%n%s violated: %s%n", v.property().id(), v.detail());
            for (String l : v.counterexample().split("\n")) out.println("  " + l);
        }
        out.printf("%nfindings:%n");
        for (Finding f : r.findings()) out.printf("  %-17s %s%n", f.id() + (f.warning() ? "" : " (info)"), f.detail());
        out.printf("%n%d checks in %.1f ms: %,.0f checks/s (a check = %s; %d property evaluations, %d emulated switches)%n",
                r.iterations(), r.nanos() / 1e6, r.checksPerSecond(), CHECK, r.totalEvaluations(), r.switches());
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
        Input input = input(file, ctxlab.trace.Arm64Tracer.CODE, symbol, Arm64Verifier.DEFAULT_SYMBOL, options);
        String routine = input.symbol();
        Assembly assembly = input.assembly();
        assembly.symbol(routine);
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
        List<Map<String, Object>> results = new java.util.ArrayList<>();
        int passed = 0;
        for (ctxlab.vectors.Arm64Vector v : vectors) {
            List<String> diffs = v.run(code, entry, describe);
            if (diffs.isEmpty()) passed++;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", v.name());
            m.put("passed", diffs.isEmpty());
            m.put("diffs", diffs);
            results.add(m);
            if (!json) {
                out.printf("%-4s %s%n", diffs.isEmpty() ? "ok" : "FAIL", v.name());
                for (String d : diffs) out.printf("       %s%n", d);
            }
        }
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("arch", "arm64");
            j.put("total", vectors.size());
            j.put("passed", passed);
            j.put("failed", vectors.size() - passed);
            j.put("results", results);
            out.println(Common.json(j));
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
