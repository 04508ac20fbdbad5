package ctxlab.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import ctxlab.host.ChildEvent;
import ctxlab.host.HostStrands;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "strands", mixinStandardHelpOptions = true,
        description = {"Run native strands with the FIFO scheduler on this CPU (x86-64 Linux), in a crash-isolated child JVM.",
                "Programs (asm/host/scheduler.s): counter_program (yields ARG times), recurse_program (recurses ARG",
                "levels of 256 bytes, so a deep one runs into the guard page below its stack), spin_program.",
                "The switch routine runs only after passing emulated verification."},
        footer = {"", "Exit codes: 0 the strands ran; 1 a strand crashed, the strands were killed at",
                "--timeout, or the routine was refused for failing emulated verification; 2 bad",
                "input or option, or a host other than x86-64 Linux."})
final class StrandsCommand implements Callable<Integer> {
    @Option(names = "--program", paramLabel = "NAME", description = "strand program (default: ${DEFAULT-VALUE})")
    String program = "counter_program";

    @Option(names = "--count", paramLabel = "N", description = "strands to spawn (default: ${DEFAULT-VALUE})")
    int count = 4;

    @Option(names = "--stack", paramLabel = "BYTES", description = "stack size of each strand, at least 4096 (default: ${DEFAULT-VALUE})")
    long stack = 4096;

    @Option(names = "--arg", paramLabel = "N", description = "the program's argument (default: ${DEFAULT-VALUE})")
    long arg = 3;

    @Option(names = "--asm", paramLabel = "FILE", description = "switch routine, a GNU-as source (an ELF file is not supported"
            + " here: the child JVM assembles the source) (default: asm/context_x86_64.s)")
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
            ChildEvent.Strands s = r.strands();
            out.println(Common.json(s == null ? new StrandsJson(program, r.guardMethod(), r.crash(), null, null, null, null)
                    : new StrandsJson(program, r.guardMethod(), r.crash(), s.resumes(), s.switches(), s.finished(), s.strands())));
            return r.crash() == null ? Main.OK : Main.FAILED;
        }
        out.printf("%d strand(s) of %s, %d-byte stacks, argument %d; guard page below each stack: %s%n%n",
                count, program, r.spawned().isEmpty() ? stack : r.spawned().getFirst().stackSize(), arg, r.guardMethod());
        if (r.crash() != null) {
            out.println(r.crash());
            return Main.FAILED;
        }
        out.printf("%6s  %-9s %8s %8s %10s%n", "strand", "state", "resumes", "yields", "result");
        for (ChildEvent.Strand s : r.strands().strands()) {
            out.printf("%6d  %-9s %8d %8d %10d%n", s.id(), s.state(), s.resumes(), s.yields(), s.result());
        }
        out.printf("%n%d finished, %d resumes, %d switches%n", r.strands().finished(), r.strands().resumes(), r.strands().switches());
        return Main.OK;
    }

    /**
     * What {@code strands --json} prints, fields in this order; {@code crash} is null when none, and the
     * counts (as the child reported them) are left out after a crash.
     */
    record StrandsJson(String program, String guardMethod, String crash,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Long resumes,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Long switches,
                       @JsonInclude(JsonInclude.Include.NON_NULL) Long finished,
                       @JsonInclude(JsonInclude.Include.NON_NULL) List<ChildEvent.Strand> strands) {}
}
