package ctxlab.qemu;

import ctxlab.vectors.Arm64Vector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A vector under qemu-aarch64: the generated program ({@link Program}) assembled with GNU as, linked
 * with GNU ld after the routine's object (so that the routine starts at 0x400000), run in a child
 * process with a time limit, and its {@link Dump} read back.
 */
final class QemuSide {
    /** Output beyond this is not a dump (a dump is the header, the code and the regions). */
    private static final int MAX_OUTPUT = 64 << 20;
    /** A region that mmap put elsewhere (qemu's own mappings were there): tried again with a fresh host layout. */
    private static final int ATTEMPTS = 3;

    /**
     * The CPU model qemu emulates: Unicorn 2's default for ARM64, so that a difference is one of
     * emulation, not of optional features (qemu's own default, "max", has FEAT_FP16, which makes
     * FPCR.FZ16 writable where the Cortex-A72 keeps it 0).
     */
    static final String CPU = "cortex-a72";

    /** What qemu did: its state, the code and entry it ran, or why there is none ({@code error}). */
    record Run(State state, byte[] code, long entry, String error) {}

    private final Tools tools;
    private final Path dir;
    private final Path routineObject;
    private final Duration timeout;
    private int count;

    /** @param routineObject the routine assembled by GNU as, in {@code dir} */
    QemuSide(Tools tools, Path dir, Path routineObject, Duration timeout) {
        this.tools = tools;
        this.dir = dir;
        this.routineObject = routineObject;
        this.timeout = timeout;
    }

    /** Assembles the routine's source with GNU as into {@code dir}; a rejection is a {@link QemuException}. */
    static Path assembleRoutine(Tools tools, Path dir, String display, String text) {
        Path src = dir.resolve("routine.s"), obj = dir.resolve("routine.o");
        write(src, text);
        Proc.Result r = Proc.run(List.of(tools.as().toString(), "-o", obj.toString(), src.toString()), dir, Duration.ofSeconds(60), 1 << 16);
        if (r.timedOut() || r.exit() != 0) {
            throw new QemuException(display + ": " + Tools.AS + " rejects it: "
                    + r.lastErrorLine().replace(src.toString(), display));
        }
        return obj;
    }

    Run run(Arm64Vector v, String entry, int codeSize) {
        String base = String.format("v%03d", count++);
        Path src = dir.resolve(base + ".s"), obj = dir.resolve(base + ".o"), exe = dir.resolve(base);
        write(src, Program.source(v, entry, ProcessHandle.current().pid(), codeSize));
        Proc.Result as = Proc.run(List.of(tools.as().toString(), "-o", obj.toString(), src.toString()), dir, Duration.ofSeconds(60), 1 << 16);
        if (as.exit() != 0) throw new QemuException(v.name() + ": the generated program does not assemble: " + as.lastErrorLine());
        Proc.Result ld = Proc.run(List.of(tools.ld().toString(), "-static", "-nostdlib", "-Ttext=" + Program.hex(Program.CODE_BASE),
                "-e", "_start", "-o", exe.toString(), routineObject.toString(), obj.toString()), dir, Duration.ofSeconds(60), 1 << 16);
        if (ld.exit() != 0) throw new QemuException(v.name() + ": " + Tools.LD + " cannot link the program: " + ld.lastErrorLine());
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (Arm64Vector.Region r : v.regions()) sizes.put(r.name(), r.size());
        Run last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Proc.Result q = Proc.run(List.of(tools.qemu().toString(), "-cpu", CPU, exe.toString()), dir, timeout, MAX_OUTPUT);
            last = interpret(v, q, codeSize, sizes);
            if (last.error() == null || !last.error().startsWith("cannot place")) break;
        }
        return last;
    }

    private Run interpret(Arm64Vector v, Proc.Result q, int codeSize, Map<String, Long> sizes) {
        if (q.timedOut()) {
            return new Run(new State(State.Outcome.NO_STOP, Map.of(), -1, Map.of(), null,
                    "did not stop within " + timeout.toSeconds() + " s (killed)"), null, -1, null);
        }
        Dump d;
        try {
            d = Dump.read(q.stdout(), codeSize, sizes);
        } catch (IllegalStateException e) {
            String how = q.exit() > 128 ? "was killed by signal " + (q.exit() - 128) : "exited with status " + q.exit();
            String why = switch (q.exit()) {
                case Program.EXIT_WRITE_FAILED -> " (its stdout failed)";
                case Program.EXIT_ORPHAN -> " (ctxlab, its parent, was gone)";
                default -> q.stderr().isBlank() ? "" : ": " + q.lastErrorLine();
            };
            return new Run(null, null, -1, "qemu-aarch64 " + how + why + " and " + e.getMessage());
        }
        if (d.kind() == Dump.KIND_MISPLACED) {
            int index = (int) d.word(Dump.W_MISPLACED_INDEX);
            long got = d.word(Dump.W_MISPLACED_GOT);
            String what = index >= 0 ? "region " + v.regions().get(index).name() + " at " + Program.hex(v.regions().get(index).address())
                    : index == -1 ? "the landing page at " + Program.hex(v.expect().stop() & -Program.PAGE)
                    : "the landing page (mprotect failed)";
            return new Run(null, null, -1, "cannot place " + what + " under qemu: mmap gave " + Program.hex(got)
                    + " (the address is taken by qemu's own mappings or lies beyond this host's address space)");
        }
        if (d.word(Dump.W_PHASE) != 1) {
            return new Run(null, null, -1, "the generated program faulted in its own setup (signal " + d.word(Dump.W_SIGNO)
                    + " at pc " + Program.hex(d.word(Dump.W_PC)) + ")");
        }
        State s;
        if (d.kind() == Dump.KIND_LANDED) {
            s = new State(State.Outcome.LANDED, d.registers(), d.word(Dump.W_PC), d.memory(), null, null);
        } else {
            s = new State(State.Outcome.FAULT, d.registers(), d.word(Dump.W_PC), d.memory(), fault(d, v), null);
        }
        return new Run(s, d.code(), d.word(Dump.W_ENTRY), null);
    }

    /**
     * The signal in the shared words; read or write only from an ESR record, fetch when the address
     * is the pc. The landing page exists only under qemu (Unicorn stops at the stop address without
     * mapping it): an undefined instruction there, away from the landing itself, is what Unicorn
     * sees as a fetch from unmapped memory, and is reported as that, saying so.
     */
    static State.Fault fault(Dump d, Arm64Vector v) {
        int signo = (int) d.word(Dump.W_SIGNO);
        int code = (int) d.word(Dump.W_SICODE);
        long address = d.word(Dump.W_SIADDR), pc = d.word(Dump.W_PC), esr = d.word(Dump.W_ESR);
        String cause, label;
        switch (signo) {
            case 11 -> {
                cause = code == 1 ? "unmapped" : code == 2 ? "protection" : "other";
                label = "SIGSEGV/" + (code == 1 ? "SEGV_MAPERR" : code == 2 ? "SEGV_ACCERR" : "si_code " + code);
            }
            case 4 -> {
                cause = "undefined instruction";
                label = "SIGILL";
            }
            case 5 -> {
                cause = "exception";
                label = "SIGTRAP";
            }
            case 7 -> {
                cause = "exception";
                label = "SIGBUS";
            }
            default -> {
                cause = "exception";
                label = "signal " + signo;
            }
        }
        String access = null;
        if (esr != Dump.NO_ESR) {
            int ec = (int) (esr >>> 26) & 0x3f;
            if (ec == 0x24 || ec == 0x25) access = (esr & (1 << 6)) != 0 ? "write" : "read";
            else if (ec == 0x20 || ec == 0x21) access = "fetch";
        } else if (signo == 11 && address == pc) {
            access = "fetch";
        }
        if (signo != 11) address = pc;
        if (signo == 4 && v.expect().fault() == null) {
            long[] pages = Program.landingPages(v.expect().stop());
            boolean inPages = pc >= pages[0] && pc < pages[0] + pages[1];
            boolean inLanding = pc >= v.expect().stop() && pc < v.expect().stop() + Program.LANDING_BYTES;
            if (inPages && !inLanding) return new State.Fault("unmapped", "fetch", pc, pc, "SIGILL in the landing page (unmapped in Unicorn)");
        }
        return new State.Fault(cause, access, address, pc, label);
    }

    private static void write(Path p, String text) {
        try {
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
