package ctxlab.cli;

import ctxlab.asm.Assembly;
import ctxlab.host.HostSelftest;
import ctxlab.selftest.Outcome;
import ctxlab.selftest.Selftest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "selftest", mixinStandardHelpOptions = true,
        description = {"Run the Cem runtime's six context tests on the switch routine, in Unicorn (with --host: also on this CPU).",
                "Strand bodies come from asm/strands/*.s and are assembled together with the routine."},
        footer = {"", "Exit codes: 0 every scenario passed; 1 a scenario failed; with --host also a",
                "host/Unicorn difference, a crash, or a routine refused for failing emulated",
                "verification; with --qemu also a qemu/Unicorn difference; 2 bad input (cannot",
                "assemble, no cem_swapcontext, bad option), --host on a host other than x86-64",
                "Linux, or --qemu without qemu-aarch64 or aarch64-linux-gnu-as/-ld."})
final class SelftestCommand implements Callable<Integer> {
    @Option(names = "--asm", paramLabel = "FILE", description = "switch routine to test, a GNU-as source or an ELF file (.o, .so,"
            + " executable; not with --host, which needs the source) (default: asm/context_x86_64.s); must define cem_swapcontext")
    Path asm;

    @Option(names = "--host", description = "run the scenarios on this CPU (x86-64 Linux) too, in a crash-isolated child JVM, "
            + "and compare each with Unicorn; a crash is reported, never suffered")
    boolean host;

    @Option(names = "--unverified", description = "with --host: run the routine natively even if it fails emulated verification")
    boolean unverified;

    @Option(names = "--qemu", description = "arm64: also run every scenario's main routine under qemu-aarch64 (Debian qemu-user), "
            + "linked with aarch64-linux-gnu-as/-ld, judge its results and compare every byte with Unicorn's")
    boolean qemu;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

    @picocli.CommandLine.Mixin
    AsmOptions asmOptions = new AsmOptions();

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "kill the native child after SECONDS (default: ${DEFAULT-VALUE}, at most 3600); with --qemu: each qemu run (default: 5)")
    long timeout = 30;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // --qemu alone means the arm64 routine: qemu-aarch64 runs nothing else.
        boolean arm64 = arch.arm64(asm) || qemu && arch.arch == null && asm == null;
        Path file = asm != null ? asm : ArchOption.defaultFile(arm64 ? ArchOption.Arch.ARM64 : arch.resolve(asm));
        if (unverified && !host) throw new IllegalArgumentException("--unverified only makes sense with --host");
        if (qemu && host) throw new IllegalArgumentException("--qemu and --host do not go together (--qemu is arm64, --host x86-64)");
        if (qemu && !arm64) throw new IllegalArgumentException("--qemu runs arm64 routines (--arch arm64); x86-64 ones run natively with --host");
        if (qemu) return qemu(file);
        if (arm64 && host) return Arm64Commands.nativeUnavailable(spec.commandLine().getErr(), "selftest --host");
        if (host) {
            if (asmOptions.given()) throw new IllegalArgumentException("--cpp, -D, -U and -I are not available with --host yet (a .S file is still preprocessed)");
            HostSelftest.Report r = HostSelftest.run(Common.root(), file, Common.display(file), unverified, Common.timeout(timeout));
            if (json) spec.commandLine().getOut().println(Common.json(r.json()));
            else HostSelftest.print(r, spec.commandLine().getOut());
            return r.exit();
        }
        return emulated(arm64, file);
    }

    private int qemu(Path file) {
        // the routine as GNU as will read it (a .S preprocessed with AArch64's macros); an ELF file is refused
        var sources = ctxlab.selftest.Arm64Selftest.sources(Common.root(), Arm64Commands.source(file, asmOptions), Common::display);
        Assembly assembly = ctxlab.selftest.Arm64Selftest.assemble(sources);
        boolean given = spec.commandLine().getParseResult() != null && spec.commandLine().getParseResult().hasMatchedOption("--timeout");
        try {
            var r = ctxlab.qemu.QemuSelftest.run(sources, assembly, Common.display(file),
                    given ? Common.timeout(timeout) : ctxlab.qemu.QemuVectors.DEFAULT_TIMEOUT);
            if (json) spec.commandLine().getOut().println(Common.json(r.json()));
            else r.print(spec.commandLine().getOut());
            return r.exit();
        } catch (ctxlab.qemu.QemuUnavailableException | ctxlab.qemu.QemuException e) {
            spec.commandLine().getErr().println("ctxlab: " + e.getMessage());
            return Main.BAD_INPUT;
        }
    }

    private int emulated(boolean arm64, Path file) {
        List<Outcome> outcomes;
        if (arm64) {
            outcomes = Arm64Commands.selftest(file, asmOptions);
        } else {
            // an ELF file's routine as the bytes it is, assembled with the strand bodies that call it
            Assembly assembly = ctxlab.asm.elf.ElfFile.isElf(file)
                    ? Selftest.assemble(Selftest.sources(Common.root(), ElfWords.x86(Input.load(file, Selftest.CODE_BASE, Selftest.SWITCH,
                            false, asmOptions.options())), Common::display))
                    : Selftest.assemble(Common.root(), file, asmOptions.options());
            assembly.symbol(Selftest.SWITCH);
            outcomes = Selftest.runEmulated(assembly);
        }
        boolean passed = outcomes.stream().allMatch(Outcome::passed);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Common.json(new SelftestJson("unicorn", arm64 ? "arm64" : null,
                    outcomes.stream().map(Outcome::toJson).toList(), passed)));
            return passed ? Main.OK : Main.FAILED;
        }
        out.printf("selftest of %s in Unicorn%s%n%n", Common.display(file), arm64 ? " (arm64)" : "");
        out.printf("%-24s %-6s %9s %13s %10s%n", "scenario", "result", "switches", "instructions", "time");
        for (Outcome o : outcomes) {
            out.printf("%-24s %-6s %9s %13s %8.1f ms%n", o.name(), o.passed() ? "PASS" : "FAIL",
                    o.switches() < 0 ? "-" : o.switches(), o.instructions() < 0 ? "-" : o.instructions(),
                    o.time().toNanos() / 1e6);
        }
        for (Outcome o : outcomes) {
            for (String f : o.failures()) out.printf("%n  %s: %s", o.name(), f);
        }
        for (Outcome o : outcomes) {
            for (String n : o.notes()) out.printf("%n  note (%s): %s", o.name(), n);
        }
        long ok = outcomes.stream().filter(Outcome::passed).count();
        out.printf("%n%n%d passed, %d failed%n", ok, outcomes.size() - ok);
        return passed ? Main.OK : Main.FAILED;
    }

    /** What {@code selftest --json} prints, fields in this order; {@code arch} only for AArch64. */
    record SelftestJson(String backend, @com.fasterxml.jackson.annotation.JsonInclude(
            com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String arch, List<Outcome.Json> scenarios, boolean passed) {}
}
