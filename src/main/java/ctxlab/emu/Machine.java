package ctxlab.emu;

import static ctxlab.emu.EmulationException.hex;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import ctxlab.emu.EmulationException.Kind;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An emulated x86-64 CPU with its memory (a Unicorn engine), seen from Java.
 *
 * <h2>State at creation</h2>
 * No memory is mapped; general registers are 0; {@code FPCW = 0x037F} and {@code MXCSR = 0x1F80} (the
 * Linux process defaults: a fresh Unicorn engine has {@code FPCW = 0}).
 *
 * <h2>Runs</h2>
 * {@link #run} returns normally only if execution reached {@code until} (which is not executed and
 * need not be mapped). Every other outcome throws an {@link EmulationException}: an engine error
 * (unmapped/protected access with the faulting data address, invalid instruction, unhandled CPU
 * exception), {@link Kind#BUDGET_EXHAUSTED}, {@link Kind#TIMEOUT}, or {@link Kind#OTHER} when the CPU
 * stopped by itself elsewhere (e.g. after {@code hlt}). An exception thrown by a Java hook stops the
 * emulation and is rethrown unchanged by {@code run} (checked ones wrapped in
 * {@link EmulationException} of kind OTHER).
 *
 * <h2>Instruction budget and counting</h2>
 * The budget is always enforced by Unicorn itself ({@code uc_emu_start}'s {@code count}: exactly
 * {@code maxInstructions} instructions may execute). By default the machine also installs one code hook
 * (a Java upcall per instruction) which counts executed instructions ({@link RunResult#instructions()})
 * and dispatches to {@link #onInstruction} hooks; the count is what tells budget exhaustion apart from
 * a CPU that stopped by itself. {@link #countInstructions(boolean) countInstructions(false)} removes
 * that upcall when there are no instruction hooks (faster; {@code instructions() == -1}, and a stop
 * before {@code until} that is neither an error nor a timeout is then reported as BUDGET_EXHAUSTED
 * unless the byte before the stop address is {@code hlt}). On BUDGET_EXHAUSTED, {@code pc()} is the next
 * (not executed) instruction and {@code address()} the last executed one when counting (else the pc).
 * Measured: the counting upcall costs ~40-75 ns per instruction (a tight loop runs at ~2-4 ns per
 * instruction without it); a 17-instruction call takes ~0.7-1.1 us without and ~1.3-2.5 us with it.
 *
 * <h2>Hooks</h2>
 * Unicorn does not apply hooks added after code was translated, so {@link #onInstruction},
 * {@link #onMemoryWrite} and {@link #countInstructions} must be called before the first run
 * ({@link IllegalStateException} afterwards). Internally one code hook and one memory-write hook
 * dispatch to the Java lists. {@link #hookWritesOutsideWindows} and {@link #writeWindows} let the
 * write hooks skip the writes a caller expects (a verifier's own contexts), before any Java runs.
 *
 * <h2>Data mappings</h2>
 * {@link #mapData} maps non-executable memory that the accessors reach by plain copies, not engine
 * calls: the verifier's zones, written and read a dozen times per check.
 *
 * <h2>Code rewritten between runs</h2>
 * Unicorn 2.0.1 does not drop translated code when the host writes memory. {@link #write},
 * {@link #writeInt} and {@link #writeLong} therefore remove the translations of the written range when
 * it touches an executable mapping (and map/unmap/protect remove those of their range), so rewritten
 * code is what runs next. (A full TB flush, {@code UC_CTL_TB_FLUSH}, was measured at ~69 ms and is
 * never used.)
 *
 * <h2>Timeout</h2>
 * Implemented by a shared daemon watchdog thread that calls {@code uc_emu_stop} (Unicorn's own timeout
 * parameter starts a native thread per run, measured at ~0.2 ms per run); resolution ~5 ms.
 * {@code null} or {@link Duration#ZERO} means no timeout.
 *
 * <h2>User privilege</h2>
 * Unicorn starts at CPL 0 and runs {@code syscall} as a no-op and {@code cli}, {@code wrmsr} and the
 * like as if it were the kernel. A machine therefore drops to CPL 3 (IOPL 0) when it is created, the
 * way Linux runs user code: a one-off {@code iretq} through a throw-away GDT in a scratch page that is
 * unmapped again (~0.1 ms). The CPU model then raises #GP itself for privileged instructions; an
 * interrupt hook and instruction hooks (syscall, sysenter, in, out), which cost nothing until such an
 * instruction runs, stop the run with {@link Kind#PRIVILEGED} naming the instruction
 * ({@link UserTraps}). {@code hlt} also raises #GP at CPL 3, but it stays {@link Kind#OTHER} with
 * {@code pc()} after it, as a halting CPU reports it: callers pad code with {@code hlt} to stop
 * runaways. Other CPU exceptions (#DE, #DB from TF, ...) stay {@link Kind#CPU_EXCEPTION}, now with
 * the vector in the message. The system property {@value #IGNORE_PRIVILEGE_PROPERTY}{@code =true} turns
 * all this off (tests only: it proves the host's second wall, the seccomp filter).
 *
 * <h2>Threads</h2>
 * A machine is confined to the thread that created it (its memory arena is confined); it is not
 * thread-safe. Host-side calls ({@code get}, {@code read}, ...) are allowed from inside hooks; {@code run},
 * {@code call} and {@code close} are not.
 */
@SuppressWarnings("restricted") // upcall stubs and uc_mem_regions' array
public final class Machine implements AutoCloseable {

    /** Return address pushed by {@link #call}; reaching it ends the call. Never mapped, never fetched. */
    public static final long SENTINEL = 0xdead_0000_0000L;
    public static final long DEFAULT_BUDGET = 1_000_000;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final long PAGE_SIZE = 4096;

    /** The size to map for {@code size} bytes: whole pages, at least one. */
    public static long pages(long size) {
        return Math.max(PAGE_SIZE, (size + PAGE_SIZE - 1) & -PAGE_SIZE);
    }
    /** Linux process defaults, set at creation. */
    public static final long DEFAULT_FPCW = 0x037F, DEFAULT_MXCSR = 0x1F80;

    /** Test-only: machines created while this system property is "true" run code at CPL 0 and ignore syscall. */
    public static final String IGNORE_PRIVILEGE_PROPERTY = "ctxlab.test.ignorePrivilege";
    /** Where the one-off privilege drop runs; unmapped again before the machine is handed out. */
    private static final long BOOT_PAGE = 0x1000;

    private static final Reg[] ARG_REGS = {Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9};
    private static final int BATCH_CAPACITY = Engine.BATCH;

    /** Called before each instruction executes. */
    @FunctionalInterface
    public interface InstructionHook {
        void onInstruction(long address, int size);
    }

    /**
     * Called before each memory write by emulated code. {@code pc} is the address of the writing
     * instruction, {@code value} is the written value zero-extended from {@code size} bytes (for
     * accesses wider than 8 bytes Unicorn reports pieces of at most 8 bytes).
     */
    @FunctionalInterface
    public interface MemoryWriteHook {
        void onWrite(long pc, long address, int size, long value);
    }

    /**
     * Called before each memory read by emulated code (data reads, including stack pops; not
     * instruction fetches). {@code pc} is the address of the reading instruction. Unicorn does not
     * pass the value: read it with {@link #read} from the hook, the memory still holds it.
     */
    @FunctionalInterface
    public interface MemoryReadHook {
        void onRead(long pc, long address, int size);
    }

    /** @param instructions executed instructions (-1 when not counted); @param rip final RIP. */
    public record RunResult(long instructions, long rip) {}

    private final Engine engine;
    // Copies of the engine's, so that per-access calls do not go through it.
    private final Arena arena;
    private final MemorySegment uc;
    private final MemorySegment scratch;     // 16 bytes for single values
    // Single registers and words go through a Java array passed to the engine directly (the calls are
    // "critical", which allows heap segments): a MemorySegment get/set runs the layout's bounds and
    // alignment checks, which the C1-only launcher JVM does not inline; they were ~15% of verify's
    // samples. 16 bytes: some registers (xmm) are wider than a word. The hosts are little-endian.
    private final long[] word = new long[2];
    private final MemorySegment wordSegment = MemorySegment.ofArray(word);
    private final int[] batchIdArray = new int[BATCH_CAPACITY];
    private final MemorySegment batchIds;    // int[BATCH_CAPACITY]
    private final MemorySegment batchVals;   // long[BATCH_CAPACITY]
    private final MemorySegment batchPtrs;   // void*[BATCH_CAPACITY] -> batchVals[i]

    private final List<InstructionHook> instructionHooks = new ArrayList<>();
    private final List<MemoryWriteHook> writeHooks = new ArrayList<>();
    private final List<MemoryReadHook> readHooks = new ArrayList<>();
    private InstructionHook[] insnHookArray = new InstructionHook[0];
    private MemoryWriteHook[] writeHookArray = new MemoryWriteHook[0];
    private MemoryReadHook[] readHookArray = new MemoryReadHook[0];
    private boolean counting = true;
    /** Write hooks skip the writes inside {@link #windows} (see {@link #hookWritesOutsideWindows}). */
    private boolean windowed;
    private long[] windows = new long[0];
    /** Data mappings ({@link #mapData}): [dataBegin[i], dataEnd[i]) is backed by dataMemory[i]. */
    private long[] dataBegin = new long[0], dataEnd = new long[0];
    private MemorySegment[] dataMemory = new MemorySegment[0];
    private static final java.lang.foreign.ValueLayout.OfLong LE_LONG_UNALIGNED =
            JAVA_LONG.withByteAlignment(1).withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.foreign.ValueLayout.OfInt LE_INT_UNALIGNED =
            JAVA_INT.withByteAlignment(1).withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    /** Executable mapped ranges as [begin, endExclusive) pairs, refreshed after map/unmap/protect. */
    private long[] execRanges = new long[0];
    private boolean started;
    private boolean closed;

    // Per-run state, written by callbacks.
    private long executed;
    private long lastAddress;
    private Throwable hookFailure;
    private boolean invalidSeen;
    private long invalidAddress;
    private int invalidSize;
    private long invalidPc;
    private final boolean userMode;
    /** Set by the privilege hooks: a trap (PRIVILEGED or CPU_EXCEPTION) or a hlt ended the run. */
    private Kind trapKind;
    private long trapPc;
    private String trapWhat;
    private boolean halted;
    private long haltPc;
    /** A #DE/#GP/#DF was raised in this run: QEMU remembers it (see {@link #forgetException}). */
    private boolean contributory;

    // Shared with the watchdog thread (guarded by runLock).
    private final Object runLock = new Object();
    private boolean running;
    private boolean timedOut;
    private long deadline;

    private Machine() {
        Engine e = Engine.open(UcConst.UC_ARCH_X86, UcConst.UC_MODE_64, "uc_open(X86, MODE_64)");
        try {
            this.engine = e;
            this.arena = e.arena;
            this.uc = e.uc;
            this.scratch = arena.allocate(16, 16);
            this.batchIds = e.batchIds;
            this.batchVals = e.batchVals;
            this.batchPtrs = e.batchPtrs;
            this.userMode = !Boolean.getBoolean(IGNORE_PRIVILEGE_PROPERTY);
            if (userMode) enterUserMode();
            set(Reg.FPCW, DEFAULT_FPCW);
            set(Reg.MXCSR, DEFAULT_MXCSR);
            addHook(UcConst.UC_HOOK_MEM_INVALID, "invalidHook");
        } catch (RuntimeException | Error x) {
            e.close();
            throw x;
        }
    }

    /**
     * Drops the fresh engine to CPL 3: {@code lgdt} of a GDT with Linux's user code (0x33) and data
     * (0x2b) descriptors, then {@code iretq} to them. The scratch page, its translations and the GDT
     * register are cleared afterwards, so no trace of this is left in memory (a later segment load
     * faults, as user code loading a selector Linux does not have would).
     */
    private void enterUserMode() {
        long b = BOOT_PAGE;
        byte[] page = new byte[(int) PAGE_SIZE];
        byte[] code = {
                0x0f, 0x01, 0x15, (byte) 0xf9, 0x00, 0x00, 0x00,       // lgdt 0x100(%rip) (at b+0x100)
                0x6a, 0x2b,                                            // push $0x2b        ss
                0x68, 0x00, 0x0f, 0x00, 0x00,                          // push $0xf00+b     rsp (any)
                0x68, 0x02, 0x02, 0x00, 0x00,                          // push $0x202       rflags
                0x6a, 0x33,                                            // push $0x33        cs
                0x68, 0x1c, 0x10, 0x00, 0x00,                          // push $b+28        rip
                0x48, (byte) 0xcf,                                     // iretq
        };
        System.arraycopy(code, 0, page, 0, code.length);
        long until = b + code.length;
        // GDTR at +0x100: limit 0x37, base b+0x200; GDT entry 5 user data (DPL 3), entry 6 user code (DPL 3, L).
        page[0x100] = 0x37;
        LE_LONG.set(page, 0x102, b + 0x200);
        LE_LONG.set(page, 0x200 + 5 * 8, 0x00CFF3000000FFFFL);
        LE_LONG.set(page, 0x200 + 6 * 8, 0x00AFFB000000FFFFL);
        check(Unicorn.uc_mem_map(uc, b, PAGE_SIZE, UcConst.UC_PROT_ALL), "map of the privilege-drop page", b);
        try {
            MemorySegment src = arena.allocate(PAGE_SIZE);
            MemorySegment.copy(page, 0, src, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, page.length);
            check(Unicorn.uc_mem_write(uc, b, src, PAGE_SIZE), "write of the privilege-drop page", b);
            set(Reg.RSP, b + 0xf00);
            check(Unicorn.uc_emu_start(uc, b, until, 0, 16), "dropping to user privilege", b);
            if (get(Reg.RIP) != until) {
                throw new EmulationException(Kind.OTHER, 0, b, get(Reg.RIP), "dropping to user privilege stopped at "
                        + hex(get(Reg.RIP)));
            }
        } finally {
            Unicorn.uc_ctl(uc, UcConst.UC_CTL_TB_REMOVE_CACHE_WORD, b, b + PAGE_SIZE);
            Unicorn.uc_mem_unmap(uc, b, PAGE_SIZE);
        }
        MemorySegment mmr = arena.allocate(Unicorn.X86_MMR_SIZE, 8);  // zero: base 0, limit 0
        check(Unicorn.uc_reg_write(uc, UcConst.UC_X86_REG_GDTR, mmr), "clearing GDTR", 0);
        set(new Reg[] {Reg.RSP, Reg.RIP, Reg.RFLAGS}, new long[] {0, 0, 2});
    }

    private static final java.lang.invoke.VarHandle LE_LONG =
            MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private long unmappedFetches;

    /** Stubs of undefined symbols ({@link Externals}), by address. */
    private final Map<Long, Externals.Stub> externals = new java.util.HashMap<>();

    /**
     * Makes {@code stub.address()} (mapped, holding {@code hlt}) the stop of an undefined symbol: a run
     * that reaches it ends in {@link Kind#EXTERNAL} naming the symbol and the reference. Use
     * {@link Externals#load} rather than calling this directly.
     */
    public void external(Externals.Stub stub) {
        open();
        externals.put(stub.address(), Objects.requireNonNull(stub));
    }

    /** The undefined symbol whose stub is at {@code pc} ("_exit@PLT"), if any. */
    public java.util.Optional<String> externalAt(long pc) {
        Externals.Stub s = externals.get(pc);
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(s.symbol());
    }

    /** The stub at {@code pc}, with the reference that leads there, if any. */
    public java.util.Optional<Externals.Stub> stubAt(long pc) {
        return java.util.Optional.ofNullable(externals.get(pc));
    }

    private EmulationException externalStop(Externals.Stub s) {
        set(Reg.RIP, s.address());   // at the symbol: the hlt there only stands for it
        return new EmulationException(Kind.EXTERNAL, 0, s.address(), s.from(), s.message());
    }

    /**
     * Runs of this machine that ended fetching unmapped memory. Unicorn 2.0.1 leaves a one-shot
     * translation block (~190 bytes) in the engine's 1 GiB translation buffer for each, freed only
     * by closing the engine (resident memory grows to ~1 GB, then stays): a caller that expects
     * many such faults (a verifier of a routine that jumps to 0) replaces its machine every few
     * ten thousand of them to keep memory constant.
     */
    public long unmappedFetches() {
        return unmappedFetches;
    }

    /** Whether this machine runs code at user privilege (always, unless the test-only switch is set). */
    public boolean userMode() {
        return userMode;
    }

    /** A fresh 64-bit x86 machine. Costs ~20 ms (engine creation). */
    public static Machine x86_64() {
        return new Machine();
    }

    /** The Unicorn library version as "major.minor". */
    public static String unicornVersion() {
        Unicorn.ensureAvailable();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(JAVA_INT), minor = a.allocate(JAVA_INT);
            Unicorn.uc_version(major, minor);
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        }
    }

    // ---------------------------------------------------------------- memory

    /** Maps {@code [address, address+size)}; both must be multiples of 4 KiB. {@code prot}: UC_PROT_* bits. */
    public void map(long address, long size, int prot) {
        checkRange("map", address, size);
        checkProt(prot);
        check(Unicorn.uc_mem_map(uc, address, size, prot), "map " + range(address, size), address);
        removeTranslations(address, size);
        refreshExecRanges();
    }

    /**
     * Maps {@code [address, address+size)} like {@link #map}, backed by native memory this machine
     * allocates, so that {@link #write}, {@link #read} and the word accessors reach it by a memory
     * copy instead of an engine call. An engine call looks the region up, checks the range is mapped
     * and checks for translated code on every access: for a verifier that sets up a few contexts and
     * stacks per check, the engine calls were more time than the emulation. Data only: bytes written
     * this way bypass Unicorn, so it could not drop translations of code in them, and {@code prot}
     * may not include {@code UC_PROT_EXEC} (nor may {@link #protect} add it later).
     */
    public void mapData(long address, long size, int prot) {
        checkRange("map", address, size);
        checkProt(prot);
        if ((prot & UcConst.UC_PROT_EXEC) != 0) {
            throw new IllegalArgumentException("a data mapping cannot be executable: " + range(address, size));
        }
        MemorySegment memory = arena.allocate(size, PAGE_SIZE);
        check(Unicorn.uc_mem_map_ptr(uc, address, size, prot, memory), "map " + range(address, size), address);
        int n = dataBegin.length;
        dataBegin = java.util.Arrays.copyOf(dataBegin, n + 1);
        dataEnd = java.util.Arrays.copyOf(dataEnd, n + 1);
        dataMemory = java.util.Arrays.copyOf(dataMemory, n + 1);
        dataBegin[n] = address;
        dataEnd[n] = address + size;
        dataMemory[n] = memory;
        removeTranslations(address, size);
        refreshExecRanges();
    }

    /** Index of the data mapping holding all of {@code [address, address+len)}, or -1. */
    private int dataMapping(long address, long len) {
        long[] b = dataBegin;
        for (int i = 0; i < b.length; i++) {
            if (Long.compareUnsigned(address, b[i]) >= 0 && Long.compareUnsigned(address, dataEnd[i]) < 0
                    && Long.compareUnsigned(len, dataEnd[i] - address) <= 0) {
                return i;
            }
        }
        return -1;
    }

    /** Index of a data mapping overlapping {@code [address, address+size)}, or -1. */
    private int dataOverlapping(long address, long size) {
        long end = address + size;
        for (int i = 0; i < dataBegin.length; i++) {
            if (Long.compareUnsigned(address, dataEnd[i]) < 0 && Long.compareUnsigned(dataBegin[i], end) < 0) return i;
        }
        return -1;
    }

    /** A data mapping overlapping {@code [address, address+size)} must be covered by it exactly. */
    private int dataMappingUnmapped(long address, long size) {
        int i = dataOverlapping(address, size);
        if (i >= 0 && (dataBegin[i] != address || dataEnd[i] != address + size)) {
            throw new IllegalArgumentException("unmap " + range(address, size) + " must cover the data mapping "
                    + range(dataBegin[i], dataEnd[i] - dataBegin[i]) + " exactly");
        }
        return i;
    }

    public void unmap(long address, long size) {
        checkRange("unmap", address, size);
        int data = dataMappingUnmapped(address, size);
        removeTranslations(address, size);
        check(Unicorn.uc_mem_unmap(uc, address, size), "unmap " + range(address, size), address);
        if (data >= 0) {
            // The native memory stays with the arena until close: Unicorn no longer refers to it.
            int n = dataBegin.length - 1;
            dataBegin[data] = dataBegin[n];
            dataEnd[data] = dataEnd[n];
            dataMemory[data] = dataMemory[n];
            dataBegin = java.util.Arrays.copyOf(dataBegin, n);
            dataEnd = java.util.Arrays.copyOf(dataEnd, n);
            dataMemory = java.util.Arrays.copyOf(dataMemory, n);
        }
        refreshExecRanges();
    }

    public void protect(long address, long size, int prot) {
        checkRange("protect", address, size);
        checkProt(prot);
        if ((prot & UcConst.UC_PROT_EXEC) != 0 && dataOverlapping(address, size) >= 0) {
            throw new IllegalArgumentException("a data mapping cannot be made executable: " + range(address, size));
        }
        removeTranslations(address, size);
        check(Unicorn.uc_mem_protect(uc, address, size, prot), "protect " + range(address, size), address);
        refreshExecRanges();
    }

    /**
     * Unicorn 2.0.1 does not invalidate translated code when the host writes memory: without this,
     * code rewritten between runs would keep executing its old translation. Costs ~0.3 us, so it is
     * done only for writes that touch an executable mapping after the first run (retranslation of the
     * rewritten block then costs some 50 us on the next run).
     */
    private void invalidateIfCode(long address, long len) {
        if (!started) return;
        long end = address + len;
        long[] r = execRanges;
        for (int i = 0; i < r.length; i += 2) {
            if (Long.compareUnsigned(address, r[i + 1]) < 0 && Long.compareUnsigned(r[i], end) < 0) {
                removeTranslations(address, len);
                return;
            }
        }
    }

    private void removeTranslations(long address, long len) {
        if (!started || len <= 0) return;
        check(Unicorn.uc_ctl(uc, UcConst.UC_CTL_TB_REMOVE_CACHE_WORD, address, address + len),
                "uc_ctl_remove_cache " + range(address, len), address);
    }

    private void refreshExecRanges() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regionsOut = a.allocate(ADDRESS);
            MemorySegment countOut = a.allocate(JAVA_INT);
            check(Unicorn.uc_mem_regions(uc, regionsOut, countOut), "uc_mem_regions", 0);
            int n = countOut.get(JAVA_INT, 0);
            MemorySegment regions = regionsOut.get(ADDRESS, 0);
            try {
                MemorySegment rs = regions.reinterpret(n * Unicorn.MEM_REGION_SIZE);
                long[] out = new long[2 * n];
                int k = 0;
                for (int i = 0; i < n; i++) {
                    long base = i * Unicorn.MEM_REGION_SIZE;
                    int perms = rs.get(JAVA_INT, base + 16);
                    if ((perms & UcConst.UC_PROT_EXEC) == 0) continue;
                    out[k++] = rs.get(JAVA_LONG, base);
                    out[k++] = rs.get(JAVA_LONG, base + 8) + 1; // inclusive end -> exclusive
                }
                execRanges = java.util.Arrays.copyOf(out, k);
            } finally {
                if (!regions.equals(MemorySegment.NULL)) Unicorn.uc_free(regions);
            }
        }
    }

    public void write(long address, byte[] bytes) {
        open();
        if (bytes.length == 0) return;
        int d = dataMapping(address, bytes.length);
        if (d >= 0) {
            MemorySegment.copy(bytes, 0, dataMemory[d], JAVA_BYTE, address - dataBegin[d], bytes.length);
            return;
        }
        int err = Unicorn.uc_mem_write(uc, address, MemorySegment.ofArray(bytes), bytes.length);
        if (err != UcConst.UC_ERR_OK) check(err, "write of " + bytes.length + " bytes at " + hex(address), address);
        invalidateIfCode(address, bytes.length);
    }

    public byte[] read(long address, int len) {
        open();
        if (len < 0) throw new IllegalArgumentException("negative length " + len);
        byte[] b = new byte[len];
        if (len == 0) return b;
        int d = dataMapping(address, len);
        if (d >= 0) {
            MemorySegment.copy(dataMemory[d], JAVA_BYTE, address - dataBegin[d], b, 0, len);
            return b;
        }
        int err = Unicorn.uc_mem_read(uc, address, MemorySegment.ofArray(b), len);
        if (err != UcConst.UC_ERR_OK) check(err, "read of " + len + " bytes at " + hex(address), address);
        return b;
    }

    public long readLong(long address) {
        open();
        int d = dataMapping(address, 8);
        if (d >= 0) return dataMemory[d].get(LE_LONG_UNALIGNED, address - dataBegin[d]);
        int err = Unicorn.uc_mem_read(uc, address, wordSegment, 8);
        if (err != UcConst.UC_ERR_OK) check(err, "read of 8 bytes at " + hex(address), address);
        return word[0];
    }

    public void writeLong(long address, long value) {
        open();
        int d = dataMapping(address, 8);
        if (d >= 0) {
            dataMemory[d].set(LE_LONG_UNALIGNED, address - dataBegin[d], value);
            return;
        }
        word[0] = value;
        int err = Unicorn.uc_mem_write(uc, address, wordSegment, 8);
        if (err != UcConst.UC_ERR_OK) check(err, "write of 8 bytes at " + hex(address), address);
        invalidateIfCode(address, 8);
    }

    public int readInt(long address) {
        open();
        int d = dataMapping(address, 4);
        if (d >= 0) return dataMemory[d].get(LE_INT_UNALIGNED, address - dataBegin[d]);
        int err = Unicorn.uc_mem_read(uc, address, wordSegment, 4);
        if (err != UcConst.UC_ERR_OK) check(err, "read of 4 bytes at " + hex(address), address);
        return (int) word[0];
    }

    public void writeInt(long address, int value) {
        open();
        int d = dataMapping(address, 4);
        if (d >= 0) {
            dataMemory[d].set(LE_INT_UNALIGNED, address - dataBegin[d], value);
            return;
        }
        word[0] = value & 0xFFFF_FFFFL;
        int err = Unicorn.uc_mem_write(uc, address, wordSegment, 4);
        if (err != UcConst.UC_ERR_OK) check(err, "write of 4 bytes at " + hex(address), address);
        invalidateIfCode(address, 4);
    }

    // ---------------------------------------------------------------- registers

    /** The register's value, zero-extended from its width. */
    public long get(Reg reg) {
        open();
        word[0] = 0L;
        int err = Unicorn.uc_reg_read(uc, reg.ucId(), wordSegment);
        if (err != UcConst.UC_ERR_OK) check(err, "read of register " + reg, 0);
        return word[0] & reg.mask();
    }

    /** Sets the register; {@code value} must fit the register's width (unsigned). */
    public void set(Reg reg, long value) {
        open();
        checkFits(reg, value);
        word[0] = value;
        int err = Unicorn.uc_reg_write(uc, reg.ucId(), wordSegment);
        if (err != UcConst.UC_ERR_OK) check(err, "write of register " + reg, 0);
    }

    /** Reads several registers with one engine call. */
    public long[] get(Reg... regs) {
        open();
        int n = regs.length;
        long[] out = new long[n];
        if (n == 0) return out;
        if (n > BATCH_CAPACITY) {
            for (int i = 0; i < n; i++) out[i] = get(regs[i]);
            return out;
        }
        for (int i = 0; i < n; i++) batchIdArray[i] = regs[i].ucId();
        // Bulk copies, not one checked segment access per element (see `word`).
        MemorySegment.copy(batchIdArray, 0, batchIds, JAVA_INT, 0, n);
        MemorySegment.copy(out, 0, batchVals, JAVA_LONG, 0, n);   // zeros: narrow registers fill only their width
        check(Unicorn.uc_reg_read_batch(uc, batchIds, batchPtrs, n), "batch read of registers", 0);
        MemorySegment.copy(batchVals, JAVA_LONG, 0, out, 0, n);
        for (int i = 0; i < n; i++) out[i] &= regs[i].mask();
        return out;
    }

    /** Writes several registers with one engine call ({@code regs[i] = values[i]}). */
    public void set(Reg[] regs, long[] values) {
        open();
        if (regs.length != values.length) {
            throw new IllegalArgumentException(regs.length + " registers but " + values.length + " values");
        }
        int n = regs.length;
        if (n == 0) return;
        if (n > BATCH_CAPACITY) {
            for (int i = 0; i < n; i++) set(regs[i], values[i]);
            return;
        }
        for (int i = 0; i < n; i++) {
            checkFits(regs[i], values[i]);
            batchIdArray[i] = regs[i].ucId();
        }
        MemorySegment.copy(batchIdArray, 0, batchIds, JAVA_INT, 0, n);
        MemorySegment.copy(values, 0, batchVals, JAVA_LONG, 0, n);
        check(Unicorn.uc_reg_write_batch(uc, batchIds, batchPtrs, n), "batch write of registers", 0);
    }

    /** Writes several registers with one engine call. */
    public void set(Map<Reg, Long> values) {
        Reg[] regs = new Reg[values.size()];
        long[] vals = new long[regs.length];
        int i = 0;
        for (Map.Entry<Reg, Long> e : values.entrySet()) {
            regs[i] = Objects.requireNonNull(e.getKey());
            vals[i++] = Objects.requireNonNull(e.getValue(), () -> "value for " + e.getKey());
        }
        set(regs, vals);
    }

    // ---------------------------------------------------------------- hooks

    /** Adds an instruction hook. Must be called before the first run. */
    public void onInstruction(InstructionHook hook) {
        beforeFirstRun("onInstruction");
        instructionHooks.add(Objects.requireNonNull(hook));
    }

    /** Adds a memory-write hook. Must be called before the first run. */
    public void onMemoryWrite(MemoryWriteHook hook) {
        beforeFirstRun("onMemoryWrite");
        writeHooks.add(Objects.requireNonNull(hook));
    }

    /**
     * From now on the memory-write hooks see only writes that do not lie wholly inside one of the
     * windows last given to {@link #writeWindows} (none: every write). A verifier needs only the
     * writes a routine must not make (its own contexts and red zone are windows); skipping the others
     * before anything else saves the register read for the pc and the Java hooks on every save.
     * (Unicorn's own hook ranges would save the upcall too, but changing them per run, as the windows
     * move, costs more than it saves: each hook added or removed flushes the engine's TLB.)
     * Must be called before the first run.
     */
    public void hookWritesOutsideWindows() {
        beforeFirstRun("hookWritesOutsideWindows");
        windowed = true;
    }

    /**
     * The windows, as {@code [begin, end)} pairs, whose writes the write hooks skip from the next run
     * on (see {@link #hookWritesOutsideWindows}).
     */
    public void writeWindows(long... beginEnd) {
        open();
        if (!windowed) throw new IllegalStateException("writeWindows needs hookWritesOutsideWindows() before the first run");
        if (beginEnd.length % 2 != 0) throw new IllegalArgumentException("windows come in [begin, end) pairs");
        for (int i = 0; i < beginEnd.length; i += 2) {
            if (Long.compareUnsigned(beginEnd[i], beginEnd[i + 1]) > 0) {
                throw new IllegalArgumentException("window " + hex(beginEnd[i]) + ".." + hex(beginEnd[i + 1]) + " ends before it begins");
            }
        }
        if (windows.length != beginEnd.length) windows = new long[beginEnd.length];
        System.arraycopy(beginEnd, 0, windows, 0, beginEnd.length);
    }

    private boolean insideWindow(long address, int size) {
        long[] w = windows;
        long end = address + size;
        for (int i = 0; i < w.length; i += 2) {
            if (Long.compareUnsigned(address, w[i]) >= 0 && Long.compareUnsigned(end, w[i + 1]) <= 0
                    && Long.compareUnsigned(address, end) < 0) {
                return true;
            }
        }
        return false;
    }

    /** Adds a memory-read hook. Must be called before the first run. */
    public void onMemoryRead(MemoryReadHook hook) {
        beforeFirstRun("onMemoryRead");
        readHooks.add(Objects.requireNonNull(hook));
    }

    /**
     * Whether runs count executed instructions with a per-instruction upcall (default true). With
     * false and no instruction hooks there is no per-instruction upcall. Must be called before the
     * first run.
     */
    public void countInstructions(boolean count) {
        beforeFirstRun("countInstructions");
        this.counting = count;
    }

    private void beforeFirstRun(String what) {
        open();
        if (started) {
            throw new IllegalStateException(what + ": hooks must be installed before the first run "
                    + "(Unicorn does not apply hooks to already translated code)");
        }
    }

    private void installHooks() {
        insnHookArray = instructionHooks.toArray(new InstructionHook[0]);
        writeHookArray = writeHooks.toArray(new MemoryWriteHook[0]);
        readHookArray = readHooks.toArray(new MemoryReadHook[0]);
        counting = counting || insnHookArray.length > 0;
        if (counting) {
            addHook(UcConst.UC_HOOK_CODE, "codeHook");
        }
        if (writeHookArray.length > 0) {
            addHook(UcConst.UC_HOOK_MEM_WRITE, "memWriteHook");
        }
        if (readHookArray.length > 0) {
            addHook(UcConst.UC_HOOK_MEM_READ, "memReadHook");
        }
        if (userMode) {
            // Each fires only when its instruction or a CPU exception happens: nothing on the fast path.
            addHook(UcConst.UC_HOOK_INTR, "intrHook");
            addInsnHook(UcConst.UC_X86_INS_SYSCALL, "syscallHook", Unicorn.HOOK_SYSCALL_DESC);
            addInsnHook(UcConst.UC_X86_INS_SYSENTER, "syscallHook", Unicorn.HOOK_SYSCALL_DESC);
            addInsnHook(UcConst.UC_X86_INS_IN, "inHook", Unicorn.HOOK_IN_DESC);
            addInsnHook(UcConst.UC_X86_INS_OUT, "outHook", Unicorn.HOOK_OUT_DESC);
        }
    }

    private void addInsnHook(int insn, String method, java.lang.foreign.FunctionDescriptor desc) {
        engine.hookInstruction(insn, engine.upcall(MethodHandles.lookup(), this, method, desc));
    }

    private void addHook(int type, String method) {
        var desc = switch (type) {
            case UcConst.UC_HOOK_CODE -> Unicorn.HOOK_CODE_DESC;
            case UcConst.UC_HOOK_MEM_WRITE, UcConst.UC_HOOK_MEM_READ -> Unicorn.HOOK_MEM_DESC;
            case UcConst.UC_HOOK_INTR -> Unicorn.HOOK_INTR_DESC;
            default -> Unicorn.HOOK_EVENTMEM_DESC;
        };
        engine.hook(type, engine.upcall(MethodHandles.lookup(), this, method, desc));
    }

    // Callbacks: never let a Throwable escape into native code (it would kill the JVM).

    @SuppressWarnings("unused")
    private void codeHook(long engine, long address, int size, long user) {
        executed++;
        lastAddress = address;
        if (hookFailure != null) return;
        try {
            for (InstructionHook h : insnHookArray) h.onInstruction(address, size);
        } catch (Throwable t) {
            fail(t);
        }
    }

    @SuppressWarnings("unused")
    private void memWriteHook(long engine, int type, long address, int size, long value,
                              long user) {
        if (hookFailure != null) return;
        try {
            if (windowed && insideWindow(address, size)) return;
            long pc = pcInHook();
            long v = size >= 8 ? value : value & ((1L << (size * 8)) - 1);
            for (MemoryWriteHook h : writeHookArray) h.onWrite(pc, address, size, v);
        } catch (Throwable t) {
            fail(t);
        }
    }

    /**
     * The instruction a memory hook fires in. With the code hook installed it is the address that hook
     * saw last (it fires before every instruction, on all code), which saves an engine call per memory
     * access: one uc_reg_read from inside a callback was a tenth of verify's time.
     */
    private long pcInHook() {
        return counting ? lastAddress : get(Reg.RIP);
    }

    @SuppressWarnings("unused")
    private void memReadHook(long engine, int type, long address, int size, long value,
                             long user) {
        if (hookFailure != null) return;
        try {
            long pc = pcInHook();
            for (MemoryReadHook h : readHookArray) h.onRead(pc, address, size);
        } catch (Throwable t) {
            fail(t);
        }
    }

    @SuppressWarnings("unused")
    private boolean invalidHook(long engine, int type, long address, int size, long value,
                                long user) {
        try {
            if (!invalidSeen) {
                invalidSeen = true;
                invalidAddress = address;
                invalidSize = size;
                invalidPc = get(Reg.RIP);
            }
        } catch (Throwable t) {
            fail(t);
        }
        return false;
    }

    /** A CPU exception or software interrupt (#GP of a privileged instruction at CPL 3, int n, int3, #DE, ...). */
    @SuppressWarnings("unused")
    private void intrHook(MemorySegment engine, int intno, MemorySegment user) {
        try {
            intr(intno);
        } catch (Throwable t) {
            fail(t);
        }
        stopQuietly();
    }

    private void intr(int intno) {
        {
            if (intno == 0 || intno == 8 || (intno >= 10 && intno <= 14)) contributory = true;
            if (trapKind != null || halted) return;
            long pc = get(Reg.RIP);
            // Software interrupts trap with rip after the instruction: find it behind.
            if (intno == 3 && "int3".equals(decodeTrap(pc - 1))) {
                trap(Kind.PRIVILEGED, pc - 1, "int3 (a breakpoint trap into the kernel)");
                return;
            }
            if (intno == 1 && "int1".equals(decodeTrap(pc - 1))) {
                trap(Kind.PRIVILEGED, pc - 1, "int1 (a debug trap into the kernel)");
                return;
            }
            if (String.format("int $0x%x", intno).equals(decodeTrap(pc - 2))) {
                trap(Kind.PRIVILEGED, pc - 2, String.format("int $0x%x (a software interrupt into the kernel)", intno));
                return;
            }
            String name = decodeTrap(pc);
            // Unicorn never delivers an exception, so QEMU's bookkeeping keeps the last one and turns the
            // next contributory one (#GP after #GP) into #DF: a #DF here is a #GP or #DE, decoded alike.
            boolean gp = intno == 13 || intno == 8;
            if (gp && "hlt".equals(name)) {
                halted = true;
                haltPc = pc;
            } else if (name != null && gp) {
                trap(Kind.PRIVILEGED, pc, name + " (privileged: #GP at user privilege)");
            } else {
                trap(Kind.CPU_EXCEPTION, pc, UserTraps.vector(intno));
            }
        }
    }

    @SuppressWarnings("unused")
    private void syscallHook(MemorySegment engine, MemorySegment user) {
        try {
            long pc = get(Reg.RIP);
            String name = decodeTrap(pc);
            trap(Kind.PRIVILEGED, pc, (name == null ? "syscall" : name) + " (a system call)");
        } catch (Throwable t) {
            fail(t);
        }
        stopQuietly();
    }

    @SuppressWarnings("unused")
    private int inHook(MemorySegment engine, int port, int size, MemorySegment user) {
        portIo("in", port);
        return 0;
    }

    @SuppressWarnings("unused")
    private void outHook(MemorySegment engine, int port, int size, int value, MemorySegment user) {
        portIo("out", port);
    }

    private void portIo(String what, int port) {
        try {
            long pc = get(Reg.RIP);
            String name = decodeTrap(pc);
            trap(Kind.PRIVILEGED, pc, (name == null ? what : name) + " (port I/O on port " + hex(port & 0xffff)
                    + ": #GP at user privilege)");
        } catch (Throwable t) {
            fail(t);
        }
        stopQuietly();
    }

    private void trap(Kind kind, long pc, String what) {
        if (trapKind != null) return;
        trapKind = kind;
        trapPc = pc;
        trapWhat = what;
    }

    /** The instruction at {@code pc}, if it is one that needs the kernel; null when unreadable or ordinary. */
    private String decodeTrap(long pc) {
        byte[] b = new byte[UserTraps.MAX_LENGTH];
        int n = 0;
        for (; n < b.length; n++) {   // byte by byte: the instruction may end just before an unmapped page
            if (Unicorn.uc_mem_read(uc, pc + n, scratch, 1) != UcConst.UC_ERR_OK) break;
            b[n] = scratch.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0);
        }
        return UserTraps.name(b, n);
    }

    /**
     * Unicorn stops at a CPU exception without delivering it, so QEMU keeps it as the exception "in
     * flight" ({@code CPUX86State.old_exception}): the next #GP then becomes #DF, and the one after
     * a triple fault that halts the CPU silently. Nothing in the C API resets the field, so after
     * such a run the machine saves its context, sets that field back to -1 ("none", as delivery
     * would) and restores it. The field's offset is learnt once per process by {@link OldException}.
     * Costs a context save and restore (a few microseconds) per run that ended in #GP/#DE.
     */
    private void forgetException() {
        int offset = OldException.offset();
        if (offset < 0) return;
        MemorySegment ctx = context();
        check(Unicorn.uc_context_save(uc, ctx), "uc_context_save", 0);
        int v = ctx.get(JAVA_INT, offset);
        if (v == -1) return;
        if (v != 0 && v != 8 && (v < 10 || v > 14)) return;   // not what we expect there: leave it alone
        ctx.set(JAVA_INT, offset, -1);
        check(Unicorn.uc_context_restore(uc, ctx), "uc_context_restore", 0);
    }

    private MemorySegment context;

    /** This machine's context buffer (allocated by Unicorn, freed at close), as a segment of its size. */
    private MemorySegment context() {
        if (context == null) {
            MemorySegment out = arena.allocate(ADDRESS);
            check(Unicorn.uc_context_alloc(uc, out), "uc_context_alloc", 0);
            context = out.get(ADDRESS, 0).reinterpret(Unicorn.uc_context_size(uc));
        }
        return context;
    }

    /** Finds the offset of {@code old_exception} in a saved context: -1 before a #GP, 13 after it. */
    private static final class OldException {
        private static volatile int offset = -2;

        static int offset() {
            int o = offset;
            if (o != -2) return o;
            // The calibration's own machine asking: not calibrated. Another thread (verify --threads)
            // waits for the result instead, so that every thread handles the fault alike.
            if (Thread.holdsLock(OldException.class)) return -1;
            synchronized (OldException.class) {
                if (offset != -2) return offset;
                int found;
                try {
                    found = calibrate();
                } catch (RuntimeException e) {
                    found = -1;
                }
                offset = found;
                return found;
            }
        }

        private static int calibrate() {
            try (Machine m = new Machine()) {
                m.map(0x10000, PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
                m.write(0x10000, new byte[] {(byte) 0xfa});          // cli: #GP at CPL 3
                MemorySegment ctx = m.context();
                check0(Unicorn.uc_context_save(m.uc, ctx));
                byte[] before = ctx.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                try {
                    m.run(0x10000, 0x10001, 1, null);
                } catch (EmulationException expected) {
                    // the #GP, as intended
                }
                check0(Unicorn.uc_context_save(m.uc, ctx));
                byte[] after = ctx.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                int found = -1;
                for (int i = 0; i + 4 <= before.length; i += 4) {
                    if ((int) LE_INT.get(before, i) == -1 && (int) LE_INT.get(after, i) == 13) {
                        if (found >= 0) return -1;   // ambiguous: do nothing rather than guess
                        found = i;
                    }
                }
                return found;
            }
        }

        private static void check0(int err) {
            if (err != UcConst.UC_ERR_OK) throw new IllegalStateException("uc_context_save: " + err);
        }
    }

    private static final java.lang.invoke.VarHandle LE_INT =
            MethodHandles.byteArrayViewVarHandle(int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private void stopQuietly() {
        try {
            Unicorn.uc_emu_stop(uc);
        } catch (Throwable ignored) {
            // nothing more we can do inside a callback
        }
    }

    private void fail(Throwable t) {
        if (hookFailure == null) hookFailure = t;
        else if (hookFailure != t) hookFailure.addSuppressed(t);
        try {
            Unicorn.uc_emu_stop(uc);
        } catch (Throwable ignored) {
            // nothing more we can do inside a callback
        }
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs from {@code begin} until RIP reaches {@code until} (not executed), executing at most
     * {@code maxInstructions} (&gt; 0) instructions, for at most {@code timeout} (null or zero: none).
     *
     * @throws EmulationException on any other outcome (see the class comment)
     */
    public RunResult run(long begin, long until, long maxInstructions, Duration timeout) {
        open();
        if (running) throw new IllegalStateException("run() called while the machine is running (from a hook?)");
        if (maxInstructions <= 0) throw new IllegalArgumentException("maxInstructions must be > 0: " + maxInstructions);
        if (timeout != null && timeout.isNegative()) throw new IllegalArgumentException("negative timeout " + timeout);
        if (!started) {
            installHooks();
            started = true;
        }
        executed = 0;
        lastAddress = begin;
        hookFailure = null;
        invalidSeen = false;
        trapKind = null;
        trapWhat = null;
        halted = false;
        contributory = false;

        boolean timed = timeout != null && !timeout.isZero();
        int err;
        synchronized (runLock) {
            running = true;
            timedOut = false;
            deadline = timed ? System.nanoTime() + timeout.toNanos() : 0;
        }
        try {
            if (timed) Watchdog.arm(this);
            err = Unicorn.uc_emu_start(uc, begin, until, 0, maxInstructions);
        } finally {
            synchronized (runLock) {
                running = false;
            }
            if (timed) Watchdog.disarm(this);
        }
        boolean wasTimedOut;
        synchronized (runLock) {
            wasTimedOut = timedOut;
        }
        long count = counting ? executed : -1;
        if (contributory) forgetException();
        long rip = get(Reg.RIP);

        if (hookFailure != null) {
            Throwable t = hookFailure;
            hookFailure = null;
            throw Engine.hookThrew(t, rip);
        }
        if (trapKind == Kind.PRIVILEGED) {
            set(Reg.RIP, trapPc);   // it did not execute (Unicorn moves past syscall and int n)
            throw new EmulationException(Kind.PRIVILEGED, 0, trapPc, trapPc, "instruction " + trapWhat + " at "
                    + hex(trapPc) + (count >= 0 ? " after " + count + " instructions" : ""));
        }
        if (trapKind == Kind.CPU_EXCEPTION) {
            // As Unicorn reports it without a hook: pc after a trap (int), at a fault.
            throw new EmulationException(Kind.CPU_EXCEPTION, UcConst.UC_ERR_EXCEPTION, rip, rip, "Unhandled CPU exception ("
                    + trapWhat + ") at " + hex(trapPc) + " (pc " + hex(rip) + ")");
        }
        if (halted && externals.containsKey(haltPc)) throw externalStop(externals.get(haltPc));
        if (halted) {
            long after = haltPc + 1;
            set(Reg.RIP, after);   // where a halted CPU's rip points
            throw new EmulationException(Kind.OTHER, 0, after, after, "emulation stopped at " + hex(after)
                    + " before reaching " + hex(until) + " (hlt)" + (count >= 0 ? " after " + count + " instructions" : ""));
        }
        if (err != UcConst.UC_ERR_OK) {
            Kind kind = EmulationException.kindOf(err);
            if (kind == Kind.UNMAPPED_FETCH) unmappedFetches++;
            String what = Unicorn.uc_strerror(err);
            if (kind == Kind.INVALID_INSN && userMode) {
                // Unicorn's CPU model raises #UD for some of them (int1, rdpmc, sysenter on an AMD model).
                String name = decodeTrap(rip);
                if (name != null && !name.equals("hlt")) {
                    throw new EmulationException(Kind.PRIVILEGED, 0, rip, rip, "instruction " + name
                            + " (#UD at user privilege) at " + hex(rip) + (count >= 0 ? " after " + count + " instructions" : ""));
                }
            }
            if (invalidSeen) {
                long pc = invalidPc;
                throw new EmulationException(kind, err, invalidAddress, pc, what + " at " + hex(invalidAddress)
                        + " (pc " + hex(pc) + ", " + invalidSize + " bytes)");
            }
            throw new EmulationException(kind, err, rip, rip, what + " at pc " + hex(rip));
        }
        if (rip == until) return new RunResult(count, rip);
        if (wasTimedOut) {
            throw new EmulationException(Kind.TIMEOUT, 0, rip, rip, "timeout of " + timeout.toMillis()
                    + " ms exceeded; stopped at " + hex(rip) + " before reaching " + hex(until)
                    + (count >= 0 ? " after " + count + " instructions" : ""));
        }
        // at CPL 0 (tests only) hlt really halts: rip is after it
        if (haltedBefore(rip) && externals.containsKey(rip - 1)) throw externalStop(externals.get(rip - 1));
        boolean exhausted = counting ? count >= maxInstructions : !haltedBefore(rip);
        if (exhausted) {
            long last = counting ? lastAddress : rip;
            throw new EmulationException(Kind.BUDGET_EXHAUSTED, 0, last, rip, "instruction budget of "
                    + maxInstructions + " exhausted; " + (counting ? "last instruction at " + hex(last) + ", next "
                    : "stopped at ") + hex(rip) + " (until " + hex(until) + ")");
        }
        throw new EmulationException(Kind.OTHER, 0, rip, rip, "emulation stopped at " + hex(rip)
                + " before reaching " + hex(until) + (haltedBefore(rip) ? " (hlt)" : "")
                + (count >= 0 ? " after " + count + " instructions" : ""));
    }

    private boolean haltedBefore(long rip) {
        try {
            check(Unicorn.uc_mem_read(uc, rip - 1, scratch, 1), "", rip);
            return scratch.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0) == (byte) 0xF4;
        } catch (EmulationException e) {
            return false;
        }
    }

    /** Called by the watchdog thread every tick while this machine is armed. */
    private void checkDeadline(long now) {
        synchronized (runLock) {
            if (running && !closed && now - deadline >= 0) {
                timedOut = true;
                Unicorn.uc_emu_stop(uc); // re-sent every tick until the run ends
            }
        }
    }

    /** {@link #call(long, long, long, Duration, long...)} with {@link #DEFAULT_BUDGET} and {@link #DEFAULT_TIMEOUT}. */
    public RunResult call(long address, long stackTop, long... args) {
        return call(address, stackTop, DEFAULT_BUDGET, DEFAULT_TIMEOUT, args);
    }

    /**
     * Calls the function at {@code address} per the System V ABI: up to 6 integer arguments in rdi,
     * rsi, rdx, rcx, r8, r9; the return address {@link #SENTINEL} is stored at {@code stackTop-8} and
     * rsp set to {@code stackTop-8} (so pass a 16-byte aligned {@code stackTop} for the ABI's entry
     * alignment); runs until RIP reaches the sentinel. The result is in {@code get(Reg.RAX)}.
     */
    public RunResult call(long address, long stackTop, long maxInstructions, Duration timeout, long... args) {
        open();
        if (args.length > ARG_REGS.length) {
            throw new IllegalArgumentException("at most 6 register arguments, got " + args.length);
        }
        long sp = stackTop - 8;
        writeLong(sp, SENTINEL);
        Reg[] regs = new Reg[args.length + 1];
        long[] vals = new long[args.length + 1];
        System.arraycopy(ARG_REGS, 0, regs, 0, args.length);
        System.arraycopy(args, 0, vals, 0, args.length);
        regs[args.length] = Reg.RSP;
        vals[args.length] = sp;
        set(regs, vals);
        return run(address, SENTINEL, maxInstructions, timeout);
    }

    // ---------------------------------------------------------------- lifecycle

    /** Frees the engine, its hooks and upcall stubs. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        if (running) throw new IllegalStateException("close() called while the machine is running (from a hook?)");
        synchronized (runLock) {
            closed = true;
        }
        try {
            if (context != null) Unicorn.uc_context_free(context);
        } finally {
            engine.close();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- helpers

    private void open() {
        if (closed) throw new IllegalStateException("machine is closed");
    }

    // Hot calls test err first and build their message only on failure (a string per call showed in profiles).
    private void check(int err, String what, long address) {
        if (err == UcConst.UC_ERR_OK) return;
        long pc = uc == null || closed ? 0 : ripOrZero();
        throw new EmulationException(EmulationException.kindOf(err), err, address, pc,
                what + ": " + Unicorn.uc_strerror(err));
    }

    private long ripOrZero() {
        word[0] = 0L;
        return Unicorn.uc_reg_read(uc, Reg.RIP.ucId(), wordSegment) == UcConst.UC_ERR_OK ? word[0] : 0;
    }

    private void checkRange(String op, long address, long size) {
        open();
        if (size <= 0 || size % PAGE_SIZE != 0) {
            throw new EmulationException(Kind.ARG, UcConst.UC_ERR_ARG, address, 0, op + " " + hex(address)
                    + ": size " + hex(size) + " is not a positive multiple of the 4 KiB page size");
        }
        if (address % PAGE_SIZE != 0) {
            throw new EmulationException(Kind.ARG, UcConst.UC_ERR_ARG, address, 0, op + " " + hex(address)
                    + ": address is not 4 KiB aligned");
        }
    }

    private static void checkProt(int prot) {
        if ((prot & ~UcConst.UC_PROT_ALL) != 0) {
            throw new EmulationException(Kind.ARG, UcConst.UC_ERR_ARG, 0, 0,
                    "invalid protection " + prot + " (UC_PROT_* bits expected)");
        }
    }

    private static void checkFits(Reg reg, long value) {
        if ((value & ~reg.mask()) != 0) {
            throw new IllegalArgumentException(reg + " is " + reg.width() * 8 + " bits wide; value "
                    + hex(value) + " does not fit");
        }
    }

    private static String range(long address, long size) {
        return "[" + hex(address) + ", " + hex(address + size) + ")";
    }

    /**
     * One daemon thread shared by all machines. A timed run arms its machine (a set insertion, ~0.1 us,
     * instead of scheduling a task per run, measured at ~3 us); every {@link #TICK_MS} ms the thread
     * stops the armed machines whose deadline passed, re-sending the stop on each tick until the run
     * ends (which also covers a stop that would arrive before the engine started). The thread waits
     * idle while nothing is armed. Timeout resolution is therefore about one tick.
     */
    private static final class Watchdog {
        static final long TICK_MS = 5;
        static final Set<Machine> ARMED = ConcurrentHashMap.newKeySet();
        static final Object IDLE_LOCK = new Object();
        static volatile boolean idle;

        static {
            Thread t = new Thread(Watchdog::loop, "ctxlab-emu-watchdog");
            t.setDaemon(true);
            t.start();
        }

        static void arm(Machine m) {
            ARMED.add(m);
            if (idle) {
                synchronized (IDLE_LOCK) {
                    IDLE_LOCK.notifyAll();
                }
            }
        }

        static void disarm(Machine m) {
            ARMED.remove(m);
        }

        private static void loop() {
            while (true) {
                try {
                    synchronized (IDLE_LOCK) {
                        idle = true;
                        while (ARMED.isEmpty()) IDLE_LOCK.wait();
                        idle = false;
                    }
                    Thread.sleep(TICK_MS);
                    long now = System.nanoTime();
                    for (Machine m : ARMED) {
                        try {
                            m.checkDeadline(now);
                        } catch (Throwable t) {
                            // a closed or broken machine must not kill the watchdog
                        }
                    }
                } catch (InterruptedException e) {
                    // keep watching: this thread is the only enforcer of timeouts
                } catch (Throwable t) {
                    // idem
                }
            }
        }
    }
}
