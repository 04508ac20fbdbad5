package ctxlab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import ctxlab.host.HostStrands;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "strands", mixinStandardHelpOptions = true,
        description = {"Run native strands with the FIFO scheduler on this CPU (x86-64 Linux), in a crash-isolated child JVM.",
                "Programs (asm/host/scheduler.s): counter_program (yields ARG times), recurse_program (recurses ARG",
                "levels of 256 bytes, so a deep one runs into the guard page below its stack), spin_program.",
                "The switch routine runs only after passing emulated verification."})
final class StrandsCommand implements Callable<Integer> {
    @Option(names = "--program", paramLabel = "NAME", description = "strand program (default: ${DEFAULT-VALUE})")
    String program = "counter_program";

    @Option(names = "--count", paramLabel = "N", description = "strands to spawn (default: ${DEFAULT-VALUE})")
    int count = 4;

    @Option(names = "--stack", paramLabel = "BYTES", description = "stack size of each strand, at least 4096 (default: ${DEFAULT-VALUE})")
    long stack = 4096;

    @Option(names = "--arg", paramLabel = "N", description = "the program's argument (default: ${DEFAULT-VALUE})")
    long arg = 3;

    @Option(names = "--asm", paramLabel = "FILE", description = "switch routine (default: asm/context_x86_64.s)")
    Path asm;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "kill the native child after SECONDS (default: ${DEFAULT-VALUE}, at most 3600)")
    long timeout = 30;

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (arch.arm64(null)) return Arm64Commands.nativeUnavailable(spec.commandLine().getErr(), "strands");
        Path file = asm != null ? asm : Common.defaultSwitchFile();
        Limits.strands(count, stack);
        if (program.equals("spin_program")) {
            spec.commandLine().getErr().printf("ctxlab: note: spin_program spins forever; it is killed after --timeout (%d s)%n", timeout);
        }
        HostStrands.Result r = HostStrands.run(Common.root(), file, program, count, stack, arg, Common.timeout(timeout));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("program", program);
            j.put("guardMethod", r.guardMethod());
            j.put("crash", r.crash());
            if (r.strands() != null) {
                j.put("resumes", r.strands().path("resumes"));
                j.put("switches", r.strands().path("switches"));
                j.put("finished", r.strands().path("finished"));
                j.put("strands", r.strands().path("strands"));
            }
            out.println(Common.json(j));
            return r.crash() == null ? Main.OK : Main.FAILED;
        }
        out.printf("%d strand(s) of %s, %d-byte stacks, argument %d; guard page below each stack: %s%n%n",
                count, program, r.spawned().isEmpty() ? stack : r.spawned().get(0).path("stackSize").asLong(), arg, r.guardMethod());
        if (r.crash() != null) {
            out.println(r.crash());
            return Main.FAILED;
        }
        out.printf("%6s  %-9s %8s %8s %10s%n", "strand", "state", "resumes", "yields", "result");
        for (JsonNode s : r.strands().path("strands")) {
            out.printf("%6d  %-9s %8d %8d %10d%n", s.path("id").asLong(), s.path("state").asText(), s.path("resumes").asLong(),
                    s.path("yields").asLong(), s.path("result").asLong());
        }
        out.printf("%n%d finished, %d resumes, %d switches%n", r.strands().path("finished").asLong(),
                r.strands().path("resumes").asLong(), r.strands().path("switches").asLong());
        return Main.OK;
    }
}
