package ctxlab.trace;

import static ctxlab.trace.Recorder.GPRS;
import static ctxlab.trace.Recorder.MXCSR;
import static ctxlab.trace.Recorder.RFLAGS;
import static ctxlab.trace.Recorder.RIP;
import static ctxlab.trace.Recorder.RSP;

import ctxlab.asm.Assembly;
import ctxlab.trace.Operands.Imm;
import ctxlab.trace.Operands.Memory;
import ctxlab.trace.Operands.Operand;
import ctxlab.trace.TraceLayout.Slot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Plain words for what one instruction did: which registers changed and to what, which memory it
 * read and wrote, where rsp and rip went. The instruction's decoded operands ({@link Operands})
 * say what was stored (an immediate, which register) and which memory operand was meant; the
 * observed effect says the rest (a {@code ret} because rip became the value popped from the old
 * rsp). Without operands (no source line) a store is recognised by value, as a fallback.
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
    private final Operands ops;

    private Explainer(Recorder.Raw r, Namer names, Assembly assembly, Shadow memoryAfter) {
        this.r = r;
        Assembly.Line line = assembly == null ? null : assembly.lineAt(r.address);
        this.ops = line == null ? null : Operands.parse(line.text()).orElse(null);
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
        e.fpcw();
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
        return dataName(address, false);
    }

    private String dataName(long address, boolean write) {
        String n = names.data(address, rspBefore(), write);
        return n != null ? n : hex(address);
    }

    private String codeName(long address) {
        String n = names.code(address);
        return n != null ? n : hex(address);
    }

    private void entry(String routine) {
        var b = names.bindings();
        if (names.layout() instanceof ConventionLayout cl) {
            out.add(conventionEntry(routine, cl, b));
            return;
        }
        out.add(String.format("%s begins: save = rdi = %s (%s), restore = rsi = %s (%s)", routine,
                b.getOrDefault("save", "?"), hex(r.before(Recorder.RDI)), b.getOrDefault("restore", "?"),
                hex(r.before(Recorder.RSI))));
    }

    /**
     * "jump_fcontext begins: save = main frame (built at entry rsp-0x40 = 0x7ffefd98), restore =
     * rdi = strand frame (0x7fe03fb8), data = rsi = 0xda7a…": each argument by its role.
     */
    private String conventionEntry(String routine, ConventionLayout cl, java.util.Map<String, String> b) {
        var c = cl.convention();
        List<String> parts = new ArrayList<>();
        long saveBase = names.boundBase("save");
        if (cl.frame()) {
            parts.add(String.format("save = %s (built at entry rsp-0x%x = %s)", b.getOrDefault("save", "?"),
                    -c.storage().at(), hex(saveBase)));
        } else {
            String reg = cl.argument(ctxlab.abi.Convention.Role.SAVE);
            parts.add(String.format("save = %s = %s (%s)", reg, b.getOrDefault("save", "?"), hex(r.before(Recorder.index(reg)))));
        }
        String rest = cl.argument(ctxlab.abi.Convention.Role.RESTORE);
        parts.add(String.format("restore = %s = %s (%s)", rest, b.getOrDefault("restore", "?"), hex(r.before(Recorder.index(rest)))));
        for (var e : c.arguments().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey()).toList()) {
            if (e.getValue() == ctxlab.abi.Convention.Role.SAVE || e.getValue() == ctxlab.abi.Convention.Role.RESTORE) continue;
            String reg = ConventionLayout.reg(e.getKey());
            parts.add(e.getValue().id() + " = " + reg + " = " + hex(r.before(Recorder.index(reg))));
        }
        return routine + " begins (" + c.name() + "): " + String.join(", ", parts);
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
            target = dataName(w.address(), true);
            if (storeFromOperands(w, target)) continue;
            long mxcsr = r.before(MXCSR);
            Optional<Slot> slot = names.slot(w.address());
            boolean mxcsrSlot = slot.isPresent() && "mxcsr".equals(slot.get().register());
            int reg = matchingRegister(w);
            if (w.size() == 4 && w.value() == mxcsr && (mxcsrSlot || reg < 0)) {
                out.add("stores MXCSR " + hex(mxcsr) + " (" + brief(new Mxcsr((int) mxcsr)) + ") into " + target + offset(w.address()));
            } else if (reg >= 0) {
                out.add("stores " + Recorder.name(reg) + " into " + target + offset(w.address()) + pointsAt(Recorder.name(reg), w.value()));
            } else {
                out.add("writes " + hex(w.value()) + " (" + w.size() + " bytes" + sameAs(w, "; ") + ") to " + target + offset(w.address()));
            }
        }
    }

    /** A store explained from its operands: what the source operand is, where the destination lands. */
    private boolean storeFromOperands(Recorder.Access w, String target) {
        if (ops == null || !(ops.destination().orElse(null) instanceof Memory dst)) return false;
        String m = ops.mnemonic();
        String where = target + offset(w.address()) + outside(dst, w.address());
        if (m.startsWith("stmxcsr") || m.startsWith("vstmxcsr")) {
            long mx = r.before(MXCSR);
            out.add("stores MXCSR " + hex(mx) + " (" + brief(new Mxcsr((int) mx)) + ") into " + where);
            return true;
        }
        if (m.startsWith("fnstcw") || m.startsWith("fstcw")) {
            out.add("stores the x87 control word " + hex(w.value()) + " (" + new Fpcw((int) w.value()).brief() + ") into " + where);
            return true;
        }
        if (!m.startsWith("mov") || ops.operands().size() != 2) return false;
        Operand src = ops.source().orElseThrow();
        if (src instanceof Imm imm) {
            out.add("stores the immediate " + (imm.symbol() != null ? imm.symbol() + " = " : "") + hex(w.value())
                    + " (" + w.size() + " bytes) into " + where);
            return true;
        }
        if (src instanceof Operands.Register reg && !reg.name().startsWith("xmm")) {
            String full = Registers.full(reg.name());
            int index = Recorder.index(full);
            String value = index >= 0 && index < GPRS ? pointsAt(full, r.before(index)) : "";
            out.add("stores " + reg.name() + " into " + where + value);
            return true;
        }
        return false;
    }

    /**
     * ", at 0x40(%rdi) = save+0x40: past the end of the save context" when a memory operand based
     * on a context pointer lands outside that context.
     */
    private String outside(Memory m, long address) {
        if (m.base() == null) return "";
        int b = Recorder.index(Registers.full(m.base()));
        if (b < 0 || b >= GPRS) return "";
        long base = r.before(b);
        Optional<String> alias = names.aliasAt(base);
        if (alias.isEmpty()) return "";
        long off = address - base;
        if (off >= 0 && off < names.layout().size()) return "";
        return ", at " + Operands.text(m) + " = " + alias.get() + (off < 0 ? "-0x" + Long.toHexString(-off) : "+0x" + Long.toHexString(off))
                + ": outside the " + names.layout().size() + "-byte " + alias.get()
                + (names.layout() instanceof ConventionLayout cl ? " " + cl.word() : " context");
    }

    /** The general register whose old value was written; one named like the slot wins a tie. */
    private int matchingRegister(Recorder.Access w) {
        long mask = w.size() >= 8 ? -1L : (1L << (8 * w.size())) - 1;
        Optional<Slot> slot = names.slot(w.address());
        int found = -1;
        for (int i = 0; i < GPRS; i++) {
            if ((r.before(i) & mask) != w.value()) continue;
            if (slot.isPresent() && Recorder.name(i).equals(slot.get().register())) return i;
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
        if (names.layout() instanceof ConventionLayout) return "";   // the slot's name carries its offset
        long off = names.contextOffset(address);
        return off < 0 ? "" : String.format(" (offset 0x%02x)", off);
    }

    /**
     * For a stack pointer stored or loaded: "; rsp = 0x7fe03ff0 (strand stack), [rsp] = 0x500100 =
     * strand entry". The register's value and the value it points at are kept apart.
     */
    private String pointsAt(String reg, long value) {
        Optional<Region> stack = names.stack(value);
        if (stack.isEmpty()) return "";
        long at = memoryAfter.read(value, 8);
        String what = names.code(at);
        return "; " + reg + " = " + hex(value) + " points into " + stack.get().name()
                + (what != null ? ", and [" + reg + "] = " + hex(at) + " = " + what : "");
    }

    private void registers() {
        // a conversion explains itself even when the result equals the old value
        if (ops != null && ops.mnemonic().contains("2si") && ops.destination().orElse(null) instanceof Operands.Register d) {
            int i = Recorder.index(Registers.full(d.name()));
            if (i >= 0 && i < GPRS && r.before(i) == r.after(i) && fromOperands(i, r.before(i), r.after(i))) explainedRegs.add(i);
        }
        for (int i = 0; i < GPRS; i++) {
            long before = r.before(i), after = r.after(i);
            if (before == after || explainedRegs.contains(i)) continue;
            String reg = Recorder.name(i);
            if (fromOperands(i, before, after)) continue;
            Optional<Recorder.Access> load = r.reads.stream()
                    .filter(a -> !usedReads.contains(a) && a.size() == 8 && a.value() == after).findFirst();
            if (load.isPresent()) {
                Recorder.Access a = load.get();
                usedReads.add(a);
                boolean pop = a.address() == rspBefore() && rspAfter() == rspBefore() + 8 && i != RSP;
                if (pop) explainedRegs.add(RSP);
                out.add((pop ? "pops " : "loads ") + dataName(a.address()) + " into " + reg + pointsAt(reg, after));
                continue;
            }
            if (i == RSP && !names.stack(before).equals(names.stack(after))) {
                // a register copied into rsp (Boost's movq %rdi, %rsp): onto another stack, not a push or pop
                int copied = -1;
                for (int j = 0; j < GPRS; j++) if (j != i && r.before(j) == after) { copied = j; break; }
                out.add((copied >= 0 ? "copies " + Recorder.name(copied) + " into rsp" : "sets rsp") + pointsAt("rsp", after));
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
            boolean arithmetic = ops == null || ops.mnemonic().matches("(inc|dec|add|sub|lea|adc|sbb).*");
            if (!arithmetic) out.add(ops.mnemonic() + " sets " + reg + " to " + hex(after));
            else if (d == 1) out.add("increments " + reg + " (" + hex(before) + " → " + hex(after) + ")");
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

    /** Register results the operands explain better than values: conversions and immediates. */
    private boolean fromOperands(int i, long before, long after) {
        if (ops == null || !(ops.destination().orElse(null) instanceof Operands.Register dst)) return false;
        if (!Registers.full(dst.name()).equals(Recorder.name(i))) return false;
        String m = ops.mnemonic(), reg = dst.name();
        Operand src = ops.source().orElse(null);
        if (m.matches("cvtt?s[sd]2si[lq]?|vcvtt?s[sd]2si[lq]?")) {
            boolean dbl = m.contains("sd2");
            boolean truncate = m.contains("cvtt");
            String input;
            if (src instanceof Memory mem) {
                Optional<Recorder.Access> read = r.reads.stream().filter(a -> !usedReads.contains(a)).findFirst();
                if (read.isEmpty()) return false;
                usedReads.add(read.get());
                long bits = read.get().value();
                double v = dbl ? Double.longBitsToDouble(bits) : Float.intBitsToFloat((int) bits);
                input = "the " + (dbl ? "double " : "float ") + v + " read from " + dataName(read.get().address())
                        + " (" + Operands.text(mem) + ")";
            } else {
                input = "the " + (dbl ? "double" : "float") + " in " + Operands.text(src);
            }
            Mxcsr mx = new Mxcsr((int) r.before(MXCSR));
            String rounding = truncate ? "truncating toward zero (cvtt ignores MXCSR)"
                    : "rounding by MXCSR: " + mx.roundingText();
            out.add(m + " converts " + input + " to an integer, " + rounding + ": " + reg + " = " + after
                    + " (" + hex(after) + ")");
            return true;
        }
        if (src instanceof Imm imm && m.startsWith("mov")) {
            out.add("sets " + reg + " to the immediate " + (imm.symbol() != null ? imm.symbol() + " = " : "") + hex(after));
            return true;
        }
        return false;
    }

    private void fpcw() {
        long fb = r.before(Recorder.FPCW) & 0xffff, fa = r.after(Recorder.FPCW) & 0xffff;
        if (fb == fa) return;
        String change = hex(fb) + " → " + hex(fa) + " (" + new Fpcw((int) fb).brief() + " → " + new Fpcw((int) fa).brief() + ")";
        Optional<Recorder.Access> load = r.reads.stream()
                .filter(a -> !usedReads.contains(a) && a.size() == 2 && (a.value() & 0xffff) == fa).findFirst();
        if (load.isPresent()) {
            usedReads.add(load.get());
            out.add("loads " + dataName(load.get().address()) + " into the x87 control word: " + change);
        } else {
            out.add("the x87 control word changes: " + change);
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
            if (slot.isPresent() && "mxcsr".equals(slot.get().register()) && a.size() == 4 && a.value() == r.after(MXCSR)) {
                out.add("loads " + dataName(a.address()) + " into MXCSR (unchanged: " + hex(a.value()) + ", "
                        + brief(new Mxcsr((int) a.value())) + ")");
                continue;
            }
            if (slot.isPresent() && a.size() == 8) {
                int reg = slot.get().register() == null ? -1 : Recorder.index(slot.get().register());
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
        // the same words as Mxcsr.describe (and the page), short when all are masked (the normal case)
        String masks = m.masked().size() == 6 ? "" : ", " + Mxcsr.maskText(m.masked());
        String flags = m.flags().isEmpty() ? "" : ", flags: " + String.join(" ", m.flags());
        return rounding + extra + masks + flags;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
