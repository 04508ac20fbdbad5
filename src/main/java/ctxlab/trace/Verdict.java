package ctxlab.trace;

import ctxlab.trace.TraceLayout.Slot;
import java.util.ArrayList;
import java.util.List;

/**
 * The arrival verdict of one switch, opened when the routine is entered and judged when it is
 * left: every register the convention preserves against what the restore context held at entry
 * (the restore side), and every slot of the save context against the registers at entry (the
 * save side). A failed check blames the last step that set the register or wrote the slot.
 */
final class Verdict {
    final int number;
    private final int firstStep;
    private final TraceLayout layout;
    private final long saveBase, restoreBase;
    private final boolean shared;
    private final String saveName, restoreName;
    private final long[] entry;
    private final long[] restoreSlots;
    private final long resumeAddress;

    /** @param before the registers at entry; the shadow holds memory as it is at entry */
    Verdict(int number, int firstStep, Namer names, Shadow memory, long[] before) {
        this.number = number;
        this.firstStep = firstStep;
        this.layout = names.layout();
        this.saveBase = names.boundBase("save");
        this.restoreBase = names.boundBase("restore");
        this.shared = saveBase == restoreBase;
        this.saveName = names.bindings().getOrDefault("save", "?");
        this.restoreName = names.bindings().getOrDefault("restore", "?");
        this.entry = before.clone();
        List<Slot> slots = layout.slots();
        restoreSlots = new long[slots.size()];
        for (int i = 0; i < slots.size(); i++) restoreSlots[i] = memory.read(restoreBase + slots.get(i).offset(), slots.get(i).width());
        long rsp = shared ? before[Recorder.RSP] : layout.slotFor("rsp").map(s -> restoreSlots[slots.indexOf(s)]).orElse(0L);
        resumeAddress = layout.resume() == TraceLayout.Resume.AT_SAVED_RSP ? memory.read(rsp, 8)
                : layout.resumeSlot().map(s -> restoreSlots[slots.indexOf(s)]).orElse(0L);
    }

    private static long mask(int width) {
        return width >= 8 ? -1L : (1L << (8 * width)) - 1;
    }

    long entryRsp() {
        return entry[Recorder.RSP];
    }

    /** @param steps every step so far, the routine's last one included; @param after the registers after it */
    Trace.Arrival judge(List<Trace.Step> steps, long[] after, Shadow memory) {
        List<Trace.Step> span = steps.subList(firstStep - 1, steps.size());
        List<Trace.Check> checks = new ArrayList<>();
        List<Slot> slots = layout.slots();
        // restore side: the CPU after the switch
        for (String reg : layout.preserved()) {
            int idx = Recorder.index(reg);
            Slot slot = layout.slotFor(reg).orElse(null);
            if (idx < 0 || slot == null) continue;
            long held = shared ? entry[idx] : restoreSlots[slots.indexOf(slot)];
            long actual = after[idx] & mask(slot.width());
            long expected = held & mask(slot.width());
            String from = shared ? reg + " at entry (save and restore are the same context)" : "restore." + slot.name();
            String words;
            if (reg.equals("rsp") && layout.resume() == TraceLayout.Resume.AT_SAVED_RSP) {
                expected = held + 8;
                from = (shared ? "rsp at entry" : "restore.rsp") + " + 8 (the resume address popped)";
            }
            words = reg + " = " + hex(actual) + (actual == expected ? ", as " : ", but should be " + hex(expected) + " = ") + from;
            checks.add(check("restore", reg, expected, actual, words, blameRegister(span, reg)));
        }
        long rip = after[Recorder.RIP];
        String resumeFrom = layout.resume() == TraceLayout.Resume.AT_SAVED_RSP
                ? "the resume address at [" + (shared ? "rsp at entry" : "restore.rsp") + "]" : "the resume slot";
        checks.add(check("restore", "rip", resumeAddress, rip, "rip = " + hex(rip)
                + (rip == resumeAddress ? ": " : ", but should be " + hex(resumeAddress) + " = ") + resumeFrom,
                span.getLast()));
        // the ABI: the direction flag is clear at every call and return; a switch leaves it as it found it
        long df = (after[Recorder.RFLAGS] >>> 10) & 1, dfEntry = (entry[Recorder.RFLAGS] >>> 10) & 1;
        checks.add(check("restore", "df", dfEntry, df, "DF = " + df + (df == dfEntry ? ", as at entry"
                : ", but was " + dfEntry + " at entry (the ABI wants the direction flag clear on return)"), blameFlag(span)));
        // save side: the save context against the registers at entry
        for (Slot slot : slots) {
            if (slot.register() == null) continue;
            int idx = Recorder.index(slot.register());
            if (idx < 0) continue;
            long expected = entry[idx] & mask(slot.width());
            long actual = memory.read(saveBase + slot.offset(), slot.width());
            String what = slot.register() + " at entry"
                    + (slot.register().equals("rsp") && layout.resume() == TraceLayout.Resume.AT_SAVED_RSP ? " (pointing at the return address)" : "");
            String words = "save." + slot.name() + " = " + hex(actual)
                    + (actual == expected ? " = " : ", but should be " + hex(expected) + " = ") + what;
            checks.add(check("save", "save." + slot.name(), expected, actual, words, blameSlot(span, saveBase + slot.offset(), slot.width())));
        }
        // memory: the switch writes the save context and its own red zone, nothing else
        Trace.Step stray = span.stream().filter(st -> st.warnings().stream().anyMatch(w -> w.startsWith(Warnings.WRITES)))
                .findFirst().orElse(null);
        checks.add(check("memory", "writes", 0, stray == null ? 0 : 1,
                "writes stay in the save context and the 128 bytes below the entry rsp"
                        + (stray == null ? "" : ", but step " + stray.number() + " " + stray.warnings().stream()
                        .filter(w -> w.startsWith(Warnings.WRITES)).findFirst().orElseThrow()), stray));
        return new Trace.Arrival(number, firstStep, span.getLast().number(), saveName, restoreName, checks);
    }

    private static Trace.Check check(String side, String name, long expected, long actual, String words, Trace.Step blame) {
        boolean ok = expected == actual;
        String text = words;
        if (!ok && !side.equals("memory")) {
            text += blame == null ? ": no instruction of the switch " + (side.equals("save") ? "wrote it" : "changed it")
                    : ": step " + blame.number() + " (" + where(blame) + ") " + (side.equals("save") ? "wrote it" : "set it") + " last";
        }
        return new Trace.Check(side, name, ok, expected, actual, ok || blame == null ? 0 : blame.number(), text);
    }

    private static String where(Trace.Step s) {
        String loc = s.where() == null ? String.format("0x%x", s.address()) : Namer.shortWhere(s.where());
        return loc + (s.source() == null ? "" : " " + s.source().replaceAll("\\s+", " "));
    }

    private static Trace.Step blameRegister(List<Trace.Step> span, String reg) {
        for (int i = span.size() - 1; i >= 0; i--) {
            if (span.get(i).registers().stream().anyMatch(c -> c.name().equals(reg))) return span.get(i);
        }
        return null;
    }

    private static Trace.Step blameFlag(List<Trace.Step> span) {
        for (int i = span.size() - 1; i >= 0; i--) {
            if (span.get(i).flags().stream().anyMatch(f -> f.name().equals("DF"))) return span.get(i);
        }
        return null;
    }

    private static Trace.Step blameSlot(List<Trace.Step> span, long address, int width) {
        for (int i = span.size() - 1; i >= 0; i--) {
            for (Trace.Access w : span.get(i).writes()) {
                if (w.address() < address + width && address < w.address() + w.size()) return span.get(i);
            }
        }
        return null;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
