package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.selftest.Outcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class HostSelftestTest {

    @Test
    void theSixScenariosGiveTheSameResultsOnTheHostAsInUnicorn() {
        HostSelftest.Report r = HostSelftest.run(TestFiles.ROOT, TestFiles.SWITCH, "asm/context_x86_64.s", false);
        String text = String.join("\n", r.text());
        assertEquals(0, r.exit(), text);
        assertTrue(text.contains("6 passed, 0 failed"), text);
        List<HostSelftest.ScenarioJson> scenarios = r.json().scenarios();
        assertEquals(6, scenarios.size());
        for (HostSelftest.ScenarioJson s : scenarios) {
            assertTrue(s.passed(), s.toString());
            assertEquals(Boolean.TRUE, s.same(), s.toString());
            Outcome.Json u = s.unicorn(), h = s.host();
            assertTrue(u.passed() && h.passed(), s.toString());
            assertEquals(u.notes(), h.notes(), "the x87 observation is the same on both");
            // Unicorn counts, the host cannot.
            assertTrue(u.switches() >= 2);
            assertEquals(-1, h.switches());
        }
    }

    @Test
    void theDifferentialComparisonCatchesADifferentResultWord() {
        Outcome pass = new Outcome("x", true, 2, 10, Duration.ZERO, List.of(), List.of());
        Differential.Snapshot a = new Differential.Snapshot(List.of("0x100: 0x1", "0x108: allocation1+0xff8"));
        Differential.Snapshot same = new Differential.Snapshot(List.of("0x100: 0x1", "0x108: allocation1+0xff8"));
        Differential.Snapshot other = new Differential.Snapshot(List.of("0x100: 0x1", "0x108: allocation1+0xff0"));
        assertTrue(Differential.compare(pass, a, pass, same).isEmpty());
        List<String> d = Differential.compare(pass, a, pass, other);
        assertEquals(List.of("result word 0x108: allocation1+0xff8 in unicorn, 0x108: allocation1+0xff0 on the host"), d);
        Outcome fail = new Outcome("x", false, 2, 10, Duration.ZERO, List.of("main r13 after switching: expected 0x3, got 0x0"), List.of());
        assertFalse(Differential.compare(pass, a, fail, same).isEmpty());
        Outcome noted = new Outcome("x", true, 2, 10, Duration.ZERO, List.of(), List.of("x87 0x037f"));
        assertFalse(Differential.compare(pass, a, noted, same).isEmpty());
    }
}
