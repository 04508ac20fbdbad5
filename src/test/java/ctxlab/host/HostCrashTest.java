package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Native code that crashes does so in the child JVM: this (test) JVM survives and gets a report
 * naming the signal, the address and the source line.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class HostCrashTest {

    /** The switch routine restoring rsp from r15's slot (0x28) instead of its own (0x30). */
    static Path rspFromWrongSlot(Path dir) throws Exception {
        String text = Files.readString(TestFiles.SWITCH);
        String broken = text.replace("movq    48(%rsi), %rsp", "movq    40(%rsi), %rsp");
        assertFalse(broken.equals(text), "the line to break is in the routine");
        Path f = dir.resolve("rsp_wrong_slot.s");
        Files.writeString(f, broken);
        return f;
    }

    @Test
    void aBrokenRoutineIsRefusedWithoutUnverified(@TempDir Path dir) throws Exception {
        Path broken = rspFromWrongSlot(dir);
        HostSelftest.Report r = HostSelftest.run(TestFiles.ROOT, broken, broken.toString(), false);
        assertEquals(1, r.exit(), String.join("\n", r.text()));
        String text = String.join("\n", r.text());
        assertTrue(text.contains("refusing to run this code on the host: it failed emulated verification"), text);
        assertTrue(text.contains("--unverified"), text);
        assertNull(r.json().crash());
        assertFalse(r.json().passed());
    }

    @Test
    void aBrokenRoutineRunWithHostIsReportedAsACrash(@TempDir Path dir) throws Exception {
        Path broken = rspFromWrongSlot(dir);
        HostSelftest.Report r = HostSelftest.run(TestFiles.ROOT, broken, broken.toString(), true);
        String text = String.join("\n", r.text());
        assertEquals(1, r.exit(), text);
        // rsp = the strand's r15 = 0: the routine's ret reads address 0.
        assertTrue(text.contains("strand crashed: SIGSEGV at 0x0"), text);
        assertTrue(text.matches("(?s).*pc 0x[0-9a-f]+ = \\S*rsp_wrong_slot\\.s:\\d+: ret.*"), text);
        assertTrue(text.contains("while running scenario simple-switch"), text);
        HostSelftest.SignalJson crash = (HostSelftest.SignalJson) r.json().crash();
        assertEquals("SIGSEGV", crash.signal());
        assertEquals(0L, crash.address());
    }

    @Test
    void aRoutineThatNeverComesBackIsKilledAndReported(@TempDir Path dir) throws Exception {
        Path loop = dir.resolve("loop.s");
        Files.writeString(loop, ".globl cem_swapcontext\ncem_swapcontext:\n  jmp cem_swapcontext\n");
        HostSelftest.Report r = HostSelftest.run(TestFiles.ROOT, loop, loop.toString(), true, Duration.ofSeconds(20));
        String text = String.join("\n", r.text());
        assertEquals(1, r.exit(), text);
        assertTrue(text.contains("the host child did not finish within 20 s (a runaway routine?) and was killed"
                + " while running scenario simple-switch"), text);
    }

    @Test
    void aStrandRecursingTooDeepHitsItsGuardPage() {
        // 100 levels of 256 bytes on a 4 KB stack: the guard page below stops it.
        Isolation.ChildRun run = Isolation.run(List.of("strands", TestFiles.ROOT.toString(), TestFiles.SWITCH.toString(),
                "recurse_program", "1", "4096", "100"), List.of("-XX:TieredStopAtLevel=1"), Duration.ofSeconds(120));
        assertTrue(run.crash().isPresent(), run.events() + run.stderr());
        String message = Isolation.describe(run, HostSources.files(TestFiles.ROOT, TestFiles.SWITCH));
        assertTrue(message.startsWith("strand crashed: SIGSEGV at 0x"), message);
        assertTrue(message.contains("in the guard page below strand 1's stack (a stack overflow)"), message);
        assertTrue(message.contains("asm/host/scheduler.s:"), message);
        ChildEvent.Spawned spawned = run.last(ChildEvent.Spawned.class).orElseThrow();
        long address = run.crash().get().address();
        assertTrue(address >= spawned.guard() && address < spawned.stack(), message);
    }

    @Test
    void theMprotectGuardPageStopsItToo() {
        // The fallback for kernels before 6.13: the guard page made with mprotect(PROT_NONE).
        Isolation.ChildRun run = Isolation.run(List.of("strands", TestFiles.ROOT.toString(), TestFiles.SWITCH.toString(),
                "recurse_program", "1", "4096", "100"), List.of("-XX:TieredStopAtLevel=1", "-Dctxlab.host.guard=mprotect"),
                Duration.ofSeconds(120));
        assertEquals("mprotect(PROT_NONE)", run.last(ChildEvent.Spawned.class).orElseThrow().guardMethod());
        assertTrue(run.crash().isPresent(), run.events() + run.stderr());
        String message = Isolation.describe(run, HostSources.files(TestFiles.ROOT, TestFiles.SWITCH));
        assertTrue(message.contains("in the guard page below strand 1's stack (a stack overflow)"), message);
    }

    @Test
    void theSameStrandWithRoomFinishes() {
        // The control for the test above: 10 levels fit in 4 KB, so the run completes.
        Isolation.ChildRun run = Isolation.run(List.of("strands", TestFiles.ROOT.toString(), TestFiles.SWITCH.toString(),
                "recurse_program", "2", "4096", "10"), List.of("-XX:TieredStopAtLevel=1"), Duration.ofSeconds(120));
        assertTrue(run.crash().isEmpty(), run.stderr());
        assertEquals(0, run.exitCode(), run.stderr());
        List<ChildEvent.Strand> strands = run.last(ChildEvent.Strands.class).orElseThrow().strands();
        assertEquals(2, strands.size());
        for (ChildEvent.Strand s : strands) {
            assertEquals("FINISHED", s.state());
            assertEquals(11, s.result(), "levels 10..0 reached");
            assertEquals(1, s.yields());
        }
    }
}
