package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The counts both verifiers merge across threads, and the log both hooks fill. */
class StripeTallyTest {
    static StripeTally<Property, Violation> tally() {
        return new StripeTally<>(Property.class, Violation::iteration);
    }

    static Violation at(Property p, int iteration) {
        return new Violation(p, "d" + iteration, null, iteration, "");
    }

    @Test
    void mergeSumsCountsKeepsExtremesAndTheLowestIterationsViolation() {
        var a = tally();
        var b = tally();
        a.first.put(Property.SAVE, at(Property.SAVE, 7));
        b.first.put(Property.SAVE, at(Property.SAVE, 3));
        b.first.put(Property.MEMORY, at(Property.MEMORY, 9));
        a.first.put(Property.RESTORE, at(Property.RESTORE, 2));
        b.first.put(Property.RESTORE, at(Property.RESTORE, 4));
        a.evaluations[Property.SAVE.ordinal()] = 5;
        b.evaluations[Property.SAVE.ordinal()] = 6;
        a.done = 10; b.done = 11; a.fresh = 1; b.fresh = 2;
        a.switches = 20; b.switches = 22; a.roundTrips = 9; b.roundTrips = 8;
        a.executed(17);
        b.executed(12);
        b.executed(19);
        a.merge(b);
        assertEquals(3, a.first.get(Property.SAVE).iteration());
        assertEquals(2, a.first.get(Property.RESTORE).iteration());
        assertEquals(9, a.first.get(Property.MEMORY).iteration());
        assertEquals(11, a.evaluations[Property.SAVE.ordinal()]);
        assertEquals(21, a.done);
        assertEquals(3, a.fresh);
        assertEquals(42, a.switches);
        assertEquals(17, a.roundTrips);
        assertEquals(12, a.minExecuted());
        assertEquals(19, a.maxExec);
        assertEquals("12-19 executed per switch (traced)", a.executedPerSwitch("none", " (traced)"));
        Map<Property, Long> counts = a.evaluationCounts();
        assertEquals(Property.values().length, counts.size());
        assertEquals(11L, counts.get(Property.SAVE));
        assertEquals(0L, counts.get(Property.FLAGS));
    }

    @Test
    void noArrivalIsSaidAsSuchAndOneCountIsNotARange() {
        var t = tally();
        assertEquals(-1, t.minExecuted());
        assertEquals("no switch arrived", t.executedPerSwitch("no switch arrived", ""));
        t.executed(17);
        t.executed(17);
        assertEquals("17 executed per switch", t.executedPerSwitch("none", ""));
        var empty = tally();
        t.merge(empty);
        assertEquals(17, t.minExecuted());
    }

    @Test
    void switchLogSkipsThePadsAndFindsTheLastWriteAndWriter() {
        long pads = 0x5e5e_0000_0000L;
        SwitchLog log = new SwitchLog(4, 2, pads, 0x1000);
        long[] pcs = {0x400000, 0x400004, 0x400008, pads + 0x100, pads};
        for (long pc : pcs) log.pcs[log.pcCount++] = pc;
        assertEquals(0x400008, log.lastPc());
        assertEquals(3, log.executed());
        log.pcCount = 100;   // the hooks count past the array
        assertEquals(4 + 16, log.kept());
        log.pcCount = pcs.length;
        // three writes, two kept
        int[][] writes = {{0x400000, 0x1000, 8}, {0x400004, 0x1010, 4}, {0x400008, 0x1000, 8}};
        for (int[] w : writes) {
            int n = log.wCount++;
            if (n < log.wPc.length) {
                log.wPc[n] = w[0];
                log.wAddr[n] = w[1];
                log.wSize[n] = w[2];
            }
        }
        assertEquals(0x400000, log.lastWriteTo(0x1004, 0x1008));
        assertEquals(0x400004, log.lastWriteTo(0x1012, 0x1013));
        assertEquals(-1, log.lastWriteTo(0x1014, 0x1020));
        // register 0 changes after the second instruction and at the pad; register 1 never
        log.tracing = true;
        long[][] snaps = {{1, 5}, {1, 5}, {2, 5}, {2, 5}, {3, 5}};
        for (long[] s : snaps) log.snaps.add(s);
        long[] after = {3, 5};
        assertEquals(pads + 0x100, log.lastWriter(after, 0, -1L, false));
        assertEquals(0x400004, log.lastWriter(after, 0, -1L, true));
        assertEquals(0x400004, log.lastWriter(after, 0, 2L, false), "only bit 1 is watched: 1 -> 2 sets it, 2 -> 3 keeps it");
        assertEquals(-1, log.lastWriter(after, 1, -1L, false));
        log.tracing = false;
        assertEquals(-1, log.lastWriter(after, 0, -1L, false));
    }
}
