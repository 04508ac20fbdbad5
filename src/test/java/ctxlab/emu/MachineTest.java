package ctxlab.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.emu.EmulationException.Kind;
import ctxlab.emu.Machine.RunResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real-engine tests of {@link Machine} with hand-assembled machine code. */
class MachineTest {

    static final long CODE = 0x1000;
    static final long STACK = 0x10000, STACK_SIZE = 0x10000, STACK_TOP = STACK + STACK_SIZE;
    static final long DATA = 0x30000;

    /** mov %rdi,%rax; add %rsi,%rax; ret */
    static final byte[] ADD = bytes(0x48, 0x89, 0xf8, 0x48, 0x01, 0xf0, 0xc3);

    Machine m;

    @BeforeEach
    void setUp() {
        m = Machine.x86_64();
        m.map(CODE, 0x1000, UcConst.UC_PROT_ALL);
        m.map(STACK, STACK_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        m.map(DATA, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
    }

    @AfterEach
    void tearDown() {
        m.close();
    }

    static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    @Test
    void versionIsTwo() {
        assertTrue(Machine.unicornVersion().startsWith("2."), Machine.unicornVersion());
    }

    @Test
    void defaultsAreLinuxProcessDefaults() {
        assertEquals(0x037F, m.get(Reg.FPCW));
        assertEquals(0x1F80, m.get(Reg.MXCSR));
    }

    @Test
    void registersRoundTrip() {
        long v = 0x1122_3344_5566_7788L;
        for (Reg r : Reg.values()) {
            if (r.width() < 8 || r == Reg.RFLAGS) continue;
            m.set(r, v + r.ordinal());
            assertEquals(v + r.ordinal(), m.get(r), r.name());
        }
        m.set(Reg.MXCSR, 0x1FA0);
        assertEquals(0x1FA0, m.get(Reg.MXCSR));
        m.set(Reg.FPCW, 0x027F);
        assertEquals(0x027F, m.get(Reg.FPCW));
        m.set(Reg.RFLAGS, 0x203); // IF | reserved bit 1 | CF
        assertEquals(0x203, m.get(Reg.RFLAGS));
        assertThrows(IllegalArgumentException.class, () -> m.set(Reg.FPCW, 0x10000));
    }

    @Test
    void batchReadAndWrite() {
        Reg[] regs = {Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15, Reg.RSP, Reg.MXCSR, Reg.FPCW};
        long[] vals = {1, 2, 3, 4, 5, -6, 0x7fff_fff0L, 0x1F80 | 0x40, 0x037F};
        m.set(regs, vals);
        assertArrayEquals(vals, m.get(regs));
        assertEquals(-6, m.get(Reg.R15));
        Map<Reg, Long> map = new EnumMap<>(Reg.class);
        map.put(Reg.RAX, 42L);
        map.put(Reg.RDX, 43L);
        m.set(map);
        assertArrayEquals(new long[] {43, 42}, m.get(Reg.RDX, Reg.RAX));
    }

    @Test
    void memoryRoundTrip() {
        m.writeLong(DATA, 0x0102_0304_0506_0708L);
        assertEquals(0x0102_0304_0506_0708L, m.readLong(DATA));
        assertArrayEquals(bytes(8, 7, 6, 5), m.read(DATA, 4));
        m.writeInt(DATA + 8, 0xCAFEBABE);
        assertEquals(0xCAFEBABE, m.readInt(DATA + 8));
        m.write(DATA + 16, bytes(1, 2, 3));
        assertArrayEquals(bytes(1, 2, 3), m.read(DATA + 16, 3));
    }

    @Test
    void callReturnsTheSum() {
        m.write(CODE, ADD);
        RunResult r = m.call(CODE, STACK_TOP, 40, 2);
        assertEquals(42, m.get(Reg.RAX));
        assertEquals(Machine.SENTINEL, r.rip());
        assertEquals(3, r.instructions());
        assertEquals(STACK_TOP, m.get(Reg.RSP), "ret popped the sentinel");
        // A second call on the same machine.
        m.call(CODE, STACK_TOP, -1, -2);
        assertEquals(-3, m.get(Reg.RAX));
    }

    @Test
    void instructionHookSeesTheThreeInstructionsInOrder() {
        List<long[]> seen = new ArrayList<>();
        m.onInstruction((a, s) -> seen.add(new long[] {a, s}));
        m.write(CODE, ADD);
        m.call(CODE, STACK_TOP, 1, 2);
        assertEquals(3, seen.size());
        assertArrayEquals(new long[] {CODE, 3}, seen.get(0));
        assertArrayEquals(new long[] {CODE + 3, 3}, seen.get(1));
        assertArrayEquals(new long[] {CODE + 6, 1}, seen.get(2));
    }

    @Test
    void memoryWriteHookSeesAddressSizeValueAndPc() {
        List<long[]> seen = new ArrayList<>();
        m.onMemoryWrite((pc, a, s, v) -> seen.add(new long[] {pc, a, s, v}));
        // nop; mov %rdi,(%rsi); nop; mov %edi,8(%rsi)... keep simple: mov %edi,(%rdx); ret
        m.write(CODE, bytes(0x90, 0x48, 0x89, 0x3e, 0x89, 0x3a, 0xc3));
        m.call(CODE, STACK_TOP, 0x8877_6655_DEAD_BEEFL, DATA, DATA + 8);
        // The call's own stores (the sentinel) are host-side writes: not hooked. The ret reads.
        assertEquals(2, seen.size(), () -> seen.stream().map(java.util.Arrays::toString).toList().toString());
        assertArrayEquals(new long[] {CODE + 1, DATA, 8, 0x8877_6655_DEAD_BEEFL}, seen.get(0));
        assertArrayEquals(new long[] {CODE + 4, DATA + 8, 4, 0xDEAD_BEEFL}, seen.get(1));
        assertEquals(0x8877_6655_DEAD_BEEFL, m.readLong(DATA));
    }

    /** A data mapping: the emulated code and the Java accessors see the same bytes, both ways. */
    @Test
    void dataMappingIsSharedBetweenTheCodeAndTheAccessors() {
        long data = 0x50000;
        m.mapData(data, 0x2000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        // mov (%rsi),%rax; mov %rdi,8(%rsi); mov %edi,0x1ffc(%rsi) (the mapping's last 4 bytes); ret
        m.write(CODE, bytes(0x48, 0x8b, 0x06, 0x48, 0x89, 0x7e, 0x08, 0x89, 0xbe, 0xfc, 0x1f, 0x00, 0x00, 0xc3));
        m.writeLong(data, 0x1122_3344_5566_7788L);
        m.call(CODE, STACK_TOP, 0xCAFE_F00D_0BAD_BEEFL, data);
        assertEquals(0x1122_3344_5566_7788L, m.get(Reg.RAX), "the code reads what writeLong put there");
        assertEquals(0xCAFE_F00D_0BAD_BEEFL, m.readLong(data + 8), "readLong sees what the code wrote");
        assertEquals(0x0BAD_BEEF, m.readInt(data + 0x1ffc));
        byte[] b = m.read(data + 6, 4);   // unaligned, across two words
        assertArrayEquals(bytes(0x22, 0x11, 0xef, 0xbe), b);
        m.writeInt(data + 0x1001, 0x0A0B_0C0D);
        assertEquals(0x0A0B_0C0DL << 8, m.readLong(data + 0x1000) & 0xFF_FFFF_FF00L);
    }

    @Test
    void anAccessAcrossADataMappingAndAnotherStillWorks() {
        long data = 0x50000;
        m.map(data - 0x1000, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        m.mapData(data, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        m.writeLong(data - 4, 0x0102_0304_0506_0708L);   // half in each (through the engine)
        assertEquals(0x0506_0708, m.readInt(data - 4));
        assertEquals(0x0102_0304, m.readInt(data));
        assertEquals(0x0102_0304_0506_0708L, m.readLong(data - 4));
        EmulationException e = assertThrows(EmulationException.class, () -> m.readLong(data + 0x1000 - 4));
        assertEquals(data + 0x1000 - 4, e.address());
    }

    @Test
    void aDataMappingIsNeverExecutable() {
        long data = 0x50000;
        assertThrows(IllegalArgumentException.class, () -> m.mapData(data, 0x1000, UcConst.UC_PROT_ALL));
        m.mapData(data, 0x2000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        assertThrows(IllegalArgumentException.class, () -> m.protect(data + 0x1000, 0x1000, UcConst.UC_PROT_ALL));
        assertThrows(IllegalArgumentException.class, () -> m.unmap(data, 0x1000), "only the whole mapping");
        m.protect(data, 0x1000, UcConst.UC_PROT_READ);
        m.unmap(data, 0x2000);
        assertThrows(EmulationException.class, () -> m.readLong(data));
        // The code faults fetching from it, as from any non-executable page.
        m.mapData(data, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        m.write(data, bytes(0xc3));
        EmulationException f = assertThrows(EmulationException.class, () -> m.call(data, STACK_TOP));
        assertEquals(Kind.FETCH_PROT, f.kind());
    }

    /** Writes wholly inside a window skip the hooks; one that starts inside and runs past it does not. */
    @Test
    void writeWindowsSkipOnlyTheWritesWhollyInsideThem() {
        List<long[]> seen = new ArrayList<>();
        m.onMemoryWrite((pc, a, s, v) -> seen.add(new long[] {pc, a, s}));
        m.hookWritesOutsideWindows();
        // mov %rax,(%rdi); mov %rax,8(%rdi); mov %rax,0xc(%rdi); mov %rax,0x20(%rdi); mov %al,-1(%rdi); ret
        m.write(CODE, bytes(0x48, 0x89, 0x07, 0x48, 0x89, 0x47, 0x08, 0x48, 0x89, 0x47, 0x0c, 0x48, 0x89, 0x47, 0x20,
                0x88, 0x47, 0xff, 0xc3));
        m.writeWindows(DATA + 0x100, DATA + 0x110, STACK, STACK_TOP);   // the call's stack is a window too
        m.call(CODE, STACK_TOP, DATA + 0x100);
        assertEquals(List.of("1007 10c 8", "100b 120 8", "100f ff 1"),
                seen.stream().map(x -> Long.toHexString(x[0]) + " " + Long.toHexString(x[1] - DATA) + " " + x[2]).toList());
        // No windows: every write again.
        seen.clear();
        m.writeWindows();
        m.call(CODE, STACK_TOP, DATA + 0x100);
        assertEquals(5, seen.size());
    }

    @Test
    void writeWindowsNeedTheModeAndSaneRanges() {
        assertThrows(IllegalStateException.class, () -> m.writeWindows(DATA, DATA + 8));
        m.hookWritesOutsideWindows();
        assertThrows(IllegalArgumentException.class, () -> m.writeWindows(DATA));
        assertThrows(IllegalArgumentException.class, () -> m.writeWindows(DATA + 8, DATA));
    }

    @Test
    void pushesAreWritesToo() {
        List<long[]> seen = new ArrayList<>();
        m.onMemoryWrite((pc, a, s, v) -> seen.add(new long[] {pc, a, s, v}));
        // push %rbx; pop %rbx; ret
        m.write(CODE, bytes(0x53, 0x5b, 0xc3));
        m.set(Reg.RBX, 77);
        m.call(CODE, STACK_TOP);
        assertEquals(1, seen.size());
        assertArrayEquals(new long[] {CODE, STACK_TOP - 16, 8, 77}, seen.get(0));
    }

    @Test
    void unmappedReadNamesTheDataAddress() {
        // nop; mov (%rdi),%rax; ret
        m.write(CODE, bytes(0x90, 0x48, 0x8b, 0x07, 0xc3));
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(CODE, STACK_TOP, 0x7fff0000L));
        assertEquals(Kind.UNMAPPED_READ, e.kind());
        assertEquals(UcConst.UC_ERR_READ_UNMAPPED, e.ucErr());
        assertEquals(0x7fff0000L, e.address());
        assertEquals(CODE + 1, e.pc());
        assertTrue(e.getMessage().contains("UC_ERR_READ_UNMAPPED"), e.getMessage());
        assertTrue(e.getMessage().contains("0x7fff0000"), e.getMessage());
        assertTrue(e.getMessage().contains("pc 0x1001"), e.getMessage());
    }

    @Test
    void unmappedWriteAndWriteProtection() {
        // mov %rdi,(%rsi); ret
        m.write(CODE, bytes(0x48, 0x89, 0x3e, 0xc3));
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(CODE, STACK_TOP, 1, 0x50000));
        assertEquals(Kind.UNMAPPED_WRITE, e.kind());
        assertEquals(0x50000, e.address());
        assertEquals(CODE, e.pc());
        m.protect(DATA, 0x1000, UcConst.UC_PROT_READ);
        e = assertThrows(EmulationException.class, () -> m.call(CODE, STACK_TOP, 1, DATA + 0x10));
        assertEquals(Kind.WRITE_PROT, e.kind());
        assertEquals(DATA + 0x10, e.address());
    }

    @Test
    void unmappedFetch() {
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(0x9000_0000L, STACK_TOP));
        assertEquals(Kind.UNMAPPED_FETCH, e.kind());
        assertEquals(0x9000_0000L, e.address());
    }

    @Test
    void invalidInstructionNamesThePc() {
        m.write(CODE, bytes(0x90, 0x0f, 0x0b)); // nop; ud2
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(CODE, STACK_TOP));
        assertTrue(e.kind() == Kind.INVALID_INSN || e.kind() == Kind.CPU_EXCEPTION, e.kind().toString());
        assertEquals(CODE + 1, e.pc());
        assertTrue(e.getMessage().contains("0x1001"), e.getMessage());
    }

    @Test
    void int3IsATrapIntoTheKernel() {
        m.write(CODE, bytes(0x90, 0xcc));
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(CODE, STACK_TOP));
        assertEquals(Kind.PRIVILEGED, e.kind());
        assertEquals(CODE + 1, e.pc());
    }

    @Test
    void infiniteLoopExhaustsTheBudget() {
        m.write(CODE, bytes(0x90, 0xeb, 0xfe)); // nop; jmp .
        EmulationException e = assertThrows(EmulationException.class,
                () -> m.call(CODE, STACK_TOP, 1000, null));
        assertEquals(Kind.BUDGET_EXHAUSTED, e.kind());
        assertEquals(CODE + 1, e.address());
        assertTrue(e.getMessage().contains("budget of 1000"), e.getMessage());
        assertTrue(e.getMessage().contains("0x1001"), e.getMessage());
    }

    @Test
    void budgetIsExactWithAndWithoutCounting() {
        // 5 nops then ret: 6 instructions.
        m.write(CODE, bytes(0x90, 0x90, 0x90, 0x90, 0x90, 0xc3));
        assertEquals(6, m.call(CODE, STACK_TOP, 6, null).instructions());
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(CODE, STACK_TOP, 5, null));
        assertEquals(Kind.BUDGET_EXHAUSTED, e.kind());
        assertEquals(CODE + 5, e.pc());
        assertEquals(CODE + 4, e.address(), e.getMessage());
        try (Machine fast = Machine.x86_64()) {
            fast.countInstructions(false);
            fast.map(CODE, 0x1000, UcConst.UC_PROT_ALL);
            fast.map(STACK, STACK_SIZE, UcConst.UC_PROT_ALL);
            fast.write(CODE, bytes(0x90, 0x90, 0x90, 0x90, 0x90, 0xc3));
            assertEquals(-1, fast.call(CODE, STACK_TOP, 6, null).instructions());
            e = assertThrows(EmulationException.class, () -> fast.call(CODE, STACK_TOP, 5, null));
            assertEquals(Kind.BUDGET_EXHAUSTED, e.kind());
            assertEquals(CODE + 5, e.pc());
            fast.write(CODE, bytes(0x90, 0xeb, 0xfe));
            e = assertThrows(EmulationException.class, () -> fast.call(CODE, STACK_TOP, 100, null));
            assertEquals(Kind.BUDGET_EXHAUSTED, e.kind());
            fast.write(CODE, bytes(0x90, 0xf4, 0xc3));
            e = assertThrows(EmulationException.class, () -> fast.call(CODE, STACK_TOP, 100, null));
            assertEquals(Kind.OTHER, e.kind());
        }
    }

    @Test
    void hltStopsTheCpu() {
        m.write(CODE, bytes(0x90, 0xf4, 0xc3));
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(CODE, STACK_TOP));
        assertEquals(Kind.OTHER, e.kind());
        assertTrue(e.getMessage().contains("hlt"), e.getMessage());
    }

    @Test
    @org.junit.jupiter.api.Timeout(60) // a watchdog that never fires would hang here: fail instead
    void timeoutStopsALoop() {
        m.write(CODE, bytes(0xeb, 0xfe));
        long t0 = System.nanoTime();
        EmulationException e = assertThrows(EmulationException.class,
                () -> m.call(CODE, STACK_TOP, Long.MAX_VALUE, Duration.ofMillis(100)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(Kind.TIMEOUT, e.kind());
        assertTrue(ms >= 90, "stopped after " + ms + " ms, before the 100 ms timeout"); // no upper bound: shared machines
        assertEquals(CODE, e.pc());
        // The machine is still usable afterwards, and an expired watchdog does not hit the next run.
        m.write(CODE, ADD);
        m.call(CODE, STACK_TOP, Machine.DEFAULT_BUDGET, Duration.ofMillis(1), 1, 2);
        assertEquals(3, m.get(Reg.RAX));
    }

    @Test
    void codeRewrittenBetweenRunsIsExecuted() {
        // mov $1,%eax; ret
        m.write(CODE, bytes(0xb8, 1, 0, 0, 0, 0xc3));
        m.call(CODE, STACK_TOP);
        assertEquals(1, m.get(Reg.RAX));
        m.write(CODE, bytes(0xb8, 2, 0, 0, 0, 0xc3));
        m.call(CODE, STACK_TOP);
        assertEquals(2, m.get(Reg.RAX), "stale translation executed after write()");
        m.writeInt(CODE + 1, 3);
        m.call(CODE, STACK_TOP);
        assertEquals(3, m.get(Reg.RAX), "stale translation executed after writeInt()");
        m.writeLong(CODE, 0xc3_0000_0004_b8L);
        m.call(CODE, STACK_TOP);
        assertEquals(4, m.get(Reg.RAX), "stale translation executed after writeLong()");
        // Unmap, remap, reload at the same address.
        m.unmap(CODE, 0x1000);
        m.map(CODE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
        m.write(CODE, bytes(0xb8, 5, 0, 0, 0, 0xc3));
        m.call(CODE, STACK_TOP);
        assertEquals(5, m.get(Reg.RAX), "stale translation executed after remap");
        // Not executable: no exec mapping, write while RW, then make it executable again.
        m.protect(CODE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        m.write(CODE, bytes(0xb8, 6, 0, 0, 0, 0xc3));
        m.protect(CODE, 0x1000, UcConst.UC_PROT_ALL);
        m.call(CODE, STACK_TOP);
        assertEquals(6, m.get(Reg.RAX), "stale translation executed after protect/write/protect");
    }

    @Test
    void fetchFromNonExecutablePage() {
        m.write(DATA, ADD);
        EmulationException e = assertThrows(EmulationException.class, () -> m.call(DATA, STACK_TOP, 1, 2));
        assertEquals(Kind.FETCH_PROT, e.kind());
        assertEquals(DATA, e.address());
    }

    @Test
    void hookAfterFirstRunIsRefused() {
        m.write(CODE, ADD);
        m.call(CODE, STACK_TOP, 1, 2);
        assertThrows(IllegalStateException.class, () -> m.onInstruction((a, s) -> {}));
        assertThrows(IllegalStateException.class, () -> m.onMemoryWrite((p, a, s, v) -> {}));
        assertThrows(IllegalStateException.class, () -> m.countInstructions(false));
    }

    @Test
    void mxcsrFromJavaIsStoredByStmxcsrAndLoadedByLdmxcsr() {
        // stmxcsr (%rdi); ret
        m.write(CODE, bytes(0x0f, 0xae, 0x1f, 0xc3));
        m.set(Reg.MXCSR, 0x1FA0);
        m.call(CODE, STACK_TOP, DATA);
        assertEquals(0x1FA0, m.readInt(DATA));
        // ldmxcsr (%rdi); ret
        m.write(CODE + 0x100, bytes(0x0f, 0xae, 0x17, 0xc3));
        m.writeInt(DATA + 4, 0x3F80);
        m.call(CODE + 0x100, STACK_TOP, DATA + 4);
        assertEquals(0x3F80, m.get(Reg.MXCSR));
    }

    @Test
    void fpcwFromJavaIsStoredByFnstcwAndLoadedByFldcw() {
        // fnstcw (%rdi); fldcw (%rsi); ret
        m.write(CODE, bytes(0xd9, 0x3f, 0xd9, 0x2e, 0xc3));
        m.write(DATA + 8, bytes(0x7f, 0x02));
        m.call(CODE, STACK_TOP, DATA, DATA + 8);
        assertEquals(0x037F, m.readInt(DATA) & 0xFFFF);
        assertEquals(0x027F, m.get(Reg.FPCW));
    }

    @Test
    void rflagsFromJavaIsPushed() {
        // pushfq; pop %rax; ret
        m.write(CODE, bytes(0x9c, 0x58, 0xc3));
        m.set(Reg.RFLAGS, 0x2 | 0x1 | 0x40 | 0x200); // CF ZF IF
        m.call(CODE, STACK_TOP);
        assertEquals(0x243, m.get(Reg.RAX));
    }

    @Test
    void exceptionInAHookSurfacesFromRunAndTheJvmSurvives() {
        boolean[] thrown = {false};
        m.onInstruction((a, s) -> {
            if (a == CODE + 3 && !thrown[0]) {
                thrown[0] = true;
                throw new IllegalStateException("boom at " + Long.toHexString(a));
            }
        });
        m.write(CODE, ADD);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.call(CODE, STACK_TOP, 1, 2));
        assertEquals("boom at 1003", e.getMessage());
        // The machine works afterwards.
        m.call(CODE, STACK_TOP, 1, 2);
        assertEquals(3, m.get(Reg.RAX));
    }

    @Test
    void errorInAWriteHookSurfaces() {
        m.onMemoryWrite((pc, a, s, v) -> {
            throw new AssertionError("no writes expected");
        });
        m.write(CODE, bytes(0x48, 0x89, 0x3e, 0xc3));
        AssertionError e = assertThrows(AssertionError.class, () -> m.call(CODE, STACK_TOP, 1, DATA));
        assertEquals("no writes expected", e.getMessage());
    }

    @Test
    void hostSideErrorsNameTheAddress() {
        EmulationException e = assertThrows(EmulationException.class, () -> m.map(0x70000, 0x123, 7));
        assertEquals(Kind.ARG, e.kind());
        assertTrue(e.getMessage().contains("0x70000"), e.getMessage());
        e = assertThrows(EmulationException.class, () -> m.map(0x70010, 0x1000, 7));
        assertEquals(Kind.ARG, e.kind());
        e = assertThrows(EmulationException.class, () -> m.map(CODE, 0x1000, 7));
        assertEquals(Kind.MAP, e.kind());
        assertTrue(e.getMessage().contains("0x1000"), e.getMessage());
        e = assertThrows(EmulationException.class, () -> m.readLong(0x7000_0000L));
        assertEquals(Kind.UNMAPPED_READ, e.kind());
        assertEquals(0x7000_0000L, e.address());
        assertTrue(e.getMessage().contains("0x70000000"), e.getMessage());
        e = assertThrows(EmulationException.class, () -> m.write(0x7000_0000L, new byte[4]));
        assertEquals(Kind.UNMAPPED_WRITE, e.kind());
        m.unmap(DATA, 0x1000);
        assertThrows(EmulationException.class, () -> m.readInt(DATA));
    }

    @Test
    void tooManyArguments() {
        assertThrows(IllegalArgumentException.class, () -> m.call(CODE, STACK_TOP, 1, 2, 3, 4, 5, 6, 7));
    }

    @Test
    void closeIsIdempotentAndFinal() {
        m.close();
        assertDoesNotThrow(m::close);
        assertTrue(m.isClosed());
        assertThrows(IllegalStateException.class, () -> m.get(Reg.RAX));
        assertThrows(IllegalStateException.class, () -> m.call(CODE, STACK_TOP));
    }
}
