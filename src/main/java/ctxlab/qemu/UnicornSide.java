package ctxlab.qemu;

import ctxlab.emu.Arm64Machine;
import ctxlab.emu.Arm64Reg;
import ctxlab.emu.EmulationException;
import ctxlab.emu.UcConst;
import ctxlab.vectors.Arm64Vector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Unicorn's run of a vector, as {@code vectors --arch arm64} does it ({@link Arm64Vector#run}: code at
 * 0x400000, regions mapped read-write, the same 200-instruction budget), but keeping the state it
 * ends in, fault or not, so that it can be held against qemu's bit for bit.
 */
final class UnicornSide {
    static final long BUDGET = 200;

    private UnicornSide() {}

    static State observe(Arm64Vector v, byte[] code, long entry) {
        try (Arm64Machine m = Arm64Machine.create()) {
            m.map(Program.CODE_BASE, Math.max(0x1000, (code.length + 0xFFF) & -0x1000L), UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(Program.CODE_BASE, code);
            for (Arm64Vector.Region r : v.regions()) m.map(r.address(), r.size(), UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            for (Arm64Vector.Bytes b : v.memory()) m.write(b.address(), b.bytes());
            List<String> names = Arm64Vector.compared();
            Arm64Reg[] regs = names.stream().map(n -> Arm64Reg.valueOf(n.toUpperCase(Locale.ROOT))).toArray(Arm64Reg[]::new);
            m.set(regs, names.stream().mapToLong(n -> v.registers().getOrDefault(n, 0L)).toArray());
            State.Outcome outcome = State.Outcome.LANDED;
            State.Fault fault = null;
            String note = null;
            try {
                m.run(entry, v.expect().fault() == null ? v.expect().stop() : Arm64Machine.SENTINEL, BUDGET);
            } catch (EmulationException e) {
                fault = fault(e);
                if (fault == null) {
                    outcome = State.Outcome.NO_STOP;
                    note = e.kind() == EmulationException.Kind.BUDGET_EXHAUSTED ? "did not stop within " + BUDGET + " instructions"
                            : e.getMessage();
                } else {
                    outcome = State.Outcome.FAULT;
                }
            }
            long[] after = m.get(regs);
            Map<String, Long> registers = new LinkedHashMap<>();
            for (int i = 0; i < regs.length; i++) registers.put(names.get(i), after[i]);
            long pc = fault != null ? fault.pc() : m.get(Arm64Reg.PC);
            Map<String, byte[]> memory = new LinkedHashMap<>();
            for (Arm64Vector.Region r : v.regions()) memory.put(r.name(), m.read(r.address(), (int) r.size()));
            return new State(outcome, registers, pc, memory, fault, note);
        }
    }

    /** The fault in the words both sides share; null when the run ended without one (budget, timeout). */
    private static State.Fault fault(EmulationException e) {
        String label = e.kind().name();
        return switch (e.kind()) {
            case UNMAPPED_READ, UNMAPPED_WRITE, UNMAPPED_FETCH ->
                    new State.Fault("unmapped", access(label), e.address(), e.pc(), label);
            case READ_PROT, WRITE_PROT, FETCH_PROT -> new State.Fault("protection", access(label), e.address(), e.pc(), label);
            case INVALID_INSN -> new State.Fault("undefined instruction", null, e.pc(), e.pc(), label);
            case CPU_EXCEPTION -> new State.Fault("exception", null, e.pc(), e.pc(), label);
            default -> null;
        };
    }

    /** "read", "write" or "fetch" from a kind's name (UNMAPPED_WRITE, FETCH_PROT). */
    static String access(String kind) {
        if (kind.contains("READ")) return "read";
        if (kind.contains("WRITE")) return "write";
        if (kind.contains("FETCH")) return "fetch";
        return null;
    }

    /** The cause an expected fault kind names, in {@link State.Fault#cause()}'s words. */
    static String cause(String kind) {
        if (kind.startsWith("UNMAPPED_")) return "unmapped";
        if (kind.endsWith("_PROT")) return "protection";
        if (kind.equals("INVALID_INSN")) return "undefined instruction";
        if (kind.equals("CPU_EXCEPTION")) return "exception";
        return "other";
    }
}
