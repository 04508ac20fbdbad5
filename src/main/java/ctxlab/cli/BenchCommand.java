package ctxlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
            if (json) out.println(Common.json(java.util.Map.of("crash", r.crash(), "passed", false)));
            else out.println(r.crash());
            return Main.FAILED;
        }
        JsonNode b = r.bench();
        if (json) {
            ObjectNode j = ((ObjectNode) b.deepCopy());
            j.remove("event");
            j.put("file", Common.display(file));
            j.put("rounds", rounds);
            j.set("roundsDetail", b.get("rounds"));
            if (j.get("compared") instanceof ObjectNode c) c.put("file", Common.display(Path.of(c.path("file").asText())));
            if (r.boostNote() != null) j.put("boostNote", r.boostNote());
            out.println(Common.json(j));
            return Main.OK;
        }
        JsonNode m = b.path("machine");
        out.printf("bench of %s on %s (%d cores), Linux %s, %s%n", Common.display(file), m.path("cpu").asText(),
                m.path("cores").asInt(), m.path("kernel").asText(), m.path("java").asText());
        out.printf("medians of %d interleaved rounds (min..max in brackets)%n%n", rounds);
        out.printf("%-46s %-22s %9s%n", "measurement", "[JSON field]", "ns");
        row(out, b, "(a) two strands switching natively", "nativeSwitchNs", "per switch");
        row(out, b, "(b) scheduler -> strand -> scheduler", "roundTripNs", "per round trip");
        row(out, b, "    the same without the scheduler's queue", "bareRoundTripNs", "per round trip");
        row(out, b, "(c) glibc swapcontext ping-pong", "glibcSwapcontextNs", "per switch");
        row(out, b, "(d) virtual threads, one carrier", "virtualThreadNs", "per hand-off");
        if (b.has("boostContextNs")) {
            row(out, b, "    Boost.Context jump_fcontext ping-pong", "boostContextNs", "per switch");
            out.printf("%-46s %-22s %9.2f%n", "    (a) / Boost.Context", "[ratioToBoost]", b.path("ratioToBoost").asDouble());
        } else {
            out.println("    " + r.boostNote());
        }
        JsonNode cmp = b.path("compared");
        if (!cmp.isMissingNode()) {
            out.printf("%nthe same rounds, %s:%n", Common.display(Path.of(cmp.path("file").asText())));
            row(out, cmp, "(a) two strands switching natively", "nativeSwitchNs", "per switch");
            row(out, cmp, "(b) scheduler -> strand -> scheduler", "roundTripNs", "per round trip");
            row(out, cmp, "    the same without the scheduler's queue", "bareRoundTripNs", "per round trip");
            if (cmp.has("ratioToBoost")) {
                out.printf("%-46s %-22s %9.2f%n", "    (a) / Boost.Context", "[ratioToBoost]", cmp.path("ratioToBoost").asDouble());
            }
        }
        JsonNode s = b.path("scale");
        if (!s.isMissingNode()) {
            out.println();
            out.printf("scale: %,d strands, %,d-byte stacks, %d yields each: %,d switches in %.0f ms (%,.0f switches/s);%n",
                    s.path("strands").asLong(), s.path("stackSize").asLong(), s.path("yieldsEach").asLong(),
                    s.path("switches").asLong(), s.path("runMs").asDouble(), s.path("switchesPerSecond").asDouble());
            out.printf("       total %.0f ms with spawning (%.0f ms); resident memory %,d KB (+%,d bytes per strand);%n",
                    s.path("totalMs").asDouble(), s.path("spawnMs").asDouble(), s.path("rssBytes").asLong() / 1024,
                    s.path("rssPerStrandBytes").asLong());
            out.printf("       guard page below every stack: %s%n", b.path("guardMethod").asText());
        }
        return Main.OK;
    }

    private static void row(PrintWriter out, JsonNode b, String label, String field, String unit) {
        double min = Double.MAX_VALUE, max = 0;
        for (JsonNode v : b.path("rounds").path(field)) {
            min = Math.min(min, v.asDouble());
            max = Math.max(max, v.asDouble());
        }
        out.printf("%-46s %-22s %9.2f  %s (%.2f..%.2f)%n", label, "[" + field + "]", b.path(field).asDouble(), unit, min, max);
    }
}
