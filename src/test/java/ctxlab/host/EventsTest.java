package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.selftest.Outcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The parent–child protocol: every kind of event survives the trip through its JSON line, and a
 * line this build cannot read (an unknown kind, a field missing, extra or of the wrong type, a line
 * cut short) is refused with words that say what is wrong; from a child that ended by itself that
 * is an error for the user, from one that crashed it is the crash's leftover.
 */
class EventsTest {
    static final Outcome.Json OUTCOME = new Outcome.Json("simple-switch", true, 2, 78, 1.5, List.of(), List.of("x87 0x037f"));

    static List<ChildEvent> oneOfEach() {
        var rounds = new BenchFigures.Rounds(new double[] {1.5, 2}, new double[] {3}, new double[] {4}, new double[] {5},
                new double[] {6}, null);
        return List.of(
                new ChildEvent.Code(0x7f0000000000L, 1234, "ab12", true, List.of("verify (500 random states)"), null, null, false, null),
                new ChildEvent.Code(0x1000, 10, "cd34", false, null, "refusing", List.of("restore: r12"), true, List.of(OUTCOME)),
                new ChildEvent.Wall(true, 0x1000, 0x2000),
                new ChildEvent.Running("scenario simple-switch", null),
                new ChildEvent.Running("vector v", 3),
                new ChildEvent.Scenario("simple-switch", true, true, OUTCOME, OUTCOME, List.of()),
                new ChildEvent.Spawned(1, 0x5000, 4096, 0x4000, "madvise(MADV_GUARD_INSTALL)"),
                new ChildEvent.Strands(16, 32, 4, List.of(new ChildEvent.Strand(1, "FINISHED", 3, 0, 4))),
                new ChildEvent.Round(2),
                new ChildEvent.Bench(new BenchFigures.Machine("cpu", 2, "6.1", "OpenJDK 25"), "mprotect(PROT_NONE)", 1.5, 2, 3, 4, 5,
                        null, null, rounds, new BenchFigures.PerRound(21, 11, 21, 20),
                        new BenchFigures.Compared("/a/fast.s", 1, 2, 3, null,
                                new BenchFigures.CompareRounds(new double[] {1}, new double[] {2}, new double[] {3})),
                        new BenchFigures.Scale(1000, 4096, 10, 1.5, 2.5, 4, 22000, 1e6, 1 << 20, -4096, -4, 1 << 21)),
                new ChildEvent.SwitchCost(4.2, 3.1, 5, 2_000_000),
                new ChildEvent.Vector(0, "boundary-zero", new ChildEvent.VectorUnicorn(true, List.of(), 17L, null), null,
                        new ChildEvent.VectorHost(true, List.of()), true, List.of()),
                new ChildEvent.Vector(1, "fault", new ChildEvent.VectorUnicorn(true, List.of(), null, "write to read-only memory"),
                        "expects a fault: unsafe on hardware", null, null, List.of()),
                new ChildEvent.Error("bad input", 2),
                new ChildEvent.Done(true),
                new ChildEvent.Done(null));
    }

    @Test
    void everyKindOfEventReadsBackAsWritten() throws Exception {
        for (ChildEvent e : oneOfEach()) {
            String line = Events.write(e);
            assertFalse(line.contains("\n"), "one line per event: " + line);
            assertTrue(line.startsWith("{\"event\":\""), "the kind comes first: " + line);
            ChildEvent back = Events.read(line);
            assertEquals(e.getClass(), back.getClass(), line);
            // Bench holds arrays (equal by identity only): compare what they write.
            assertEquals(line, Events.write(back));
        }
    }

    static String refusal(String line) {
        return assertThrows(Events.MalformedEventException.class, () -> Events.read(line), line).getMessage();
    }

    @Test
    void aLineThisBuildCannotReadIsRefusedWithItsReason() {
        assertTrue(refusal("{\"event\":\"teleport\",\"to\":\"mars\"}").contains("'teleport'"));
        assertTrue(refusal("{\"what\":\"scenario x\",\"index\":null}").contains("event"), "no kind at all");
        assertTrue(refusal("{\"event\":\"round\"}").contains("round"), "a field missing");
        assertTrue(refusal("{\"event\":\"round\",\"round\":1,\"extra\":2}").contains("extra"), "a field this build does not know");
        assertTrue(refusal("{\"event\":\"round\",\"round\":\"first\"}").contains("first"), "a field of the wrong type");
        assertTrue(refusal("{\"event\":\"round\",\"round\":null}").contains("null"), "null for a number");
        assertTrue(refusal("{\"event\":\"running\",\"what\":null,\"index\":null}").contains("what"), "null where a value must be");
        assertFalse(refusal("{\"event\":\"strands\",\"resumes\":16,\"swi").isBlank(), "a line cut short");
        for (String line : List.of("{\"event\":\"teleport\"}", "{\"event\":\"round\"}", "{\"event\":\"str")) {
            assertFalse(refusal(line).contains("\n"), "one line: " + refusal(line));
        }
    }

    static Isolation.ChildRun scripted(int exit, String... lines) {
        return Isolation.run(ScriptedChild.class.getName(), List.of(lines), List.of("-Dexit=" + exit), Duration.ofSeconds(60));
    }

    @Test
    void aChildThatEndsWellIsReadInOrder() {
        Isolation.ChildRun run = scripted(0, Events.write(new ChildEvent.Running("scenario a", null)),
                "not an event: the child's libraries may write here too", Events.write(new ChildEvent.Done(true)));
        assertEquals(List.of(new ChildEvent.Running("scenario a", null), new ChildEvent.Done(true)), run.events());
        assertTrue(run.finished());
        assertTrue(run.crash().isEmpty());
    }

    @Test
    void anUnknownEventFromAChildThatEndedByItselfIsAClearError() {
        HostException e = assertThrows(HostException.class, () -> scripted(0, "{\"event\":\"teleport\",\"to\":\"mars\"}",
                Events.write(new ChildEvent.Done(true))));
        assertTrue(e.getMessage().startsWith("the host child JVM sent an event this ctxlab cannot read ("), e.getMessage());
        assertTrue(e.getMessage().contains("teleport"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aMalformedEventIsAClearErrorEvenWithoutDone() {
        HostException e = assertThrows(HostException.class, () -> scripted(1, "{\"event\":\"round\",\"round\":\"one\"}",
                "{\"event\":\"done\",\"passed\":tru"));
        assertTrue(e.getMessage().contains("\"round\":\"one\"") && e.getMessage().contains("; and 1 more"), e.getMessage());
    }

    @Test
    void aLineCutShortByACrashIsTheCrashsLeftoverNotAnError() {
        // Exit status 128 + 11: how a child killed by SIGSEGV before it could write a crash report ends.
        Isolation.ChildRun run = scripted(139, Events.write(new ChildEvent.Running("scenario a", null)), "{\"event\":\"scen");
        assertEquals(List.of(new ChildEvent.Running("scenario a", null)), run.events());
        Isolation.Crash crash = run.crash().orElseThrow();
        assertEquals("SIGSEGV", crash.signal());
        assertEquals("scenario a", crash.running());
        assertInstanceOf(String.class, crash.message(null, null));
    }
}
