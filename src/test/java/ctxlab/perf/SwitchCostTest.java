package ctxlab.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.host.SwitchCost;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** verify's measured return-stack finding: the routine and its pop+jmp twin, natively. Figures are printed, not asserted. */
class SwitchCostTest {
    @Test
    void thePopJmpTwinReplacesExactlyTheLastRet() throws Exception {
        String seed = Files.readString(TestFiles.SWITCH);
        String twin = SwitchCost.popJmpVariant(seed, 58);
        Assembly a = Assembler.assemble(new SourceFile("seed.s", seed), 0);
        Assembly b = Assembler.assemble(new SourceFile("twin.s", twin), 0);
        assertEquals(a.hex().substring(0, a.hex().length() - 2) + "59ffe1", b.hex(), "only the final c3 becomes pop rcx; jmp *rcx");
        assertNull(SwitchCost.popJmpVariant(seed, 57), "line 57 (ldmxcsr) has no ret to replace");
        assertNull(SwitchCost.popJmpVariant("  ret $8\n", 1), "ret $8 is not a plain ret");
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void measuresBothSideBySide() {
        SwitchCost.Measurement m = SwitchCost.measure(TestFiles.ROOT, TestFiles.SWITCH, 3, 200_000);
        System.out.printf("seed %.2f ns/switch, with pop+jmp %.2f ns/switch (%s)%n", m.routineNs(), m.popJmpNs(), m.replaced());
        assertEquals("asm/context_x86_64.s:58", m.replaced().replaceFirst("^.*/asm/", "asm/"));
        assertTrue(m.routineNs() > 0 && m.popJmpNs() > 0);
    }
}
