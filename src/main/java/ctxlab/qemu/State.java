package ctxlab.qemu;

import java.util.Map;

/**
 * How one call of the routine ended, on either side (Unicorn or qemu): at the landing, in a fault,
 * or not at all; the registers a vector compares (and the pc), and every region's bytes, at that
 * moment.
 */
record State(Outcome outcome, Map<String, Long> registers, long pc, Map<String, byte[]> memory, Fault fault, String note) {
    enum Outcome { LANDED, FAULT, NO_STOP }

    /**
     * @param cause  what both sides can tell apart: "unmapped", "protection", "undefined instruction",
     *               "exception" (Unicorn's UC_ERR_EXCEPTION: brk, svc, an alignment fault), "other"
     * @param access "read", "write", "fetch", or null when this side cannot observe it
     * @param label  the side's own words (UNMAPPED_WRITE; SIGSEGV/SEGV_MAPERR)
     */
    record Fault(String cause, String access, long address, long pc, String label) {}

    /** A word for the outcome, for tables and JSON. */
    String summary() {
        return switch (outcome) {
            case LANDED -> "landed at " + Program.hex(pc);
            case FAULT -> fault.label() + " at " + Program.hex(fault.address()) + " (pc " + Program.hex(fault.pc()) + ")";
            case NO_STOP -> note;
        };
    }
}
