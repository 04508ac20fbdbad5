package ctxlab.trace;

import ctxlab.emu.EmulationException;

/**
 * A fault in x86 terms: the exception the CPU raises (#PF, #GP, #UD) and why, instead of the
 * emulator's error name. Unicorn reports a fetch from a non-executable page as FETCH_PROT, a
 * privileged instruction as a generic CPU exception; a learner knows them as #PF and #GP.
 */
final class Faults {
    private Faults() {}

    static String describe(EmulationException e, Recorder rec) {
        String at = String.format("0x%x", e.address());
        return switch (e.kind()) {
            case FETCH_PROT -> "#PF (page fault): instruction fetch from " + at + ", a page that is not executable";
            case UNMAPPED_FETCH -> "#PF (page fault): instruction fetch from " + at + ", which is not mapped";
            case UNMAPPED_READ -> "#PF (page fault): read of " + at + ", which is not mapped";
            case UNMAPPED_WRITE -> "#PF (page fault): write to " + at + ", which is not mapped";
            case WRITE_PROT -> "#PF (page fault): write to " + at + ", a read-only page";
            case READ_PROT -> "#PF (page fault): read of " + at + ", a page without read permission";
            case INVALID_INSN -> "#UD (invalid opcode): the bytes at " + String.format("0x%x", e.pc()) + " are no instruction this CPU runs";
            case CPU_EXCEPTION -> "#GP (general protection)" + privileged(rec) + " at " + String.format("0x%x", e.pc());
            default -> e.getMessage();
        };
    }

    /** ": hlt is privileged (ring 0 only)" when the faulting instruction is one; else what #GP usually means here. */
    private static String privileged(Recorder rec) {
        if (rec.steps.isEmpty()) return "";
        byte[] b = rec.steps.getLast().bytes;
        String name = privilegedName(b);
        return name != null ? ": " + name + " is a privileged instruction (ring 0 only), a user program may not run it"
                : ": the instruction is not allowed here (a privileged instruction, or reserved bits set, e.g. in ldmxcsr)";
    }

    static String privilegedName(byte[] b) {
        if (b.length == 0) return null;
        int i = 0;
        while (i < b.length - 1 && ((b[i] & 0xF0) == 0x40 || b[i] == 0x66 || b[i] == (byte) 0xF3 || b[i] == (byte) 0xF2)) i++;
        int op = b[i] & 0xFF;
        switch (op) {
            case 0xF4: return "hlt";
            case 0xFA: return "cli";
            case 0xFB: return "sti";
            case 0xE4: case 0xE5: case 0xEC: case 0xED: return "in";
            case 0xE6: case 0xE7: case 0xEE: case 0xEF: return "out";
            case 0x6C: case 0x6D: return "ins";
            case 0x6E: case 0x6F: return "outs";
            default: break;
        }
        if (op == 0x0F && i + 1 < b.length) {
            int op2 = b[i + 1] & 0xFF;
            return switch (op2) {
                case 0x30 -> "wrmsr";
                case 0x32 -> "rdmsr";
                case 0x06 -> "clts";
                case 0x08 -> "invd";
                case 0x09 -> "wbinvd";
                case 0x20, 0x22 -> "mov to/from a control register";
                case 0x21, 0x23 -> "mov to/from a debug register";
                case 0x01 -> "a system-table instruction (lgdt/lidt/…)";
                default -> null;
            };
        }
        return null;
    }
}
