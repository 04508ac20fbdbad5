package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Machine#onMemoryRead}, which the tracer's "loads" and "ret pops" rest on. */
class MemoryReadHookTest {
    record Read(long pc, long address, int size) {}

    @Test
    void reportsDataReadsWithPcAddressAndSizeButNotFetches() {
        long code = 0x1000, data = 0x2000, stack = 0x3000;
        try (Machine m = Machine.x86_64()) {
            m.map(code, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.map(data, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.map(stack, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            // movq 8(%rdi), %rax ; ldmxcsr 16(%rdi) ; ret
            m.write(code, new byte[] {0x48, (byte) 0x8b, 0x47, 0x08, 0x0f, (byte) 0xae, 0x57, 0x10, (byte) 0xc3});
            m.writeLong(data + 8, 0x1234_5678_9abc_def0L);
            m.writeInt(data + 16, 0x5F80);
            List<Read> reads = new ArrayList<>();
            m.onMemoryRead((pc, address, size) -> reads.add(new Read(pc, address, size)));
            m.call(code, stack + 0x1000, data);
            assertEquals(List.of(new Read(code, data + 8, 8), new Read(code + 4, data + 16, 4),
                    new Read(code + 8, stack + 0x1000 - 8, 8)), reads);
            assertEquals(0x1234_5678_9abc_def0L, m.get(Reg.RAX));
            assertEquals(0x5F80, m.get(Reg.MXCSR));
        }
    }
}
