package ctxlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.asm.SourceFile;
import ctxlab.emu.Machine;
import ctxlab.host.HostVectors;
import ctxlab.vectors.Corpus;
import ctxlab.vectors.Linked;
import ctxlab.vectors.Observed;
import ctxlab.vectors.Outcome;
import ctxlab.vectors.Comparison;
import ctxlab.vectors.Recorder;
import ctxlab.vectors.UnicornRunner;
import ctxlab.vectors.Vector;
import ctxlab.vectors.VectorException;
import ctxlab.vectors.VectorParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "vectors", mixinStandardHelpOptions = true,
        description = {"Run the test vectors: exact machine states before and after one call of the switch routine.",
                "Every file is read and checked before anything runs; each vector runs on a fresh Unicorn machine.",
                "With --record, write the expect block of each FILE from the current behaviour, for review.",
                "With --host, vectors safe on real hardware also run on this CPU and must equal Unicorn bit for bit.",
                "With --qemu (arm64), every vector also runs under qemu-aarch64 and must equal Unicorn bit for bit."},
        footer = {"", "Exit codes: 0 all passed (or recorded); 1 a vector failed, or --record",
                "refused to overwrite; with --host also a host/Unicorn mismatch, a crash, or a routine",
                "refused for failing emulated verification;",
                "2 a file is malformed or cannot be assembled, or --host on a host other than x86-64 Linux,",
                "or --qemu without qemu-aarch64 (qemu-user) or aarch64-linux-gnu-as/-ld (binutils-aarch64-linux-gnu)."})
final class VectorsCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "PATH", description = "vector files or folders (default: testvectors/)")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--asm", paramLabel = "FILE", description = "run the vectors against this switch routine instead of each vector's"
            + " source: a GNU-as source or an ELF file (.o, .so, executable; not with --host, which needs the source)")
    Path asm;

    @Option(names = "--host", description = "also run every vector safe on real hardware on this CPU (x86-64 Linux), in a "
            + "crash-isolated child JVM, and compare registers and memory with Unicorn bit for bit")
    boolean host;

    @Option(names = "--qemu", description = "arm64: also run every vector under qemu-aarch64 (Debian qemu-user) as a static "
            + "program built with aarch64-linux-gnu-as/-ld, and compare it with Unicorn and the expectations bit for bit")
    boolean qemu;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Option(names = "--record", description = "write each FILE's expect block from the current behaviour (files must be given)")
    boolean record;

    @Option(names = "--force", description = "with --record: replace an existing expect block")
    boolean force;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "kill the native child (--host) after SECONDS (default: ${DEFAULT-VALUE}, at most 3600); with --qemu: each qemu run (default: 5)")
    long timeout = 60;

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

    @picocli.CommandLine.Mixin
    AsmOptions asmOptions = new AsmOptions();

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        // --qemu alone means the arm64 corpus: qemu-aarch64 runs nothing else.
        if (arch.arch == ArchOption.Arch.ARM64 || arch.arch == null && !paths.isEmpty()
                && paths.stream().allMatch(ArchOption::inArm64Vectors) || arch.arch == null && qemu && paths.isEmpty()
                || arch.arch == null && paths.isEmpty() && asm != null && ArchOption.infer(asm) == ArchOption.Arch.ARM64) {
            if (host) return Arm64Commands.nativeUnavailable(err, "vectors --host");
            if (record) return usage(err, "--record is not available for arm64 (its vectors are derived by testvectors-arm64/README.md's model)");
            if (!qemu) return Arm64Commands.vectors(out, err, paths, asm, json, asmOptions);
            if (asm != null && arch.arch == null && ArchOption.infer(asm) == ArchOption.Arch.X86_64) {
                return usage(err, "--qemu runs the arm64 vectors, but " + Common.display(asm) + " is an x86-64 routine"
                        + " (x86-64 vectors run natively with --host)");
            }
            // Per qemu run, not per command: a routine that spins costs this much per vector.
            boolean given = spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption("--timeout");
            return Arm64Commands.vectors(out, err, paths, asm, json, asmOptions,
                    given ? Common.timeout(timeout) : ctxlab.qemu.QemuVectors.DEFAULT_TIMEOUT);
        }
        if (qemu) return usage(err, "--qemu runs the arm64 vectors (--arch arm64, or files in testvectors-arm64); x86-64 vectors run natively with --host");
        if (force && !record) return usage(err, "--force only goes with --record");
        if (record && json) return usage(err, "--json is not available with --record");
        if (record && paths.isEmpty()) return usage(err, "--record needs the FILE… to record into");
        if (record && host) return usage(err, "--host is not available with --record");
        if (host) Common.timeout(timeout);   // checked before any work
        if (host) ctxlab.host.Host.require();
        if (record && asm != null) return usage(err, "--asm is not available with --record (recordings describe the vector's own source)");
        List<Path> where = paths.isEmpty() ? List.of(Common.root().resolve(Corpus.DIR)) : paths;
        List<Corpus.Entry> entries = Corpus.find(where);
        if (entries.isEmpty()) {
            err.println("ctxlab: no vector files (*.json) in " + String.join(", ", where.stream().map(Common::display).toList()));
            return Main.BAD_INPUT;
        }
        if (asmOptions.given() && asm == null) return usage(err, "--cpp, -D, -U and -I apply to --asm FILE");
        if (asmOptions.given() && host) return usage(err, "--cpp, -D, -U and -I are not available with --host yet");
        if (host && asm != null) ctxlab.host.HostSources.requireSource(asm);   // before any vector is read
        UnicornRunner runner = asm != null && ctxlab.asm.elf.ElfFile.isElf(asm) ? new UnicornRunner(Common.root(), elfRoutine(asm))
                : new UnicornRunner(Common.root(), asm, asmOptions.options());
        if (asm != null) {
            // The corpus holds vectors of several conventions: --asm replaces the routine of those
            // whose routine (symbol) it defines; the others are not its to answer for.
            java.util.Set<String> defined = runner.routineSymbols();
            List<Corpus.Entry> mine = new ArrayList<>();
            java.util.TreeSet<String> others = new java.util.TreeSet<>();
            for (Corpus.Entry e : entries) {
                Vector v;
                try {
                    v = e.read();
                } catch (VectorException ex) {
                    mine.add(e);           // reported as malformed when linked
                    continue;
                }
                if (defined.contains(v.symbol())) mine.add(e);
                else others.add(v.symbol() + " (" + v.convention().name() + ")");
            }
            if (mine.isEmpty()) {
                err.println("ctxlab: " + Common.display(asm) + " defines none of the routines these vectors test: "
                        + String.join(", ", others));
                return Main.BAD_INPUT;
            }
            if (!others.isEmpty() && !json) {
                err.printf("ctxlab: %d vector(s) skipped: %s does not define their routine (%s)%n", entries.size() - mine.size(),
                        Common.display(asm), String.join(", ", others));
            }
            entries = mine;
        }
        if (asm != null && !record) entries = applicable(entries, err);
        if (host) return host(entries, runner, out, err);
        return record ? record(entries, runner, out, err) : run(entries, runner, out, err);
    }

    /**
     * An x86-64 ELF file's code as the source the vectors' units start with: cem_swapcontext, else
     * the first known routine it defines, else its only function; its other global routines keep
     * their names, so that every vector of a routine the file defines runs.
     */
    private SourceFile elfRoutine(Path file) {
        Input in = Input.loadPreferring(file, UnicornRunner.CODE_BASE, null, ctxlab.selftest.Selftest.SWITCH,
                () -> ctxlab.abi.Conventions.of(ctxlab.abi.Arch.X86_64).stream().flatMap(c -> c.symbols().stream()).toList(),
                asmOptions.options());
        return ElfWords.x86(in);
    }

    /**
     * With {@code --asm}: the vectors whose point is the seed routine's exact instruction count (an
     * explicit {@code call.budget}: "budget-exactly-17", "fault-budget-16") say nothing about another
     * implementation, which has its own count; they are left out, and named.
     */
    private static List<Corpus.Entry> applicable(List<Corpus.Entry> entries, PrintWriter err) {
        List<Corpus.Entry> kept = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Corpus.Entry e : entries) {
            Vector v;
            try {
                v = e.read();
            } catch (VectorException ex) {
                kept.add(e); // reported as malformed where it is run
                continue;
            }
            if (v.call().budget() != Vector.DEFAULT_BUDGET) skipped.add(v.name());
            else kept.add(e);
        }
        if (!skipped.isEmpty()) {
            err.println("ctxlab: --asm: skipping " + skipped.size() + " vector(s) that pin the seed routine's instruction count: "
                    + String.join(", ", skipped));
        }
        return kept;
    }

    private static int usage(PrintWriter err, String message) {
        err.println("ctxlab: " + message);
        err.println("Try 'ctxlab vectors --help'.");
        return Main.BAD_INPUT;
    }

    // ---------------------------------------------------------------- --host

    private int host(List<Corpus.Entry> entries, UnicornRunner runner, PrintWriter out, PrintWriter err) {
        // Malformed files are exit 2 before any child starts, as without --host.
        List<String> problems = new ArrayList<>();
        List<Vector> vectors = new ArrayList<>();
        for (Corpus.Entry e : entries) {
            try {
                vectors.add(runner.link(e.read()).vector());
            } catch (VectorException ex) {
                problems.add(ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            for (String p : problems) err.println("ctxlab: " + p);
            return Main.BAD_INPUT;
        }
        HostVectors.Report r = HostVectors.run(Common.root(), vectors, asm, Common.timeout(timeout));
        if (json) out.println(Common.json(r.json()));
        else HostVectors.print(r, out);
        return r.exit();
    }

    // ---------------------------------------------------------------- running

    private int run(List<Corpus.Entry> entries, UnicornRunner runner, PrintWriter out, PrintWriter err) {
        // Read and link everything first: a malformed file is exit 2, whatever the others do.
        List<String> problems = new ArrayList<>();
        List<Linked> linked = new ArrayList<>();
        for (Corpus.Entry e : entries) {
            try {
                linked.add(runner.link(e.read()));
            } catch (VectorException ex) {
                problems.add(ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            for (String p : problems) err.println("ctxlab: " + p);
            return Main.BAD_INPUT;
        }
        List<Outcome> outcomes = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        long start = System.nanoTime();
        for (Linked l : linked) {
            long t0 = System.nanoTime();
            Observed o = runner.execute(l);
            outcomes.add(new Outcome(l.vector(), l, o, Comparison.diffs(l, o)));
            times.add((System.nanoTime() - t0) / 1e6);
        }
        double totalMs = (System.nanoTime() - start) / 1e6;
        long passed = outcomes.stream().filter(Outcome::passed).count();
        long failed = outcomes.size() - passed;
        if (json) {
            List<VectorsJson.Result> results = java.util.stream.IntStream.range(0, outcomes.size()).mapToObj(i -> {
                Outcome o = outcomes.get(i);
                return new VectorsJson.Result(o.name(), o.passed(), o.diffs(), o.vector().display(), o.vector().convention().name(),
                        o.observed().fault() == null ? o.observed().instructions() : null,
                        o.observed().fault() == null ? null : o.observed().fault().label, o.vector().hardwareSafe(), times.get(i));
            }).toList();
            out.println(Common.json(new VectorsJson<>(null, outcomes.size(), passed, failed, results, totalMs)));
            return failed == 0 ? Main.OK : Main.FAILED;
        }
        out.printf("%d vectors in Unicorn %s%n%n", outcomes.size(), Machine.unicornVersion());
        int width = Math.max(30, outcomes.stream().mapToInt(o -> o.name().length()).max().orElse(0));
        out.printf("%-" + width + "s  %-6s  %s%n", "vector", "result", "instructions");
        for (Outcome o : outcomes) {
            Observed ob = o.observed();
            String count = ob.fault() != null ? "fault: " + ob.fault().label : String.valueOf(ob.instructions());
            out.printf("%-" + width + "s  %-6s  %s%n", o.name(), o.passed() ? "PASS" : "FAIL", count);
        }
        for (Outcome o : outcomes) {
            if (o.passed()) continue;
            out.printf("%nFAIL %s (%s)%n", o.name(), o.vector().display());
            for (String d : o.diffs()) out.println("  " + d);
        }
        // The first run also pays for loading Unicorn (~0.5 s): the time is for the whole batch.
        out.printf("%n%d passed, %d failed (%.0f ms, each on a fresh machine)%n", passed, failed, totalMs);
        return failed == 0 ? Main.OK : Main.FAILED;
    }

    // ---------------------------------------------------------------- recording

    private int record(List<Corpus.Entry> entries, UnicornRunner runner, PrintWriter out, PrintWriter err) {
        // All files must be readable and link before any is written.
        List<String> problems = new ArrayList<>();
        List<JsonNode> trees = new ArrayList<>();
        List<Linked> linked = new ArrayList<>();
        for (Corpus.Entry e : entries) {
            try {
                JsonNode tree = VectorParser.tree(read(e), e.display());
                Vector v = VectorParser.parse(tree, e.file(), e.display(), e.id());
                linked.add(runner.link(v));
                trees.add(tree);
            } catch (VectorException ex) {
                problems.add(ex.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            for (String p : problems) err.println("ctxlab: " + p);
            return Main.BAD_INPUT;
        }
        int status = Main.OK;
        for (int i = 0; i < entries.size(); i++) {
            Corpus.Entry e = entries.get(i);
            Linked l = linked.get(i);
            Observed o = runner.execute(l);
            List<String> diffs = l.expect() == null ? List.of() : Comparison.diffs(l, o);
            if (l.expect() != null && !force) {
                if (diffs.isEmpty()) {
                    out.printf("%s: the expect block matches the current behaviour; not rewritten%n", e.display());
                } else {
                    out.printf("%s: the current behaviour differs from the expect block:%n", e.display());
                    for (String d : diffs) out.println("  " + d);
                    out.printf("%s: not overwritten (use --force to replace the expect block)%n", e.display());
                    status = Main.FAILED;
                }
                continue;
            }
            ObjectNode expect = Recorder.expect(l, o);
            String text = Recorder.withExpect(trees.get(i), expect);
            // The recording must pass when read back, or it is not written.
            Vector again = VectorParser.parse(VectorParser.tree(text, e.display()), e.file(), e.display(), e.id());
            Outcome check = runner.run(again);
            if (!check.passed()) {
                throw new IllegalStateException("the recorded expect block of " + e.display() + " does not pass: " + check.diffs());
            }
            write(e, text);
            if (l.expect() == null) {
                out.printf("%s: recorded a new expect block; review it:%n", e.display());
            } else {
                out.printf("%s: replaced the expect block (--force); %s%n", e.display(),
                        diffs.isEmpty() ? "the old one matched" : "the old one differed:");
                for (String d : diffs) out.println("  - " + d);
                out.println("  the new block; review it:");
            }
            Recorder.show(expect).lines().forEach(line -> out.println("  + " + line));
        }
        return status;
    }

    private static String read(Corpus.Entry e) {
        try {
            return Files.readString(e.file(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new VectorException(e.display() + ": cannot read: " + ex.getMessage());
        }
    }

    private static void write(Corpus.Entry e, String text) {
        try {
            Path tmp = e.file().resolveSibling(e.file().getFileName() + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, e.file(), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            throw new VectorException(e.display() + ": cannot write: " + ex.getMessage());
        }
    }
}
