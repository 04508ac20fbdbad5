package ctxlab.selftest;

import ctxlab.asm.Assembly;
import ctxlab.emu.EmulationException;
import ctxlab.emu.Machine;
import ctxlab.emu.UcConst;

/**
 * Scenarios in Unicorn: the code read-execute at its assembly base, each allocation mapped with an
 * unmapped gap after it (a runaway stack or pointer faults instead of landing in a neighbour), and
 * a 64 KB stack for the Java-driven "main" call.
 */
public final class EmulatedBackend implements Backend {
    /** Where allocations start; code sits below, at the assembly's base. */
    static final long HEAP = 0x1000_0000L;
    static final long GAP = 0x1_0000L;
    static final long MAIN_STACK = 64 * 1024;
    /** Generous for the scenarios (the ping-pong runs ~60,000 instructions), finite for runaways. */
    static final long BUDGET = 5_000_000;

    private final Machine machine;
    private final Assembly assembly;
    private final long switchAddress;
    private final long mainStackTop;
    private long next = HEAP;
    private long switches;

    /** @param switchSymbol the routine whose entries are counted as switches */
    public EmulatedBackend(Assembly assembly, String switchSymbol) {
        this.assembly = assembly;
        this.machine = Machine.x86_64();
        try {
            long codeSize = Machine.pages(assembly.size());
            machine.map(assembly.base(), codeSize, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            machine.write(assembly.base(), assembly.code());
            switchAddress = assembly.address(switchSymbol);
            machine.onInstruction((address, size) -> {
                if (address == switchAddress) switches++;
            });
            mainStackTop = allocate(MAIN_STACK) + MAIN_STACK;
        } catch (RuntimeException e) {
            machine.close();
            throw e;
        }
    }


    public Machine machine() {
        return machine;
    }

    @Override
    public String name() {
        return "unicorn";
    }

    @Override
    public long allocate(long size) {
        long at = next;
        long mapped = Machine.pages(size);
        machine.map(at, mapped, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        next = at + mapped + GAP;
        return at;
    }

    @Override
    public long symbol(String name) {
        return assembly.address(name);
    }

    @Override
    public Run call(String symbol, long... args) {
        long before = switches;
        try {
            Machine.RunResult r = machine.call(symbol(symbol), mainStackTop, BUDGET, Machine.DEFAULT_TIMEOUT, args);
            return new Run(r.instructions(), switches - before);
        } catch (EmulationException e) {
            String where = assembly.describe(e.pc());
            throw new ScenarioFault(e.getMessage() + (assembly.lineAt(e.pc()) != null ? " at " + where : ""), e);
        }
    }

    @Override public void writeLong(long address, long value) { Backend.reach(() -> { machine.writeLong(address, value); return 0L; }); }
    @Override public long readLong(long address) { return Backend.reach(() -> machine.readLong(address)); }
    @Override public void writeInt(long address, int value) { Backend.reach(() -> { machine.writeInt(address, value); return 0L; }); }
    @Override public int readInt(long address) { return (int) Backend.reach(() -> (long) machine.readInt(address)); }

    @Override
    public void close() {
        machine.close();
    }
}
