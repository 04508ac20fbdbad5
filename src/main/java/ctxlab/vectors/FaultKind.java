package ctxlab.vectors;

import ctxlab.emu.EmulationException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a run can end other than at its stop address, by the names vector files use
 * ({@code "fault": "unmapped-read"}). One name per {@link EmulationException.Kind} a run can produce.
 */
public enum FaultKind {
    UNMAPPED_READ("unmapped-read"),
    UNMAPPED_WRITE("unmapped-write"),
    UNMAPPED_FETCH("unmapped-fetch"),
    WRITE_PROTECTED("write-protected"),
    READ_PROTECTED("read-protected"),
    FETCH_PROTECTED("fetch-protected"),
    INVALID_INSTRUCTION("invalid-instruction"),
    /** A CPU exception other than a memory fault, e.g. #GP from {@code ldmxcsr} of a reserved bit. */
    CPU_EXCEPTION("cpu-exception"),
    /** An instruction user code cannot execute: syscall, int n, cli, wrmsr, in/out, ... */
    PRIVILEGED("privileged-instruction"),
    BUDGET_EXHAUSTED("budget-exhausted"),
    TIMEOUT("timeout"),
    /** The CPU stopped by itself before the stop address (e.g. {@code hlt}). */
    STOPPED("stopped");

    public final String label;

    FaultKind(String label) {
        this.label = label;
    }

    public static Optional<FaultKind> byLabel(String label) {
        return Arrays.stream(values()).filter(k -> k.label.equals(label.toLowerCase(Locale.ROOT))).findFirst();
    }

    public static FaultKind of(EmulationException.Kind kind) {
        return switch (kind) {
            case UNMAPPED_READ -> UNMAPPED_READ;
            case UNMAPPED_WRITE -> UNMAPPED_WRITE;
            case UNMAPPED_FETCH -> UNMAPPED_FETCH;
            case WRITE_PROT -> WRITE_PROTECTED;
            case READ_PROT -> READ_PROTECTED;
            case FETCH_PROT -> FETCH_PROTECTED;
            case INVALID_INSN -> INVALID_INSTRUCTION;
            case CPU_EXCEPTION -> CPU_EXCEPTION;
            case PRIVILEGED -> PRIVILEGED;
            case BUDGET_EXHAUSTED -> BUDGET_EXHAUSTED;
            case TIMEOUT -> TIMEOUT;
            case MAP, ARG, OTHER, EXTERNAL -> STOPPED;   // EXTERNAL: a stop at an undefined symbol
        };
    }

    public static String labels() {
        return String.join(", ", Arrays.stream(values()).map(k -> k.label).toList());
    }
}
