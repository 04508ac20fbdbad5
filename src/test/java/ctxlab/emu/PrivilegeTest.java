package ctxlab.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.emu.EmulationException.Kind;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The emulator runs code at user privilege: what needs the kernel ends the run, named (teeth: each on its own bytes). */
class PrivilegeTest {
    static final long CODE = 0x40_0000, STACK = 0x50_0000;

    static EmulationException run(String hex) {
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        try (Machine m = Machine.x86_64()) {
            m.map(CODE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.map(STACK, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            byte[] page = new byte[0x1000];
            java.util.Arrays.fill(page, (byte) 0x90);
            System.arraycopy(code, 0, page, 0, code.length);
            page[0x800] = (byte) 0xc3;
            m.write(CODE, page);
            m.set(Reg.RSP, STACK + 0x800);
            return assertThrows(EmulationException.class, () -> m.run(CODE, CODE + 0x1000 - 1, 10_000, null));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "syscall | 0f05", "sysenter-like syscall after nops | 90 90 0f05", "int $0x80 | cd80", "int3 | cc",
            "cli | fa", "sti | fb", "rdmsr | 0f32", "wrmsr | 0f30", "in | e460", "out | e660", "in | ec",
            "mov to %cr0 | 0f22c0", "mov from %cr3 | 0f20d8", "lgdt | 0f0110", "lidt | 0f0118", "invlpg | 0f0138",
            "wbinvd | 0f09", "clts | 0f06", "swapgs | 0f01f8", "iretq | 48cf", "int1 | f1", "mov to %dr7 | 0f23f8",
            "ltr | 0f00d8", "lmsw | 0f01f0", "rdpmc | 0f33"})
    void privilegedInstructionEndsTheRunNamed(String what, String hex) {
        EmulationException e = run(hex);
        assertEquals(Kind.PRIVILEGED, e.kind(), what + ": " + e.getMessage());
        long at = CODE + (hex.startsWith("90 90") ? 2 : 0);
        assertEquals(at, e.pc(), e.getMessage());
        String mnemonic = what.startsWith("sysenter-like") ? "syscall" : what;
        assertTrue(e.getMessage().contains(mnemonic), e.getMessage());
    }

    @Test
    void hltStaysAHaltWithPcAfterIt() {
        EmulationException e = run("90 f4");
        assertEquals(Kind.OTHER, e.kind(), e.getMessage());
        assertEquals(CODE + 2, e.pc());
        assertTrue(e.getMessage().contains("(hlt)"), e.getMessage());
    }

    @Test
    void divideErrorIsACpuExceptionNotPrivileged() {
        EmulationException e = run("31c9 f7f1");
        assertEquals(Kind.CPU_EXCEPTION, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("#DE"), e.getMessage());
    }

    @Test
    void ordinaryInstructionsStillRun() {
        // rdtsc, cpuid, push/pop, a store on the stack, then the run reaches 'until'.
        byte[] code = HexFormat.of().parseHex("0f310fa2505848890424");
        try (Machine m = Machine.x86_64()) {
            assertTrue(m.userMode());
            m.map(CODE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.map(STACK, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.write(CODE, code);
            m.set(Reg.RSP, STACK + 0x800);
            m.run(CODE, CODE + code.length, 100, null);
            assertEquals(CODE + code.length, m.get(Reg.RIP));
        }
    }

    @Test
    void theMachineKeepsWorkingAfterATrapAndAHalt() {
        byte[] code = HexFormat.of().parseHex("faf490");
        try (Machine m = Machine.x86_64()) {
            m.map(CODE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(CODE, code);
            for (int i = 0; i < 3; i++) {
                EmulationException c = assertThrows(EmulationException.class, () -> m.run(CODE, CODE + 3, 10, null));
                assertEquals(Kind.PRIVILEGED, c.kind(), i + ": " + c.getMessage());
                EmulationException h = assertThrows(EmulationException.class, () -> m.run(CODE + 1, CODE + 3, 10, null));
                assertEquals(Kind.OTHER, h.kind(), h.getMessage());
                m.run(CODE + 2, CODE + 3, 10, null);
            }
        }
    }

    @Test
    void unmappedFetchesAreCounted() {
        try (Machine m = Machine.x86_64()) {
            m.map(CODE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(CODE, HexFormat.of().parseHex("31c0ffe0"));   // xor %eax,%eax; jmp *%rax
            for (int i = 0; i < 3; i++) {
                assertEquals(Kind.UNMAPPED_FETCH, assertThrows(EmulationException.class, () -> m.run(CODE, CODE + 4, 10, null)).kind());
            }
            assertEquals(3, m.unmappedFetches());
        }
    }

    @Test
    void noStateLeftFromTheDropToUserPrivilege() {
        try (Machine m = Machine.x86_64()) {
            assertEquals(0, m.get(Reg.RSP));
            assertEquals(0, m.get(Reg.RIP));
            assertEquals(2, m.get(Reg.RFLAGS));
            // the scratch page is gone: mapping it again works
            m.map(0x1000, 0x1000, UcConst.UC_PROT_ALL);
            byte[] b = m.read(0x1000, 16);
            assertEquals(16, b.length);
            for (byte x : b) assertEquals(0, x);
        }
    }
}
