package ctxlab.emu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;

/**
 * One open Unicorn engine with the native memory that lives as long as it: its confined arena,
 * the batch buffers for {@code uc_reg_read_batch}/{@code uc_reg_write_batch}, and the hooks added
 * to it. What {@link Machine} and {@link Arm64Machine} both need to open, hook and close an
 * engine; how each runs and reads it stays with them.
 *
 * <p>The machines copy {@link #uc} and the batch segments into final fields of their own, so that
 * their per-access calls do not go through this object.
 */
@SuppressWarnings("restricted") // upcall stubs
final class Engine implements AutoCloseable {
    /** Registers per batch call: the size of the batch buffers. */
    static final int BATCH = 64;

    final Arena arena;
    final MemorySegment uc;
    /** {@code int[BATCH]}: register ids of a batch call. */
    final MemorySegment batchIds;
    /** {@code long[BATCH]}: the values of a batch call. */
    final MemorySegment batchVals;
    /** {@code void*[BATCH]}: {@code batchPtrs[i] -> batchVals[i]}, as the batch calls take them. */
    final MemorySegment batchPtrs;
    private final MemorySegment hookHandle;
    private final List<Long> hooks = new ArrayList<>();
    private boolean closed;

    private Engine(Arena arena, MemorySegment uc) {
        this.arena = arena;
        this.uc = uc;
        this.batchIds = arena.allocate(JAVA_INT, BATCH);
        this.batchVals = arena.allocate(JAVA_LONG, BATCH);
        this.batchPtrs = arena.allocate(ADDRESS, BATCH);
        for (int i = 0; i < BATCH; i++) batchPtrs.setAtIndex(ADDRESS, i, batchVals.asSlice(8L * i, 8));
        this.hookHandle = arena.allocate(JAVA_LONG);
    }

    /**
     * Opens an engine; {@code what} names it in the error ("uc_open(X86, MODE_64)").
     *
     * @throws EmulationException when Unicorn refuses (a library built without the architecture)
     */
    static Engine open(int arch, int mode, String what) {
        Unicorn.ensureAvailable();
        Arena a = Arena.ofConfined();
        MemorySegment engine = null;
        try {
            MemorySegment out = a.allocate(ADDRESS);
            int err = Unicorn.uc_open(arch, mode, out);
            if (err != UcConst.UC_ERR_OK) {
                throw new EmulationException(EmulationException.kindOf(err), err, 0, 0, what + ": " + Unicorn.uc_strerror(err));
            }
            engine = out.get(ADDRESS, 0);
            return new Engine(a, engine);
        } catch (RuntimeException | Error e) {
            if (engine != null) Unicorn.uc_close(engine);
            a.close();
            throw e;
        }
    }

    /**
     * A native stub calling {@code owner}'s method {@code method} (private ones too: {@code lookup}
     * is the owner's), freed with this engine.
     */
    MemorySegment upcall(MethodHandles.Lookup lookup, Object owner, String method, FunctionDescriptor desc) {
        MethodHandle target;
        try {
            target = lookup.findVirtual(owner.getClass(), method, desc.toMethodType()).bindTo(owner);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return Linker.nativeLinker().upcallStub(target, desc, arena);
    }

    /** {@code uc_hook_add} of {@code stub} for every address; removed at {@link #close}. */
    void hook(int type, MemorySegment stub) {
        check(Unicorn.uc_hook_add(uc, hookHandle, type, stub, MemorySegment.NULL, 1, 0), "uc_hook_add(type " + type + ")");
        hooks.add(hookHandle.get(JAVA_LONG, 0));
    }

    /** {@code uc_hook_add} of an {@code UC_HOOK_INSN} hook for the instruction {@code insn}. */
    void hookInstruction(int insn, MemorySegment stub) {
        check(Unicorn.uc_hook_add_insn(uc, hookHandle, stub, MemorySegment.NULL, 1, 0, insn),
                "uc_hook_add(UC_HOOK_INSN " + insn + ")");
        hooks.add(hookHandle.get(JAVA_LONG, 0));
    }

    /** How many hooks were added (tests). */
    int hooks() {
        return hooks.size();
    }

    boolean isClosed() {
        return closed;
    }

    /** Removes the hooks, closes the engine and frees the arena (so the stubs). Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            for (long h : hooks) Unicorn.uc_hook_del(uc, h);
            hooks.clear();
            Unicorn.uc_close(uc);
        } finally {
            arena.close();
        }
    }

    /**
     * What a run throws when a Java hook threw {@code t} (the run stopped at {@code pc}): a runtime
     * exception or error unchanged, a checked one wrapped. Only on that path, never per instruction.
     */
    static RuntimeException hookThrew(Throwable t, long pc) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new EmulationException(EmulationException.Kind.OTHER, 0, pc, pc, "hook threw " + t + " at pc "
                + EmulationException.hex(pc), t);
    }

    private static void check(int err, String what) {
        if (err == UcConst.UC_ERR_OK) return;
        throw new EmulationException(EmulationException.kindOf(err), err, 0, 0, what + ": " + Unicorn.uc_strerror(err));
    }
}
