package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.MakeContext;
import ctxlab.asm.AsmException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The scheduler runs verified code in this JVM: the routine passed the gate, and these programs
 * stay well inside their stacks (the guard page test runs in a child: HostCrashTest).
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class SchedulerTest {
    static HostCode code;

    @BeforeAll
    static void load() {
        code = HostCode.build(HostSources.files(TestFiles.ROOT, TestFiles.SWITCH));
    }

    @AfterAll
    static void unload() {
        code.close();
    }

    @Test
    void strandsRunFifoAndReportTheirCountersToJava() {
        try (Scheduler s = new Scheduler(code)) {
            Scheduler.Strand a = s.spawn(new Scheduler.Program("counter_program", 2), 4096);
            Scheduler.Strand b = s.spawn(new Scheduler.Program("counter_program", 3), 8192);
            Scheduler.Strand c = s.spawn(new Scheduler.Program("counter_program", 0), 4096);
            assertEquals(3, s.ready());
            // FIFO: a, b, c each get one turn before anyone gets a second.
            List<long[]> turns = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                assertTrue(s.step());
                turns.add(new long[] {a.resumes(), b.resumes(), c.resumes()});
            }
            assertEquals(List.of("1,0,0", "1,1,0", "1,1,1"), turns.stream().map(t -> t[0] + "," + t[1] + "," + t[2]).toList());
            assertEquals(Scheduler.State.RUNNABLE, a.state());
            assertEquals(1, a.yields());
            assertEquals(Scheduler.State.FINISHED, c.state(), "no yields: finished on its first turn");
            assertEquals(2, s.ready());

            s.run();
            for (Scheduler.Strand x : List.of(a, b, c)) assertEquals(Scheduler.State.FINISHED, x.state());
            assertEquals(2, a.yields());
            assertEquals(3, b.yields());
            assertEquals(0, c.yields());
            assertEquals(2, a.result(), "resumptions counted by the program itself");
            assertEquals(3, b.result());
            assertEquals(3, a.resumes());
            assertEquals(4, b.resumes());
            assertEquals(1, c.resumes());
            assertEquals(8, s.resumes());
            assertEquals(16, s.switches());
            assertEquals(3, s.finished());
            assertNull(a.stack(), "a finished strand's stack went back to the pool");
            assertFalse(s.step());
        }
    }

    @Test
    void stacksHaveAGuardPageBelowAndAreReused() {
        try (Scheduler s = new Scheduler(code)) {
            Scheduler.Strand a = s.spawn(new Scheduler.Program("counter_program", 1), 4096);
            Pages.Region stack = a.stack();
            assertEquals(stack.base() - Pages.PAGE, stack.mapping(), "the guard page lies right below the stack");
            assertEquals(4096, stack.size());
            s.run();
            Scheduler.Strand b = s.spawn(new Scheduler.Program("recurse_program", 10), 4096);
            assertEquals(stack.base(), b.stack().base(), "the finished strand's stack is reused");
            s.run();
            assertEquals(11, b.result());
        }
    }

    @Test
    void badSpawnsAreRefusedBeforeAnythingRuns() {
        try (Scheduler s = new Scheduler(code)) {
            assertThrows(MakeContext.StackTooSmallException.class, () -> s.spawn(new Scheduler.Program("counter_program", 1), 4095));
            AsmException e = assertThrows(AsmException.class, () -> s.spawn(new Scheduler.Program("no_such_program", 1), 4096));
            assertTrue(e.getMessage().contains("no symbol 'no_such_program'"), e.getMessage());
            assertEquals(0, s.ready());
        }
    }

    @Test
    void manyStrands() {
        try (Scheduler s = new Scheduler(code)) {
            List<Scheduler.Strand> all = new ArrayList<>();
            for (int i = 0; i < 2000; i++) all.add(s.spawn(new Scheduler.Program("counter_program", i % 7), 4096));
            s.run();
            for (Scheduler.Strand x : all) {
                assertEquals(Scheduler.State.FINISHED, x.state());
                assertEquals(x.program().argument(), x.yields());
            }
            assertEquals(2000, s.finished());
        }
    }
}
