package ctxlab.emu;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ctxlab.emu.EmulationException.Kind;
import ctxlab.emu.Machine.InstructionHook;
import ctxlab.emu.Machine.MemoryWriteHook;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An emulated AArch64 CPU with its memory (a Unicorn engine opened with {@code UC_ARCH_ARM64}),
 * beside the x86-64 {@link Machine}. The same contract, kept small: map and access memory, read
 * and write {@link Arm64Reg}s (batched), install instruction and memory-write hooks (the same
 * {@link Machine.InstructionHook} and {@link Machine.MemoryWriteHook}) before the first run, and {@link #run} until an address within an instruction budget, with every other outcome an
 * {@link EmulationException} (unmapped or protected access with the data address, invalid
 * instruction, CPU exception, {@link Kind#BUDGET_EXHAUSTED}).
 *
 * <p>There is no wall-clock timeout: the instruction budget, enforced by Unicorn itself
 * ({@code uc_emu_start}'s count), bounds every run. Instructions are always counted with a code
 * hook (one Java upcall per instruction), which is what tells budget exhaustion from a CPU that
 * stopped by itself. As with {@link Machine}, writes to executable memory after the first run drop
 * the translations of the written range (Unicorn 2.0.1 would otherwise run the old code).
 *
 * <p>At creation FPCR is 0 (the Linux default: round to nearest, no flush-to-zero, default NaN
 * off, traps disabled) and floating point is enabled. Confined to its creating thread.
 */
@SuppressWarnings("restricted")
public final class Arm64Machine implements AutoCloseable {
    /** The link register {@link #call} sets; reaching it ends the call. Never mapped. */
    public static final long SENTINEL = 0xdead_0000_0000L;
    public static final long PAGE_SIZE = Machine.PAGE_SIZE;
    private static final int BATCH = Engine.BATCH;

    /** @param instructions executed instructions; @param pc the final pc */
    public record RunResult(long instructions, long pc) {}

    private final Engine engine;
    private final MemorySegment uc;
    private final MemorySegment batchIds, batchVals, batchPtrs;
    // Single words through a Java array handed to the (critical) engine calls, and batches by bulk
    // copies: checked MemorySegment accesses are not inlined by the C1-only launcher (see Machine).
    private final long[] word = new long[2];
    private final MemorySegment wordSegment = MemorySegment.ofArray(word);
    private final int[] batchIdArray = new int[BATCH];
    private final long[] batchValArray = new long[BATCH];
    private final List<InstructionHook> insnHooks = new ArrayList<>();
    private final List<MemoryWriteHook> writeHooks = new ArrayList<>();
    private InstructionHook[] insn = new InstructionHook[0];
    private MemoryWriteHook[] writes = new MemoryWriteHook[0];
    private final List<long[]> execRanges = new ArrayList<>();
    private boolean started, closed, running;

    private long executed, lastAddress;
    private Throwable hookFailure;
    private boolean invalidSeen;
    private long invalidAddress, invalidPc;

    private Arm64Machine() {
        Engine e = Engine.open(Arm64Const.UC_ARCH_ARM64, Arm64Const.UC_MODE_ARM, "uc_open(ARM64)");
        try {
            this.engine = e;
            this.uc = e.uc;
            this.batchIds = e.batchIds;
            this.batchVals = e.batchVals;
            this.batchPtrs = e.batchPtrs;
            set(Arm64Reg.FPCR, 0);
            addHook(UcConst.UC_HOOK_MEM_INVALID, "invalidHook", Unicorn.HOOK_EVENTMEM_DESC);
        } catch (RuntimeException | Error x) {
            e.close();
            throw x;
        }
    }

    /** A fresh AArch64 machine, nothing mapped. */
    public static Arm64Machine create() {
        return new Arm64Machine();
    }

    // ------------------------------------------------------------------ memory

    public void map(long address, long size, int prot) {
        open();
        if (size <= 0 || size % PAGE_SIZE != 0 || address % PAGE_SIZE != 0) {
            throw new EmulationException(Kind.ARG, UcConst.UC_ERR_ARG, address, 0, "map " + hex(address) + "+" + hex(size)
                    + ": address and size must be 4 KiB multiples");
        }
        check(Unicorn.uc_mem_map(uc, address, size, prot), "map " + hex(address) + "+" + hex(size), address);
        if ((prot & UcConst.UC_PROT_EXEC) != 0) execRanges.add(new long[] {address, address + size});
    }

    public void write(long address, byte[] bytes) {
        open();
        if (bytes.length == 0) return;
        check(Unicorn.uc_mem_write(uc, address, MemorySegment.ofArray(bytes), bytes.length),
                "write of " + bytes.length + " bytes at " + hex(address), address);
        invalidateIfCode(address, bytes.length);
    }

    public byte[] read(long address, int len) {
        open();
        byte[] b = new byte[len];
        if (len > 0) check(Unicorn.uc_mem_read(uc, address, MemorySegment.ofArray(b), len),
                "read of " + len + " bytes at " + hex(address), address);
        return b;
    }

    public long readLong(long address) {
        open();
        check(Unicorn.uc_mem_read(uc, address, wordSegment, 8), "read of 8 bytes at " + hex(address), address);
        return word[0];
    }

    public void writeLong(long address, long value) {
        open();
        word[0] = value;
        check(Unicorn.uc_mem_write(uc, address, wordSegment, 8), "write of 8 bytes at " + hex(address), address);
        invalidateIfCode(address, 8);
    }

    public int readInt(long address) {
        open();
        check(Unicorn.uc_mem_read(uc, address, wordSegment, 4), "read of 4 bytes at " + hex(address), address);
        return (int) word[0];
    }

    public void writeInt(long address, int value) {
        open();
        word[0] = value & 0xFFFF_FFFFL;
        check(Unicorn.uc_mem_write(uc, address, wordSegment, 4), "write of 4 bytes at " + hex(address), address);
        invalidateIfCode(address, 4);
    }

    private void invalidateIfCode(long address, long len) {
        if (!started) return;
        for (long[] r : execRanges) {
            if (Long.compareUnsigned(address, r[1]) < 0 && Long.compareUnsigned(r[0], address + len) < 0) {
                check(Unicorn.uc_ctl(uc, UcConst.UC_CTL_TB_REMOVE_CACHE_WORD, address, address + len),
                        "uc_ctl_remove_cache", address);
                return;
            }
        }
    }

    // ------------------------------------------------------------------ registers

    public long get(Arm64Reg reg) {
        open();
        word[0] = 0L;
        word[1] = 0L;
        check(Unicorn.uc_reg_read(uc, reg.ucId(), wordSegment), "read of register " + reg, 0);
        return word[0];
    }

    public void set(Arm64Reg reg, long value) {
        open();
        word[0] = value;
        word[1] = 0L;
        check(Unicorn.uc_reg_write(uc, reg.ucId(), wordSegment), "write of register " + reg, 0);
    }

    /** Several registers in one engine call. */
    public long[] get(Arm64Reg... regs) {
        open();
        long[] out = new long[regs.length];
        for (int from = 0; from < regs.length; from += BATCH) {
            int n = Math.min(BATCH, regs.length - from);
            for (int i = 0; i < n; i++) batchIdArray[i] = regs[from + i].ucId();
            MemorySegment.copy(batchIdArray, 0, batchIds, JAVA_INT, 0, n);
            java.util.Arrays.fill(batchValArray, 0, n, 0L);
            MemorySegment.copy(batchValArray, 0, batchVals, JAVA_LONG, 0, n);
            check(Unicorn.uc_reg_read_batch(uc, batchIds, batchPtrs, n), "batch read of registers", 0);
            MemorySegment.copy(batchVals, JAVA_LONG, 0, out, from, n);
        }
        return out;
    }

    /** {@code regs[i] = values[i]}, in one engine call per 64 registers. */
    public void set(Arm64Reg[] regs, long[] values) {
        open();
        if (regs.length != values.length) throw new IllegalArgumentException(regs.length + " registers, " + values.length + " values");
        for (int from = 0; from < regs.length; from += BATCH) {
            int n = Math.min(BATCH, regs.length - from);
            for (int i = 0; i < n; i++) batchIdArray[i] = regs[from + i].ucId();
            MemorySegment.copy(batchIdArray, 0, batchIds, JAVA_INT, 0, n);
            MemorySegment.copy(values, from, batchVals, JAVA_LONG, 0, n);
            check(Unicorn.uc_reg_write_batch(uc, batchIds, batchPtrs, n), "batch write of registers", 0);
        }
    }

    // ------------------------------------------------------------------ hooks

    public void onInstruction(InstructionHook hook) {
        beforeFirstRun("onInstruction");
        insnHooks.add(Objects.requireNonNull(hook));
    }

    public void onMemoryWrite(MemoryWriteHook hook) {
        beforeFirstRun("onMemoryWrite");
        writeHooks.add(Objects.requireNonNull(hook));
    }

    private void beforeFirstRun(String what) {
        open();
        if (started) throw new IllegalStateException(what + ": hooks must be installed before the first run");
    }

    private void addHook(int type, String method, java.lang.foreign.FunctionDescriptor desc) {
        engine.hook(type, engine.upcall(MethodHandles.lookup(), this, method, desc));
    }

    @SuppressWarnings("unused")
    private void codeHook(long engine, long address, int size, long user) {
        executed++;
        lastAddress = address;
        if (hookFailure != null) return;
        try {
            for (InstructionHook h : insn) h.onInstruction(address, size);
        } catch (Throwable t) {
            fail(t);
        }
    }

    @SuppressWarnings("unused")
    private void memWriteHook(long engine, int type, long address, int size, long value, long user) {
        if (hookFailure != null) return;
        try {
            // The code hook is always installed and fires before every instruction: its address is
            // the writing instruction's, without an engine call from inside this callback.
            long pc = lastAddress;
            long v = size >= 8 ? value : value & ((1L << (size * 8)) - 1);
            for (MemoryWriteHook h : writes) h.onWrite(pc, address, size, v);
        } catch (Throwable t) {
            fail(t);
        }
    }

    @SuppressWarnings("unused")
    private boolean invalidHook(long engine, int type, long address, int size, long value, long user) {
        try {
            if (!invalidSeen) {
                invalidSeen = true;
                invalidAddress = address;
                invalidPc = get(Arm64Reg.PC);
            }
        } catch (Throwable t) {
            fail(t);
        }
        return false;
    }

    private void fail(Throwable t) {
        if (hookFailure == null) hookFailure = t;
        try {
            Unicorn.uc_emu_stop(uc);
        } catch (Throwable ignored) {
            // inside a callback: nothing more to do
        }
    }

    // ------------------------------------------------------------------ running

    /**
     * Runs from {@code begin} until the pc reaches {@code until} (not executed), executing at most
     * {@code maxInstructions}; any other outcome throws {@link EmulationException}.
     */
    public RunResult run(long begin, long until, long maxInstructions) {
        open();
        if (running) throw new IllegalStateException("run() while running");
        if (maxInstructions <= 0) throw new IllegalArgumentException("maxInstructions must be > 0");
        if (!started) {
            insn = insnHooks.toArray(new InstructionHook[0]);
            writes = writeHooks.toArray(new MemoryWriteHook[0]);
            addHook(UcConst.UC_HOOK_CODE, "codeHook", Unicorn.HOOK_CODE_DESC);
            if (writes.length > 0) addHook(UcConst.UC_HOOK_MEM_WRITE, "memWriteHook", Unicorn.HOOK_MEM_DESC);
            started = true;
        }
        executed = 0;
        lastAddress = begin;
        hookFailure = null;
        invalidSeen = false;
        int err;
        running = true;
        try {
            err = Unicorn.uc_emu_start(uc, begin, until, 0, maxInstructions);
        } finally {
            running = false;
        }
        long pc = get(Arm64Reg.PC);
        if (hookFailure != null) {
            Throwable t = hookFailure;
            hookFailure = null;
            throw Engine.hookThrew(t, pc);
        }
        if (err != UcConst.UC_ERR_OK) {
            Kind kind = EmulationException.kindOf(err);
            String what = Unicorn.uc_strerror(err);
            if (invalidSeen) {
                throw new EmulationException(kind, err, invalidAddress, invalidPc,
                        what + " at " + hex(invalidAddress) + " (pc " + hex(invalidPc) + ")");
            }
            // Unicorn leaves pc at the faulting instruction for undefined instructions and exceptions.
            throw new EmulationException(kind, err, pc, pc, what + " at pc " + hex(pc));
        }
        if (pc == until) return new RunResult(executed, pc);
        if (executed >= maxInstructions) {
            throw new EmulationException(Kind.BUDGET_EXHAUSTED, 0, lastAddress, pc, "instruction budget of "
                    + maxInstructions + " exhausted; last instruction at " + hex(lastAddress) + ", next " + hex(pc));
        }
        throw new EmulationException(Kind.OTHER, 0, pc, pc, "emulation stopped at " + hex(pc) + " before reaching "
                + hex(until) + " after " + executed + " instructions");
    }

    /**
     * Calls the function at {@code address} per AAPCS64: up to 8 integer arguments in x0-x7, lr =
     * {@link #SENTINEL}, sp = {@code sp} (pass a 16-byte aligned one); runs until the sentinel.
     */
    public RunResult call(long address, long sp, long maxInstructions, long... args) {
        if (args.length > 8) throw new IllegalArgumentException("at most 8 register arguments");
        Arm64Reg[] regs = new Arm64Reg[args.length + 2];
        long[] vals = new long[args.length + 2];
        for (int i = 0; i < args.length; i++) {
            regs[i] = Arm64Reg.x(i);
            vals[i] = args[i];
        }
        regs[args.length] = Arm64Reg.X30;
        vals[args.length] = SENTINEL;
        regs[args.length + 1] = Arm64Reg.SP;
        vals[args.length + 1] = sp;
        set(regs, vals);
        return run(address, SENTINEL, maxInstructions);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        engine.close();
    }

    private void open() {
        if (closed) throw new IllegalStateException("machine is closed");
    }

    private void check(int err, String what, long address) {
        if (err == UcConst.UC_ERR_OK) return;
        throw new EmulationException(EmulationException.kindOf(err), err, address, 0, what + ": " + Unicorn.uc_strerror(err));
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
