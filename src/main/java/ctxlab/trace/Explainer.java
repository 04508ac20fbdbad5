package ctxlab.trace;

import static ctxlab.trace.Recorder.GPRS;
import static ctxlab.trace.Recorder.MXCSR;
import static ctxlab.trace.Recorder.RFLAGS;
import static ctxlab.trace.Recorder.RIP;
import static ctxlab.trace.Recorder.RSP;

import ctxlab.abi.ContextLayout.Slot;
import ctxlab.asm.Assembly;
import ctxlab.emu.Reg;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Plain words for what one instruction did, worked out from its observed effect only: which
 * registers changed and to what, which memory it read and wrote, where rsp and rip went. There
 * is no table of instructions: a store is recognised because the value written equals a
 * register's value, a load because a register's new value is what was just read, a {@code ret}
 * because rip became the value popped from the old rsp.
 */
final class Explainer {
    private final Recorder.Raw r;
    private final Namer names;
    private final Assembly assembly;
    private final Shadow memoryAfter;
    private final List<String> out = new ArrayList<>();
    private final Set<Recorder.Access> usedReads = new HashSet<>();
    private final Set<Recorder.Access> usedWrites = new HashSet<>();
    private final Set<Integer> explainedRegs = new HashSet<>();
    private boolean controlExplained;

    private Explainer(Recorder.Raw r, Namer names, Assembly assembly, Shadow memoryAfter) {
        this.r = r;
        this.names = names;
        this.assembly = assembly;
        this.memoryAfter = memoryAfter;
    }

    /**
     * @param memoryAfter memory after this step (to say what a stored pointer points at)
     * @param entered     the name of the switch routine when this step is its first instruction
     */
    static List<String> explain(Recorder.Raw r, Namer names, Assembly assembly, Shadow memoryAfter, String entered) {
        Explainer e = new Explainer(r, names, assembly, memoryAfter);
        if (entered != null) e.entry(entered);
        e.returnLike();
        e.callLike();
        e.writes();
        e.registers();
        e.stackSwitch();
        e.jumps();
        e.leftovers();
        return e.out;
    }

    private long rspBefore() {
        return r.before(RSP);
    }

    private long rspAfter() {
        return r.after(RSP);
    }

    private long sequential() {
        return r.address + r.bytes.length;
    }

    private String dataName(long address) {
        String n = names.data(address, rspBefore());
        return n != null ? n : hex(address);
    }

    private String codeName(long address) {
        String n = names.code(address);
        return n != null ? n : hex(address);
    }

    private void entry(String routine) {
        var b = names.bindings();
        out.add(String.format("%s begins: save = rdi = %s (%s), restore = rsi = %s (%s)", routine,
                b.getOrDefault("save", "?"), hex(r.before(Recorder.RDI)), b.getOrDefault("restore", "?"),
                hex(r.before(Recorder.RSI))));
    }

    /** rip became the 8 bytes read at the old rsp, and rsp moved up by 8: a return. */
    private void returnLike() {
        long rip = r.after(RIP);
        if (rip == sequential() || rspAfter() != rspBefore() + 8) return;
        for (Recorder.Access a : r.reads) {
            if (a.address() == rspBefore() && a.size() == 8 && a.value() == rip) {
                String what = names.code(rip);
                out.add("ret pops " + hex(rip) + (what != null ? " = " + what : "") + where(rip) + ": execution continues there");
                usedReads.add(a);
                explainedRegs.add(RSP);
                controlExplained = true;
                return;
            }
        }
    }

    /** The next instruction's address was pushed and rip went elsewhere: a call. */
    private void callLike() {
        long rip = r.after(RIP);
        if (rip == sequential() || rspAfter() != rspBefore() - 8) return;
        for (Recorder.Access w : r.writes) {
            if (w.address() == rspAfter() && w.size() == 8 && w.value() == sequential()) {
                out.add("call pushes the return address " + hex(w.value()) + " onto " + stackName(rspAfter())
                        + " and jumps to " + codeName(rip) + where(rip));
                usedWrites.add(w);
                explainedRegs.add(RSP);
                controlExplained = true;
                return;
            }
        }
    }

    private void writes() {
        for (Recorder.Access w : r.writes) {
            if (usedWrites.contains(w)) continue;
            usedWrites.add(w);
            String target = dataName(w.address());
            // push: the write lands at the new rsp, which moved down by the size written
            if (w.address() == rspAfter() && rspAfter() == rspBefore() - w.size()) {
                int reg = matchingRegister(w);
                out.add("pushes " + (reg >= 0 ? Recorder.name(reg) + " (" + hex(w.value()) + ")" : hex(w.value()) + sameAs(w, " ("))
                        + " onto " + stackName(rspAfter()));
                explainedRegs.add(RSP);
                continue;
            }
            Optional<Recorder.Access> rmw = r.reads.stream()
                    .filter(a -> !usedReads.contains(a) && a.address() == w.address() && a.size() == w.size()).findFirst();
            if (rmw.isPresent()) {
                usedReads.add(rmw.get());
                long old = rmw.get().value(), now = w.value();
                String verb = now == old + 1 ? "increments " : now == old - 1 ? "decrements " : "updates ";
                out.add(verb + target + " (" + hex(old) + " → " + hex(now) + ")");
                continue;
            }
            long mxcsr = r.before(MXCSR);
            Optional<Slot> slot = names.slot(w.address());
            boolean mxcsrSlot = slot.isPresent() && slot.get() == Slot.MXCSR;
            int reg = matchingRegister(w);
            if (w.size() == 4 && w.value() == mxcsr && (mxcsrSlot || reg < 0)) {
                out.add("stores MXCSR " + hex(mxcsr) + " (" + brief(new Mxcsr((int) mxcsr)) + ") into " + target + offset(w.address()));
            } else if (reg >= 0) {
                out.add("stores " + Recorder.name(reg) + " into " + target + offset(w.address()) + pointsAt(w.value()));
            } else {
                out.add("writes " + hex(w.value()) + " (" + w.size() + " bytes" + sameAs(w, "; ") + ") to " + target + offset(w.address()));
            }
        }
    }

    /** The general register whose old value was written; one named like the slot wins a tie. */
    private int matchingRegister(Recorder.Access w) {
        long mask = w.size() >= 8 ? -1L : (1L << (8 * w.size())) - 1;
        Optional<Slot> slot = names.slot(w.address());
        int found = -1;
        for (int i = 0; i < GPRS; i++) {
            if ((r.before(i) & mask) != w.value()) continue;
            if (slot.isPresent() && slot.get().label().equals(Recorder.name(i))) return i;
            if (found < 0) found = i;
        }
        // A small constant that happens to equal some register is more likely an immediate.
        if (found >= 0 && slot.isEmpty() && Long.compareUnsigned(w.value(), 0x10000) < 0) return -1;
        return found;
    }

    /**
     * " (the value in rbx)" when exactly one register holds the small value written: it may be
     * the source or an immediate that happens to be equal, and the words say no more than that.
     */
    private String sameAs(Recorder.Access w, String lead) {
        long mask = w.size() >= 8 ? -1L : (1L << (8 * w.size())) - 1;
        int found = -1;
        for (int i = 0; i < GPRS; i++) {
            if ((r.before(i) & mask) != w.value()) continue;
            if (found >= 0) return "";
            found = i;
        }
        if (found < 0) return "";
        return lead.equals("; ") ? "; the value in " + Recorder.name(found) : " (the value in " + Recorder.name(found) + ")";
    }

    private String offset(long address) {
        long off = names.contextOffset(address);
        return off < 0 ? "" : String.format(" (offset 0x%02x)", off);
    }

    /** For a stored stack pointer: what it points at (the resume address, for a saved rsp). */
    private String pointsAt(long value) {
        Optional<Region> stack = names.stack(value);
        if (stack.isEmpty()) return "";
        long at = memoryAfter.read(value, 8);
        String what = names.code(at);
        return "; it points into " + stack.get().name() + (what != null ? ", at " + hex(at) + " = " + what : "");
    }

    private void registers() {
        for (int i = 0; i < GPRS; i++) {
            long before = r.before(i), after = r.after(i);
            if (before == after || explainedRegs.contains(i)) continue;
            String reg = Recorder.name(i);
            Optional<Recorder.Access> load = r.reads.stream()
                    .filter(a -> !usedReads.contains(a) && a.size() == 8 && a.value() == after).findFirst();
            if (load.isPresent()) {
                Recorder.Access a = load.get();
                usedReads.add(a);
                boolean pop = a.address() == rspBefore() && rspAfter() == rspBefore() + 8 && i != RSP;
                if (pop) explainedRegs.add(RSP);
                out.add((pop ? "pops " : "loads ") + dataName(a.address()) + " into " + reg + pointsAt(after));
                continue;
            }
            if (i == RSP) {
                long d = after - before;
                out.add(d < 0 ? "rsp moves down by " + (-d) + " (reserves " + (-d) + " bytes of stack)"
                        : "rsp moves up by " + d + " (releases " + d + " bytes of stack)");
                continue;
            }
            if (after == 0) {
                out.add("clears " + reg + " (sets it to 0)");
                continue;
            }
            if (names.isExactCode(after) || names.region(after).filter(x -> x.kind() == Region.Kind.CONTEXT && x.base() == after).isPresent()) {
                out.add(reg + " now points to " + names.valueNote(after) + " (" + hex(after) + ")");
                continue;
            }
            int copied = -1;
            for (int j = 0; j < GPRS; j++) if (j != i && r.before(j) == after) { copied = j; break; }
            if (copied >= 0) {
                out.add("copies " + Recorder.name(copied) + " into " + reg + " (" + hex(after) + ")");
                continue;
            }
            long d = after - before;
            if (d == 1) out.add("increments " + reg + " (" + hex(before) + " → " + hex(after) + ")");
            else if (d == -1) out.add("decrements " + reg + " (" + hex(before) + " → " + hex(after) + ")");
            else {
                String note = names.valueNote(after);
                if (note != null && note.startsWith("points into")) out.add(reg + " = " + hex(after) + ": " + note);
                else if (note != null) out.add(reg + " now points to " + note + " (" + hex(after) + ")");
                else out.add("sets " + reg + " to " + hex(after));
            }
        }
        long mb = r.before(MXCSR), ma = r.after(MXCSR);
        if (mb != ma) {
            Optional<Recorder.Access> load = r.reads.stream()
                    .filter(a -> !usedReads.contains(a) && a.size() == 4 && a.value() == ma).findFirst();
            Mxcsr b = new Mxcsr((int) mb), a = new Mxcsr((int) ma);
            String change = hex(mb) + " → " + hex(ma) + " (" + brief(b) + " → " + brief(a) + ")";
            if (load.isPresent()) {
                usedReads.add(load.get());
                out.add("loads " + dataName(load.get().address()) + " into MXCSR: " + change);
            } else {
                out.add("MXCSR changes: " + change);
            }
        }
    }

    private void stackSwitch() {
        Optional<Region> before = names.stack(rspBefore()), after = names.stack(rspAfter());
        if (before.equals(after)) return;
        if (after.isPresent()) out.add("rsp now points into " + after.get().name() + ": the stack has been switched");
        else out.add("rsp now points outside every known stack (" + hex(rspAfter()) + ")");
    }

    private void jumps() {
        long rip = r.after(RIP);
        if (controlExplained || r.faulted || rip == sequential()) return;
        out.add("jumps to " + codeName(rip) + where(rip));
    }

    private void leftovers() {
        List<Trace.FlagChange> flags = Flags.changes(r.before(RFLAGS), r.after(RFLAGS));
        String flagText = String.join(", ", flags.stream().map(f -> f.name() + " " + f.before() + "→" + f.after()).toList());
        List<String> reads = new ArrayList<>();
        for (Recorder.Access a : r.reads) {
            if (usedReads.contains(a)) continue;
            // A load of the value a register already holds changes nothing visible; the slot's
            // name says which register it was meant for.
            Optional<Slot> slot = names.slot(a.address());
            if (slot.isPresent() && slot.get() == Slot.MXCSR && a.size() == 4 && a.value() == r.after(MXCSR)) {
                out.add("loads " + dataName(a.address()) + " into MXCSR (unchanged: " + hex(a.value()) + ", "
                        + brief(new Mxcsr((int) a.value())) + ")");
                continue;
            }
            if (slot.isPresent() && a.size() == 8) {
                int reg = java.util.Arrays.asList(Recorder.REGS).indexOf(Reg.valueOf(slot.get().name()));
                if (reg >= 0 && r.before(reg) == a.value() && r.after(reg) == a.value()) {
                    out.add("loads " + dataName(a.address()) + " into " + Recorder.name(reg) + " (unchanged: it already held "
                            + hex(a.value()) + ")");
                    continue;
                }
            }
            reads.add(dataName(a.address()) + " (" + hex(a.value()) + ")");
        }
        if (!reads.isEmpty()) {
            out.add("reads " + String.join(", ", reads) + (flags.isEmpty() ? "" : " and sets flags: " + flagText));
        } else if (out.isEmpty() && !flags.isEmpty()) {
            out.add("changes only the flags: " + flagText);
        } else if (out.isEmpty() && !r.faulted) {
            out.add("no register or memory changes; execution continues with the next instruction");
        }
    }

    private String stackName(long address) {
        return names.stack(address).map(Region::name).orElse("the stack");
    }

    private String where(long address) {
        if (assembly == null) return "";
        Assembly.Line l = assembly.lineAt(address);
        return l == null ? "" : " (" + Namer.shortWhere(l.where()) + ")";
    }

    /** "round up, all exceptions masked": what a learner needs to tell two MXCSRs apart. */
    static String brief(Mxcsr m) {
        String rounding = m.roundingText();
        String extra = (m.ftz() ? ", FTZ" : "") + (m.daz() ? ", DAZ" : "");
        int masked = m.masked().size();
        String masks = masked == 6 ? "" : masked == 0 ? ", exceptions unmasked" : ", some exceptions unmasked";
        String flags = m.flags().isEmpty() ? "" : ", flags: " + String.join(" ", m.flags());
        return rounding + extra + masks + flags;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
