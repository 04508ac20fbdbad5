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
    private long resumeAddress;

    /** A convention's layout (null for Cem's, whose verdict is {@link #judge}'s first half only). */
    private final ConventionLayout conv;
    /** Convention only: where rsp must be on arrival, and the words for it. */
    private long arrivalRsp;
    private String rspFrom, ripFrom;
    /** Convention only: the return address at [entry rsp], what a "return-address" resume slot saves. */
    private long returnAddress;
    /** Convention only: bytes the routine may write below the arrival rsp (libco pushes the resume address). */
    private long pushLo = -1, pushHi = -1;

    /** @param before the registers at entry; the shadow holds memory as it is at entry */
    Verdict(int number, int firstStep, Namer names, Shadow memory, long[] before) {
        this(number, firstStep, names, memory, before, null);
    }

    /**
     * @param routine the switch routine's code [from, to) (a resume address inside it resumes on
     *                its own final ret, as minicoro's does), or null
     */
    Verdict(int number, int firstStep, Namer names, Shadow memory, long[] before, long[] routine) {
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
        this.conv = layout instanceof ConventionLayout c ? c : null;
        if (conv == null) {
            resumeAddress = layout.resume() == TraceLayout.Resume.AT_SAVED_RSP ? memory.read(rsp, 8)
                    : layout.resumeSlot().map(s -> restoreSlots[slots.indexOf(s)]).orElse(0L);
            return;
        }
        var rule = conv.convention().resume();
        String restore = "restore " + conv.word();
        if (rule.rsp() == ctxlab.abi.Convention.ResumeRsp.FRAME_END) {
            arrivalRsp = restoreBase + conv.size();
            rspFrom = "the end of the " + restore + String.format(" (0x%x + 0x%x)", restoreBase, conv.size());
        } else {
            Slot s = layout.slotFor("rsp").orElseThrow();
            arrivalRsp = restoreSlots[slots.indexOf(s)] + rule.rspPlus();
            rspFrom = restore + String.format("+0x%x %s", s.offset(), s.name()) + (rule.rspPlus() == 0 ? "" : " + " + rule.rspPlus());
        }
        if (rule.pc() == ctxlab.abi.Convention.ResumePc.STACK) {
            resumeAddress = memory.read(arrivalRsp - 8, 8);
            ripFrom = "the resume address popped from the restored stack";
        } else {
            Slot s = conv.resumeSlot().orElseThrow();
            resumeAddress = restoreSlots[slots.indexOf(s)];
            ripFrom = restore + String.format("+0x%x %s", s.offset(), s.name());
            if (rule.pushes()) {
                pushLo = arrivalRsp - rule.rspPlus();
                pushHi = arrivalRsp;
            }
            if (routine != null && resumeAddress >= routine[0] && resumeAddress < routine[1]) {
                // the target resumes on the routine's own ret, which pops its caller's return address
                ripFrom = "the return address at [" + rspFrom + "], popped by the routine's own ret at " + restore
                        + String.format("+0x%x %s", s.offset(), s.name());
                resumeAddress = memory.read(arrivalRsp, 8);
                arrivalRsp += 8;
                rspFrom += " + 8 (its own ret popped the return address)";
            }
        }
        returnAddress = memory.read(before[Recorder.RSP], 8);
        guardAtEntry = conv.guardAddress() < 0 ? 0 : memory.read(conv.guardAddress(), 8);
    }

    /** Convention only: the thread's stack guard (%fs:0x28) at entry, when the routine switches it. */
    private long guardAtEntry;

    /**
     * Memory besides the save storage and the red zone the convention lets the routine write, as
     * [lo, hi) pairs: the word libco pushes on the restored stack, the stack guard Boost switches.
     */
    long[] pushWindow() {
        if (conv == null) return null;
        List<Long> w = new ArrayList<>();
        if (pushLo >= 0) { w.add(pushLo); w.add(pushHi); }
        if (conv.guardAddress() >= 0) { w.add(conv.guardAddress()); w.add(conv.guardAddress() + 8); }
        return w.isEmpty() ? null : w.stream().mapToLong(Long::longValue).toArray();
    }

    private static long mask(int width) {
        return width >= 8 ? -1L : (1L << (8 * width)) - 1;
    }

    long entryRsp() {
        return entry[Recorder.RSP];
    }

    /** @param steps every step so far, the routine's last one included; @param after the registers after it */
    Trace.Arrival judge(List<Trace.Step> steps, long[] after, Shadow memory) {
        if (conv != null) return judgeConvention(steps, after, memory);
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

    /**
     * The verdict under a convention: the registers it carries against the restore storage, rsp
     * and rip where it resumes, the values every arrival sees (Boost's rax/rdx, libco's rax = 0),
     * DF, the save storage against the entry registers, and where the routine wrote.
     */
    private Trace.Arrival judgeConvention(List<Trace.Step> steps, long[] after, Shadow memory) {
        List<Trace.Step> span = steps.subList(firstStep - 1, steps.size());
        List<Trace.Check> checks = new ArrayList<>();
        List<Slot> slots = layout.slots();
        ctxlab.abi.Convention c = conv.convention();
        String restore = "restore " + conv.word(), save = "save " + conv.word();
        List<Slot> carried = new ArrayList<>();
        for (String reg : layout.preserved()) layout.slotFor(reg).filter(s -> !reg.equals("rsp")).ifPresent(carried::add);
        for (Slot s : slots) if (s.register() != null && !s.register().equals("rsp") && !carried.contains(s)) carried.add(s);
        for (Slot slot : carried) {
            String reg = slot.register();
            int idx = Recorder.index(reg);
            long expected = restoreSlots[slots.indexOf(slot)] & mask(slot.width());
            long actual = after[idx] & mask(slot.width());
            String from = restore + String.format("+0x%x %s", slot.offset(), slot.name());
            String words = reg + " = " + hex(actual) + (actual == expected ? ", as " : ", but should be " + hex(expected) + " = ") + from;
            checks.add(check("restore", reg, expected, actual, words, blameRegister(span, reg)));
        }
        if (conv.guardSlot().isPresent()) {
            Slot g = conv.guardSlot().get();
            long expected = restoreSlots[slots.indexOf(g)], actual = memory.read(conv.guardAddress(), 8);
            checks.add(check("restore", "%fs:0x28", expected, actual, "the stack guard %fs:0x28 = " + hex(actual)
                    + (actual == expected ? ", as " : ", but should be " + hex(expected) + " = ") + restore
                    + String.format("+0x%x %s", g.offset(), g.name()), blameSlot(span, conv.guardAddress(), 8)));
        }
        long rsp = after[Recorder.RSP];
        checks.add(check("restore", "rsp", arrivalRsp, rsp, "rsp = " + hex(rsp)
                + (rsp == arrivalRsp ? ", as " : ", but should be " + hex(arrivalRsp) + " = ") + rspFrom, blameRegister(span, "rsp")));
        long rip = after[Recorder.RIP];
        checks.add(check("restore", "rip", resumeAddress, rip, "rip = " + hex(rip)
                + (rip == resumeAddress ? ": " : ", but should be " + hex(resumeAddress) + " = ") + ripFrom, span.getLast()));
        for (var e : c.arrival().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).toList()) {
            String reg = ConventionLayout.reg(e.getKey());
            int idx = Recorder.index(reg);
            long expected;
            String what;
            switch (e.getValue()) {
                case ctxlab.abi.Convention.Value.From f -> {
                    expected = saveBase;
                    what = "the suspended side's handle, the " + save + " at " + hex(saveBase);
                }
                case ctxlab.abi.Convention.Value.Data d -> {
                    String arg = conv.argument(ctxlab.abi.Convention.Role.DATA);
                    expected = arg == null ? 0 : entry[Recorder.index(arg)];
                    what = "the data word (" + arg + " at entry)";
                }
                case ctxlab.abi.Convention.Value.Constant k -> {
                    expected = k.value();
                    what = "the convention's " + hex(k.value());
                }
                default -> {
                    continue;   // layout arguments concern a fresh entry only, not every arrival
                }
            }
            long actual = after[idx];
            checks.add(check("restore", reg, expected, actual, reg + " = " + hex(actual)
                    + (actual == expected ? ", as " : ", but should be " + hex(expected) + " = ") + what + " (arrival value)",
                    blameRegister(span, reg)));
        }
        long df = (after[Recorder.RFLAGS] >>> 10) & 1, dfEntry = (entry[Recorder.RFLAGS] >>> 10) & 1;
        checks.add(check("restore", "df", dfEntry, df, "DF = " + df + (df == dfEntry ? ", as at entry"
                : ", but was " + dfEntry + " at entry (the ABI wants the direction flag clear on return)"), blameFlag(span)));
        for (ctxlab.abi.Convention.Slot cs : c.slots()) {
            Slot slot = slots.stream().filter(s -> s.name().equals(cs.name())).findFirst().orElseThrow();
            long expected;
            String what;
            switch (cs.holds()) {
                case REGISTER, MXCSR, FPCW -> {
                    expected = entry[Recorder.index(slot.register())] & mask(slot.width());
                    what = slot.register() + " at entry";
                }
                case RSP -> {
                    expected = entry[Recorder.RSP] + cs.rspAdjust();
                    what = "rsp at entry" + (cs.rspAdjust() == 0 ? " (pointing at the return address)" : " + " + cs.rspAdjust());
                }
                case RESUME -> {
                    if (!cs.savedReturnAddress()) continue;
                    expected = returnAddress;
                    what = "the return address at [rsp] at entry";
                }
                case TLS_GUARD -> {
                    if (conv.guardSlot().isEmpty()) continue;   // the routine does not use %fs: an unused slot
                    expected = guardAtEntry;
                    what = "the stack guard %fs:0x28 at entry";
                }
                default -> {
                    continue;
                }
            }
            long actual = memory.read(saveBase + slot.offset(), slot.width());
            String name = save + String.format("+0x%x %s", slot.offset(), slot.name());
            String words = name + " = " + hex(actual) + (actual == expected ? " = " : ", but should be " + hex(expected) + " = ") + what;
            checks.add(check("save", name, expected, actual, words, blameSlot(span, saveBase + slot.offset(), slot.width())));
        }
        Trace.Step stray = span.stream().filter(st -> st.warnings().stream().anyMatch(w -> w.startsWith(Warnings.WRITES)))
                .findFirst().orElse(null);
        checks.add(check("memory", "writes", 0, stray == null ? 0 : 1,
                "writes stay in the " + save + ", the 128 bytes below the entry rsp"
                        + (pushLo >= 0 ? " and the word the convention pushes on the restored stack" : "")
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
