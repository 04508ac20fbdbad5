package ctxlab.trace;

import ctxlab.emu.EmulationException;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records what every instruction does, from the emulator's hooks: the registers before it (read
 * in one batch when the next instruction starts, which is also the "after" of the previous one),
 * the memory it reads and writes, and the old value of everything it overwrites.
 *
 * <p>Stops are decided here too, before an instruction executes: reaching a stop address, the
 * step budget, or the n-th entry into the switch routine. A stop is thrown as {@link Stop}, which
 * {@link Machine} rethrows from {@code run} unchanged.
 */
final class Recorder {
    /** Registers snapshotted per step, in display order. */
    static final Reg[] REGS = {Reg.RAX, Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.RBP, Reg.RSP,
            Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15, Reg.RIP, Reg.RFLAGS, Reg.MXCSR, Reg.FPCW};
    static final int RSI = 4, RDI = 5, RSP = 7, GPRS = 16, RIP = 16, RFLAGS = 17, MXCSR = 18, FPCW = 19;

    /** Index in {@link #REGS} of a register by lower-case name, or -1. */
    static int index(String name) {
        for (int i = 0; i < REGS.length; i++) if (name(i).equals(name)) return i;
        return -1;
    }

    static String name(int index) {
        return REGS[index].name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A data access; {@code before} is the overwritten value (writes), or the value (reads). */
    record Access(long address, int size, long value, long before) {}

    /** One instruction as observed. {@code after} is null until the next instruction starts. */
    static final class Raw {
        final long address;
        final byte[] bytes;
        final long[] before;
        long[] after;
        final List<Access> reads = new ArrayList<>();
        final List<Access> writes = new ArrayList<>();
        boolean faulted;

        Raw(long address, byte[] bytes, long[] before) {
            this.address = address;
            this.bytes = bytes;
            this.before = before;
        }

        long before(int reg) {
            return before[reg];
        }

        long after(int reg) {
            return after[reg];
        }
    }

    /** Why recording stopped before the routine ran to its end by itself. */
    static final class Stop extends RuntimeException {
        final Trace.Reason reason;
        final long address;
        final String what;

        Stop(Trace.Reason reason, long address, String what) {
            super(what, null, false, false);
            this.reason = reason;
            this.address = address;
            this.what = what;
        }
    }

    private final Machine machine;
    final List<Raw> steps = new ArrayList<>();
    final Map<Long, String> stops = new HashMap<>();
    long maxSteps = Long.MAX_VALUE;
    long switchAddress = -1;
    long maxSwitches = -1;
    long switchSize = 1;
    long switchEntries;
    private long lastAddress = -1;
    private Raw current;

    Recorder(Machine machine) {
        this.machine = machine;
        machine.onInstruction(this::onInstruction);
        machine.onMemoryWrite((pc, address, size, value) -> onWrite(address, size, value));
        machine.onMemoryRead((pc, address, size) -> onRead(address, size));
    }

    /** Counts entries into the routine (for the switch limit). */
    void watchSwitch(ctxlab.asm.Assembly assembly, String symbol) {
        long[] extent = assembly.extent(symbol);
        switchAddress = assembly.base() + extent[0];
        switchSize = Math.max(1, extent[1] - extent[0]);
    }

    /** A new call begins: no instruction is pending. */
    void beginCall() {
        current = null;
        lastAddress = -1;
    }

    private void onInstruction(long address, int size) {
        long[] regs = machine.get(REGS);
        if (current != null) current.after = regs;
        current = null;
        String stop = stops.get(address);
        if (stop != null) throw new Stop(Trace.Reason.REACHED, address, stop);
        boolean entering = address == switchAddress
                && !(lastAddress - switchAddress >= 0 && lastAddress - switchAddress < switchSize);
        if (entering && maxSwitches >= 0 && switchEntries >= maxSwitches) {
            throw new Stop(Trace.Reason.SWITCH_LIMIT, address, "switch " + (switchEntries + 1));
        }
        if (steps.size() >= maxSteps) throw new Stop(Trace.Reason.BUDGET, address, "budget");
        // An entry is a jump or call into the routine's first instruction from outside it (a loop
        // back to its own start is not a new switch).
        if (entering) switchEntries++;
        lastAddress = address;
        if (size <= 0 || size > 15) {
            // Unicorn reports an undecodable instruction with a bogus size (0xf1f1f1f1): the CPU raises #UD
            byte[] b;
            try {
                b = machine.read(address, 2);
            } catch (RuntimeException e) {
                b = new byte[0];
            }
            boolean ud2 = b.length == 2 && b[0] == 0x0f && b[1] == 0x0b;
            throw new Stop(Trace.Reason.FAULT, address, "the CPU faulted at step " + (steps.size() + 1)
                    + ": #UD (invalid opcode) at " + String.format("0x%x", address)
                    + (ud2 ? ": ud2, which always raises it" : ": the bytes there are no valid instruction"));
        }
        byte[] bytes = machine.read(address, size);
        // Unicorn runs in ring 0 and would execute these; a user program's CPU raises #GP instead
        String privileged = Faults.privilegedName(bytes);
        if (privileged != null) {
            throw new Stop(Trace.Reason.FAULT, address, "the CPU faulted at step " + (steps.size() + 1)
                    + ": #GP (general protection) at " + String.format("0x%x", address) + ": " + privileged
                    + " is a privileged instruction (ring 0 only), a user program may not run it");
        }
        current = new Raw(address, bytes, regs);
        steps.add(current);
    }

    private void onWrite(long address, int size, long value) {
        if (current == null) return;
        Long old = tryRead(address, size);
        current.writes.add(new Access(address, size, value, old == null ? 0 : old));
    }

    private void onRead(long address, int size) {
        if (current == null) return;
        for (int off = 0; off < size; off += 8) {
            int n = Math.min(8, size - off);
            Long v = tryRead(address + off, n);
            if (v == null) return; // unmapped: the fault that follows says so
            current.reads.add(new Access(address + off, n, v, v));
        }
    }

    /** Little-endian value of {@code size} (≤ 8) bytes, or null where memory is not mapped. */
    private Long tryRead(long address, int size) {
        try {
            byte[] b = machine.read(address, Math.min(size, 8));
            long v = 0;
            for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
            return v;
        } catch (EmulationException e) {
            return null;
        }
    }

    /** After a run ended by a fault: the faulting instruction gets the state the CPU stopped in. */
    void finishFaulted() {
        if (current != null && current.after == null) {
            current.after = machine.get(REGS);
            current.faulted = true;
        }
        current = null;
    }
}
