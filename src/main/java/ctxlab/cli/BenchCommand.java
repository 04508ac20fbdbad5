package ctxlab.cli;

import ctxlab.host.BenchFigures;
import ctxlab.host.ChildEvent;
import ctxlab.host.HostBench;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure real switches on this CPU (x86-64 Linux) against glibc, virtual threads and Boost.Context.",
                "In a crash-isolated child JVM: (a) two strands switching natively [nativeSwitchNs], (b) Java scheduler -> strand -> scheduler",
                "[roundTripNs], (c) glibc swapcontext ping-pong [glibcSwapcontextNs], (d) virtual threads on one",
                "carrier [virtualThreadNs], Boost.Context's jump_fcontext when g++ and libboost-context-dev are there",
                "[boostContextNs, ratioToBoost], and a scale run of many strands with small stacks.",
                "Medians of interleaved rounds. The code runs only after passing emulated verification."},
        footer = {"", "Exit codes: 0 measured; 1 the native child crashed, or the routine (or --compare's)",
                "was refused for failing emulated verification; 2 bad input or option, or a host",
                "other than x86-64 Linux."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--asm", paramLabel = "FILE", description = "switch routine to measure, a GNU-as source (an ELF file is not"
            + " supported here: the child JVM assembles the source) (default: asm/context_x86_64.s)")
    Path asm;

    @Option(names = "--compare", paramLabel = "FILE", description = "a second routine measured in the same interleaved rounds"
            + " (default without --asm: asm/context_x86_64_fast.s) [JSON: compared]")
    Path compare;

    @Option(names = "--no-compare", description = "measure only the routine under test")
    boolean noCompare;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Option(names = "--rounds", paramLabel = "N", description = "interleaved rounds; medians are reported (default: ${DEFAULT-VALUE})")
    int rounds = 7;

    @Option(names = "--switches", paramLabel = "N", description = "switches per round of (a) (default: ${DEFAULT-VALUE})")
    long switches = 10_000_000;

    @Option(names = "--round-trips", paramLabel = "N", description = "round trips per round of (b) (default: ${DEFAULT-VALUE})")
    long roundTrips = 2_000_000;

    @Option(names = "--glibc-switches", paramLabel = "N", description = "switches per round of (c) (default: ${DEFAULT-VALUE})")
    long glibcSwitches = 400_000;

    @Option(names = "--handoffs", paramLabel = "N", description = "hand-offs per round of (d) (default: ${DEFAULT-VALUE})")
    long handoffs = 400_000;

    @Option(names = "--scale-strands", paramLabel = "N", description = "strands of the scale run, 0 to skip it (default: ${DEFAULT-VALUE})")
    int scaleStrands = 100_000;

    @Option(names = "--scale-stack", paramLabel = "BYTES", description = "stack size of each scale-run strand (default: ${DEFAULT-VALUE})")
    long scaleStack = 4096;

    @Option(names = "--scale-yields", paramLabel = "N", description = "yields of each scale-run strand (default: ${DEFAULT-VALUE})")
    long scaleYields = 10;

    @Option(names = "--boost-binary", paramLabel = "FILE", description = "a built Boost ping-pong (scripts/bench-boost passes it)")
    Path boostBinary;

    @Option(names = "--no-boost", description = "do not build and run the Boost.Context ping-pong")
    boolean noBoost;

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "kill the native child after SECONDS (default: ${DEFAULT-VALUE}, at most 3600)")
    long timeout = 90;

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private static void atLeast(String option, long value, long min) {
        if (value < min) throw new IllegalArgumentException("bench: " + option + " must be at least " + min + ", got " + value);
    }

    @Override
    public Integer call() {
        if (arch.arm64(asm)) return Arm64Commands.nativeUnavailable(spec.commandLine().getErr(), "bench");
        // Each figure named with its own lower bound (two strands take turns, so a switch count is at least 2).
        atLeast("--rounds", rounds, 1);
        atLeast("--switches", switches, 2);
        atLeast("--round-trips", roundTrips, 1);
        atLeast("--glibc-switches", glibcSwitches, 2);
        atLeast("--handoffs", handoffs, 2);
        atLeast("--scale-strands", scaleStrands, 0);
        atLeast("--scale-yields", scaleYields, 0);
        if (scaleStrands > 0) Limits.strands((int) Math.min(scaleStrands, Integer.MAX_VALUE), scaleStack);
        Path file = asm != null ? asm : Common.defaultSwitchFile();
        List<String> args = new ArrayList<>(List.of("--rounds", "" + rounds, "--switches", "" + switches,
                "--round-trips", "" + roundTrips, "--glibc-switches", "" + glibcSwitches, "--handoffs", "" + handoffs,
                "--scale-strands", "" + scaleStrands, "--scale-stack", "" + scaleStack, "--scale-yields", "" + scaleYields));
        Path other = noCompare ? null : compare != null ? compare : asm == null ? Common.root().resolve("asm/context_x86_64_fast.s") : null;
        if (other != null) {
            if (!java.nio.file.Files.isRegularFile(other)) throw new IllegalArgumentException(Common.display(other) + ": no such file");
            args.addAll(List.of("--root", Common.root().toAbsolutePath().toString(), "--compare", other.toAbsolutePath().toString()));
        }
        HostBench.Result r = HostBench.run(Common.root(), file, args, boostBinary, !noBoost, Common.timeout(timeout));
        PrintWriter out = spec.commandLine().getOut();
        if (r.crash() != null) {
            if (json) out.println(Common.json(new BenchJson.Crash(r.crash(), false)));
            else out.println(r.crash());
            return Main.FAILED;
        }
        ChildEvent.Bench b = r.bench();
        if (json) {
            out.println(Common.json(BenchJson.of(b, Common.display(file), rounds, r.boostNote())));
            return Main.OK;
        }
        BenchFigures.Machine m = b.machine();
        out.printf("bench of %s on %s (%d cores), Linux %s, %s%n", Common.display(file), m.cpu(), m.cores(), m.kernel(), m.java());
        out.printf("medians of %d interleaved rounds (min..max in brackets)%n%n", rounds);
        out.printf("%-46s %-22s %9s%n", "measurement", "[JSON field]", "ns");
        BenchFigures.Rounds all = b.rounds();
        row(out, "(a) two strands switching natively", "nativeSwitchNs", b.nativeSwitchNs(), all.nativeSwitchNs(), "per switch");
        row(out, "(b) scheduler -> strand -> scheduler", "roundTripNs", b.roundTripNs(), all.roundTripNs(), "per round trip");
        row(out, "    the same without the scheduler's queue", "bareRoundTripNs", b.bareRoundTripNs(), all.bareRoundTripNs(),
                "per round trip");
        row(out, "(c) glibc swapcontext ping-pong", "glibcSwapcontextNs", b.glibcSwapcontextNs(), all.glibcSwapcontextNs(),
                "per switch");
        row(out, "(d) virtual threads, one carrier", "virtualThreadNs", b.virtualThreadNs(), all.virtualThreadNs(), "per hand-off");
        if (b.boostContextNs() != null) {
            row(out, "    Boost.Context jump_fcontext ping-pong", "boostContextNs", b.boostContextNs(), all.boostContextNs(),
                    "per switch");
            out.printf("%-46s %-22s %9.2f%n", "    (a) / Boost.Context", "[ratioToBoost]", b.ratioToBoost());
        } else {
            out.println("    " + r.boostNote());
        }
        BenchFigures.Compared cmp = b.compared();
        if (cmp != null) {
            BenchFigures.CompareRounds cr = cmp.rounds();
            out.printf("%nthe same rounds, %s:%n", Common.display(Path.of(cmp.file())));
            row(out, "(a) two strands switching natively", "nativeSwitchNs", cmp.nativeSwitchNs(), cr.nativeSwitchNs(), "per switch");
            row(out, "(b) scheduler -> strand -> scheduler", "roundTripNs", cmp.roundTripNs(), cr.roundTripNs(), "per round trip");
            row(out, "    the same without the scheduler's queue", "bareRoundTripNs", cmp.bareRoundTripNs(), cr.bareRoundTripNs(),
                    "per round trip");
            if (cmp.ratioToBoost() != null) {
                out.printf("%-46s %-22s %9.2f%n", "    (a) / Boost.Context", "[ratioToBoost]", cmp.ratioToBoost());
            }
        }
        BenchFigures.Scale s = b.scale();
        if (s != null) {
            out.println();
            out.printf("scale: %,d strands, %,d-byte stacks, %d yields each: %,d switches in %.0f ms (%,.0f switches/s);%n",
                    (long) s.strands(), s.stackSize(), s.yieldsEach(), s.switches(), s.runMs(), s.switchesPerSecond());
            out.printf("       total %.0f ms with spawning (%.0f ms); resident memory %,d KB (+%,d bytes per strand);%n",
                    s.totalMs(), s.spawnMs(), s.rssBytes() / 1024, s.rssPerStrandBytes());
            out.printf("       guard page below every stack: %s%n", b.guardMethod());
        }
        return Main.OK;
    }

    /** A median and its rounds' range; {@code rounds} null (not measured) as no rounds. */
    private static void row(PrintWriter out, String label, String field, double median, double[] rounds, String unit) {
        double min = Double.MAX_VALUE, max = 0;
        for (double v : rounds == null ? new double[0] : rounds) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        out.printf("%-46s %-22s %9.2f  %s (%.2f..%.2f)%n", label, "[" + field + "]", median, unit, min, max);
    }
}
