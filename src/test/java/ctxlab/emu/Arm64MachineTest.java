package ctxlab.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The AArch64 machine on real Unicorn: calls, registers, FPCR, faults, budget, hooks. */
class Arm64MachineTest {
    static final long CODE = 0x40_0000, DATA = 0x7f00_0000_0000L;

    static Assembly asm(String text) {
        return Arm64Assembler.assemble(new SourceFile("t.s", text), CODE);
    }

    static Arm64Machine machine(Assembly a) {
        Arm64Machine m = Arm64Machine.create();
        m.map(CODE, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
        m.write(CODE, a.code());
        m.map(DATA, 0x2000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
        return m;
    }

    @Test
    void callsAFunctionWithArgumentsAndReturns() {
        Assembly a = asm("f: add x0, x0, x1\n lsl x0, x0, #1\n ret\n");
        try (Arm64Machine m = machine(a)) {
            Arm64Machine.RunResult r = m.call(CODE, DATA + 0x2000, 100, 20, 1);
            assertEquals(42, m.get(Arm64Reg.X0));
            assertEquals(3, r.instructions());
            assertEquals(Arm64Machine.SENTINEL, r.pc());
        }
    }

    @Test
    void fpcrAndDRegistersRoundTrip() {
        Assembly a = asm("f: mrs x0, fpcr\n msr fpcr, x1\n fmov d0, d8\n str d9, [x2]\n ret\n");
        try (Arm64Machine m = machine(a)) {
            assertEquals(0, m.get(Arm64Reg.FPCR));
            m.set(Arm64Reg.FPCR, 0x00C0_0000L);
            m.set(Arm64Reg.D8, 0x4045_0000_0000_0000L);
            m.set(Arm64Reg.D9, 0x1122_3344_5566_7788L);
            m.call(CODE, DATA + 0x2000, 100, 0, 0x0140_0000L, DATA);
            assertEquals(0x00C0_0000L, m.get(Arm64Reg.X0));
            assertEquals(0x0140_0000L, m.get(Arm64Reg.FPCR));
            assertEquals(0x4045_0000_0000_0000L, m.get(Arm64Reg.D0));
            assertEquals(0x1122_3344_5566_7788L, m.readLong(DATA));
        }
    }

    @Test
    void faultsNameTheAddressAndTheBudgetHolds() {
        Assembly a = asm("f: str x0, [x1]\n ret\ng: b g\nh: .inst 0xffffffff\n");
        try (Arm64Machine m = machine(a)) {
            EmulationException e = assertThrows(EmulationException.class, () -> m.call(CODE, DATA + 0x2000, 100, 1, 0x1234_5000L));
            assertEquals(EmulationException.Kind.UNMAPPED_WRITE, e.kind());
            assertEquals(0x1234_5000L, e.address());
            assertEquals(CODE, e.pc());
            e = assertThrows(EmulationException.class, () -> m.call(CODE + 8, DATA + 0x2000, 50));
            assertEquals(EmulationException.Kind.BUDGET_EXHAUSTED, e.kind());
            e = assertThrows(EmulationException.class, () -> m.call(CODE + 12, DATA + 0x2000, 50));
            // Measured: Unicorn 2.0.1 reports an undefined AArch64 instruction as UC_ERR_EXCEPTION (not
            // UC_ERR_INSN_INVALID as on x86-64), with the pc at the instruction.
            assertEquals(EmulationException.Kind.CPU_EXCEPTION, e.kind());
            assertEquals(CODE + 12, e.pc());
        }
    }

    @Test
    void hooksSeeEveryInstructionAndWrite() {
        Assembly a = asm("f: stp x0, x1, [x2]\n str w0, [x2, #16]\n ret\n");
        try (Arm64Machine m = machine(a)) {
            List<Long> pcs = new ArrayList<>();
            List<long[]> writes = new ArrayList<>();
            m.onInstruction((pc, size) -> pcs.add(pc));
            m.onMemoryWrite((pc, addr, size, v) -> writes.add(new long[] {pc, addr, size, v}));
            m.call(CODE, DATA + 0x2000, 100, 0xAAL, 0xBBL, DATA + 0x100);
            assertEquals(List.of(CODE, CODE + 4, CODE + 8), pcs);
            assertEquals(3, writes.size());
            assertEquals(DATA + 0x110, writes.get(2)[1]);
            assertEquals(4, writes.get(2)[2]);
            assertEquals(CODE + 4, writes.get(2)[0]);
            assertThrows(IllegalStateException.class, () -> m.onInstruction((pc, s) -> {}));
        }
    }
}
