package ctxlab.trace;

import ctxlab.abi.Convention;
import ctxlab.abi.Convention.Holds;
import ctxlab.abi.Convention.ResumePc;
import ctxlab.abi.Convention.Role;
import ctxlab.abi.Convention.StorageKind;
import ctxlab.emu.Reg;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Any {@link Convention} as a {@link TraceLayout}: its slots by name and offset, its storage (a
 * struct at an argument, or a frame the routine builds below its entry rsp), which register points
 * at what, where rsp and rip come from on arrival. Slots are named with their offset
 * ("save frame+0x40 rip", "restore struct+0x48 ret"), since these layouts are less familiar than
 * Cem's; Cem's own trace keeps {@link CemLayout} and its names unchanged.
 */
public final class ConventionLayout implements TraceLayout {
    private final Convention conv;
    private final List<Slot> slots;

    /** Where the fresh strand's entry function starts (the trace checks its rsp there), or -1. */
    private final long freshEntry;
    /** The thread block %fs points at when the routine keeps the stack guard (a tls-guard slot in use), or -1. */
    private final long tls;

    /** What the maker did wrong while making the fresh strand (a write outside it), or null. */
    private final String makerProblem;

    public ConventionLayout(Convention conv) {
        this(conv, -1, -1, null);
    }

    public ConventionLayout(Convention conv, long freshEntry, long tls, String makerProblem) {
        this.conv = conv;
        this.makerProblem = makerProblem;
        this.freshEntry = freshEntry;
        this.tls = tls;
        List<Slot> s = new ArrayList<>();
        for (Convention.Slot c : conv.slots()) {
            String reg = switch (c.holds()) {
                case REGISTER, MXCSR, FPCW -> reg(c.register());
                case RSP -> "rsp";
                default -> null;
            };
            s.add(new Slot(c.name(), c.offset(), c.width(), reg));
        }
        this.slots = List.copyOf(s);
    }

    String makerProblem() {
        return makerProblem;
    }

    long freshEntry() {
        return freshEntry;
    }

    /** The address of the stack guard (%fs:0x28) when the routine switches it, or -1. */
    long guardAddress() {
        return tls < 0 ? -1 : tls + Convention.TLS_GUARD_OFFSET;
    }

    /** The slot that keeps the stack guard, when the routine switches it. */
    Optional<Slot> guardSlot() {
        if (tls < 0) return Optional.empty();
        return conv.slotHolding(Holds.TLS_GUARD).flatMap(c -> slots.stream().filter(s -> s.name().equals(c.name())).findFirst());
    }

    public Convention convention() {
        return conv;
    }

    /** "rbx", "mxcsr", "fpcw": the trace's register names ({@link Recorder#name}). */
    static String reg(Reg r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    @Override public String name() { return conv.name(); }

    @Override public int size() { return conv.storage().size(); }

    @Override public List<Slot> slots() { return slots; }

    /** The convention's preserved registers, and rsp (always carried). */
    @Override public List<String> preserved() {
        List<String> p = new ArrayList<>(conv.preserved().stream().map(ConventionLayout::reg).toList());
        p.add("rsp");
        return p;
    }

    @Override public Resume resume() {
        return conv.resume().pc() == ResumePc.STACK ? Resume.AT_SAVED_RSP : Resume.IN_SLOT;
    }

    @Override public Optional<Slot> resumeSlot() {
        return conv.slotHolding(Holds.RESUME).flatMap(c -> slots.stream().filter(s -> s.name().equals(c.name())).findFirst());
    }

    public boolean frame() {
        return conv.storage().kind() == StorageKind.FRAME;
    }

    /** "frame" or "struct": how the storage is called in names and sentences. */
    public String word() {
        return frame() ? "frame" : "struct";
    }

    /** Where the switch keeps the suspended side, given the registers at entry. */
    long saveBase(long[] entry) {
        if (frame()) return entry[Recorder.RSP] + conv.storage().at();
        return entry[Recorder.index(reg(conv.argument(Role.SAVE).orElseThrow()))];
    }

    /** The storage of the side it resumes, given the registers at entry. */
    long restoreBase(long[] entry) {
        return entry[Recorder.index(reg(conv.argument(Role.RESTORE).orElseThrow()))];
    }

    /** "rdi" for a role, or null. */
    String argument(Role role) {
        return conv.argument(role).map(ConventionLayout::reg).orElse(null);
    }

    /**
     * "save frame+0x10 r12": the owner (an alias or a region's name), the storage word when the
     * owner is an alias, the offset and the slot; bytes no slot covers are "(unused)".
     */
    String slotName(String owner, boolean alias, long offset) {
        String who = alias ? owner + " " + word() : owner;
        Optional<Slot> s = slotAt(offset);
        if (s.isEmpty()) return String.format("%s+0x%x (unused)", who, offset);
        long within = offset - s.get().offset();
        return String.format("%s+0x%x %s", who, s.get().offset(), s.get().name()) + (within == 0 ? "" : "+" + within);
    }

    /** One line for headers: "save frame at entry rsp-0x40, 72 bytes: +0x00 mxcsr, …, +0x40 rip". */
    public String describe() {
        String where = frame() ? String.format("a %d-byte frame built at entry rsp-0x%x (its address is the context's handle)",
                size(), -conv.storage().at())
                : String.format("a %d-byte struct at %s (save) and %s (restore)", size(), argument(Role.SAVE), argument(Role.RESTORE));
        List<String> s = new ArrayList<>();
        for (Slot x : slots) s.add(String.format("+0x%02x %s", x.offset(), x.name()));
        return where + ": " + String.join(", ", s);
    }
}
