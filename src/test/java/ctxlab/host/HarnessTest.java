package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import ctxlab.TestFiles;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The vector harness, differential against Unicorn on one hand-made vector: cem_swapcontext
 * switching from a save context to a restore context. (Verified code and a vector that is safe on
 * real hardware, so it runs in this JVM; a vector runner would use the child.)
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class HarnessTest {
    /**
     * The vector's memory: contexts at R, the caller's stack below R+0x4000, the restored one at
     * R+0x8000. A real vector brings its own addresses; this one takes a range the kernel just
     * showed to be free in this JVM (any fixed guess may be taken: heap, code cache, Unicorn).
     */
    static final long SIZE = 0x10000;
    long R, SAVE, RESTORE, CALLER_RSP, RESTORED_RSP;

    void placeAt(long r) {
        R = r;
        SAVE = r;
        RESTORE = r + 0x40;
        CALLER_RSP = r + 0x4000 - 8;
        RESTORED_RSP = r + 0x8000;
    }

    static long freeRange(long size) {
        long r = Libc.mmap(size, Libc.PROT_NONE, Libc.MAP_NORESERVE);
        Libc.munmap(r, size);
        return r;
    }

    byte[] memory(long landing) {
        ByteBuffer m = ByteBuffer.allocate((int) SIZE).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 6; i++) m.putLong((int) (RESTORE - R) + 8 * i, 0x1010_0000_0000_0000L + i);   // rbx..r15
        m.putLong((int) (RESTORE - R) + 0x30, RESTORED_RSP);
        m.putInt((int) (RESTORE - R) + 0x38, 0x3F80);                  // round down
        m.putLong((int) (RESTORED_RSP - R), landing);                  // the resume address: ends the run
        m.putLong((int) (CALLER_RSP - R), 0x4242_4242L);               // the caller's return address (not taken)
        return m.array();
    }

    long[] registersIn() {
        long[] g = new long[16];
        for (int i = 0; i < 16; i++) g[i] = 0x5000 + i;
        g[HostHarness.GPRS.indexOf(Reg.RDI)] = SAVE;
        g[HostHarness.GPRS.indexOf(Reg.RSI)] = RESTORE;
        g[HostHarness.GPRS.indexOf(Reg.RSP)] = CALLER_RSP;
        return g;
    }

    @Test
    void aSwitchGivesTheSameRegistersAndMemoryNativelyAsInUnicorn() {
        HostHarness.Registers host;
        byte[] hostMemory;
        byte[] codeBytes;
        long codeBase, routine, landing;
        try (HostCode code = HostCode.build(HostSources.files(TestFiles.ROOT, TestFiles.SWITCH));
             HostHarness h = new HostHarness(code)) {
            codeBytes = code.assembly().code();
            codeBase = code.base();
            routine = code.address("cem_swapcontext");
            landing = h.landing();
            placeAt(freeRange(SIZE));   // after the code took its own range
            MemorySegment mem = h.mapAt(R, SIZE);
            MemorySegment.copy(memory(landing), 0, mem, ValueLayout.JAVA_BYTE, 0, (int) SIZE);
            host = h.run(routine, new HostHarness.Registers(registersIn(), 0x1F80, 0x037F));
            hostMemory = mem.toArray(ValueLayout.JAVA_BYTE);
        }

        HostHarness.Registers emulated;
        byte[] emulatedMemory;
        try (Machine m = Machine.x86_64()) {
            m.map(codeBase, Pages.roundUp(codeBytes.length), UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(codeBase, codeBytes);
            m.map(R, SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.write(R, memory(Machine.SENTINEL));
            m.set(HostHarness.GPRS.toArray(Reg[]::new), registersIn());
            m.set(Reg.MXCSR, 0x1F80);
            m.set(Reg.FPCW, 0x037F);
            m.run(routine, Machine.SENTINEL, 1000, Duration.ofSeconds(5));
            long[] g = m.get(HostHarness.GPRS.toArray(Reg[]::new));
            emulated = new HostHarness.Registers(g, (int) m.get(Reg.MXCSR), (int) m.get(Reg.FPCW));
            emulatedMemory = m.read(R, (int) SIZE);
        }

        // What the switch must do, checked on the host result itself ...
        assertEquals(0x1010_0000_0000_0000L, host.get(Reg.RBX));
        assertEquals(0x1010_0000_0000_0005L, host.get(Reg.R15));
        assertEquals(RESTORED_RSP + 8, host.get(Reg.RSP), "ret popped the resume address");
        assertEquals(0x3F80, host.mxcsr());
        assertEquals(0x5000, host.get(Reg.RAX), "caller-saved registers the routine does not touch");
        ByteBuffer saved = ByteBuffer.wrap(hostMemory).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x5001, saved.getLong(0x00), "the caller's rbx saved");
        assertEquals(CALLER_RSP, saved.getLong(0x30), "the caller's rsp saved, pointing at its return address");
        // ... and bit for bit against Unicorn (the landing read back as Unicorn's sentinel).
        assertEquals(emulated, host);
        ByteBuffer.wrap(hostMemory).order(ByteOrder.LITTLE_ENDIAN).putLong((int) (RESTORED_RSP - R), Machine.SENTINEL);
        assertArrayEquals(emulatedMemory, hostMemory);
        assertNotEquals(0, landing);
    }
}
