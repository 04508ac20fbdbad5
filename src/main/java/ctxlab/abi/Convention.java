package ctxlab.abi;

import ctxlab.emu.Reg;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A switch routine's contract, as data: what its arguments carry, where it keeps a suspended
 * context (a struct at an argument, or a frame below the caller's rsp), which slot holds what, how
 * it resumes, what holds on arrival, what it preserves and how a fresh context is made.
 *
 * <p>Built by {@link ConventionFile} from a JSON file (one per convention: the shipped ones are in
 * {@code src/main/resources/ctxlab/conventions/}, a user's own is any file given to
 * {@code --convention PATH}); everything here is already checked, so the verifier never meets a
 * slot outside the storage or an unknown register.
 *
 * @param name      short id ({@code boost-fcontext}); what {@code --convention} and JSON output use
 * @param runtime   whose convention it is, for people
 * @param summary   one line: the call and how it resumes
 * @param symbols   routine names that identify the convention (auto-detection by symbol)
 * @param arguments what each argument register carries
 * @param storage   where a suspended context lives
 * @param slots     the storage's named slots, by offset
 * @param resume    how the routine continues the restored context
 * @param arrival   register values every arrival sees besides the restored ones
 * @param preserved what a round trip A -> B -> A gives back to A (besides rsp and rip)
 * @param fresh     how a fresh context is made and what its entry function sees (null: none)
 * @param source    where the convention came from (a resource name or a path), for messages
 */
public record Convention(String name, String runtime, String summary, List<String> symbols,
                         Map<Reg, Role> arguments, Storage storage, List<Slot> slots, Resume resume,
                         Map<Reg, Value> arrival, List<Reg> preserved, Fresh fresh, String source) {

    public Convention {
        symbols = List.copyOf(symbols);
        arguments = Map.copyOf(arguments);
        slots = List.copyOf(slots);
        arrival = Map.copyOf(arrival);
        preserved = List.copyOf(preserved);
    }

    /** What an argument register carries. */
    public enum Role {
        /** pointer to the struct that receives the suspended context */
        SAVE,
        /** pointer to the struct (or frame) of the context to resume */
        RESTORE,
        /** pointer to a word that receives the suspended context's frame address */
        SAVE_HANDLE_AT,
        /** a word passed through to the resumed side (Boost's data) */
        DATA;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Where a suspended context is kept. */
    public enum StorageKind {
        /** a struct at the {@link Role#SAVE} / {@link Role#RESTORE} arguments */
        STRUCT,
        /** a frame the routine builds on the suspending stack, at entry rsp + {@code at} */
        FRAME
    }

    /**
     * @param kind struct or frame
     * @param size bytes of the struct, or of the frame (a frame's top may include the caller's
     *             return address, as Boost's rip slot does)
     * @param at   frame only: its address relative to the routine's entry rsp (negative: below)
     */
    public record Storage(StorageKind kind, int size, int at) {}

    /** What a slot holds. */
    public enum Holds {
        REGISTER, RSP, RESUME, MXCSR, FPCW,
        /**
         * the TLS stack guard ({@code %fs:0x28}, glibc's {@code stack_guard}): checked when the
         * routine uses {@code %fs} (Boost with {@code BOOST_CONTEXT_TLS_STACK_PROTECTOR}), unused otherwise
         */
        TLS_GUARD,
        OPAQUE
    }

    /** Where glibc keeps the stack guard in the thread control block. */
    public static final int TLS_GUARD_OFFSET = 0x28;

    /**
     * A named slot of the storage.
     *
     * @param register the register it holds ({@link Holds#REGISTER}, also MXCSR/FPCW for those)
     * @param rspAdjust {@link Holds#RSP}: saved value = entry rsp + rspAdjust
     * @param savedReturnAddress {@link Holds#RESUME}: the save side stores the caller's return
     *                           address {@code [entry rsp]} (false: any address that resumes it,
     *                           checked only through the round trip)
     */
    public record Slot(String name, int offset, int width, Holds holds, Reg register, int rspAdjust,
                       boolean savedReturnAddress) {
        public long mask() {
            return width == 8 ? -1L : (1L << (8 * width)) - 1;
        }

        public boolean holdsRegisterValue() {
            return register != null;
        }
    }

    /** Where the resume address comes from. */
    public enum ResumePc {
        /** popped from the restored stack ({@code ret}) */
        STACK,
        /** the storage's {@link Holds#RESUME} slot */
        SLOT
    }

    /** Where rsp on arrival comes from. */
    public enum ResumeRsp {
        /** the storage's {@link Holds#RSP} slot, plus {@code rspPlus} */
        SLOT,
        /** the end of the restored frame (frame address + size) */
        FRAME_END
    }

    /**
     * @param pushes the routine pushes the resume address onto the restored stack before a {@code ret}
     *               (libco): it may write the {@code rspPlus} bytes below the arrival rsp
     */
    public record Resume(ResumePc pc, ResumeRsp rsp, int rspPlus, boolean pushes) {}

    /** A value a register must hold on arrival or entry. */
    public sealed interface Value permits Value.From, Value.Data, Value.Arg, Value.Constant {
        /** the suspended side's handle: its frame address (or its save struct) */
        record From() implements Value {}
        /** the {@link Role#DATA} argument of the switch */
        record Data() implements Value {}
        /** a word the fresh-context layout placed in a slot ({@code arg0}, {@code arg1}) */
        record Arg(int index) implements Value {}
        record Constant(long value) implements Value {}
    }

    /** How a fresh context is made, and what its entry function must see. */
    public record Fresh(Layout layout, Maker maker, Entry entry) {}

    /**
     * A declarative fresh context (the runtime's makecontext is C that cannot be run here).
     * Expressions ({@link LayoutExpr}) may use {@code top} (the stack's end), {@code entry},
     * {@code exit}, {@code arg0}, {@code arg1}, {@code rsp} (the layout's own rsp, in slots) and
     * {@code frame} (frame storage: the frame address).
     *
     * @param rsp   the stack pointer the context is resumed with (struct storage) or the frame
     *              address (frame storage)
     * @param stack words written from {@code rsp} upwards
     * @param slots slot name -> value; unnamed slots are 0
     */
    public record Layout(LayoutExpr rsp, List<LayoutExpr> stack, Map<String, LayoutExpr> slots) {}

    /**
     * A maker routine run in the emulator.
     *
     * @param symbol    its default name (in the switch's own file, or given with {@code --maker})
     * @param arguments register -> one of {@code top, stack, size, entry, context}
     * @param returns   the register with the new context's handle (null: the handle is the
     *                  {@code context} argument)
     */
    public record Maker(String symbol, Map<Reg, String> arguments, Reg returns) {}

    /**
     * @param rspMod16     rsp mod 16 the entry function must see (8: as after a call)
     * @param controlWords the entry sees the maker's MXCSR / x87 control word (those the convention carries)
     * @param arguments    registers the entry function must see
     */
    public record Entry(int rspMod16, boolean controlWords, Map<Reg, Value> arguments) {}

    // ------------------------------------------------------------------ queries

    public Optional<Slot> slot(String name) {
        return slots.stream().filter(s -> s.name.equals(name)).findFirst();
    }

    public Optional<Slot> slotHolding(Holds holds) {
        return slots.stream().filter(s -> s.holds == holds).findFirst();
    }

    /** The slot covering {@code offset} of the storage, if any. */
    public Optional<Slot> slotAt(long offset) {
        return slots.stream().filter(s -> offset >= s.offset && offset < s.offset + s.width).findFirst();
    }

    public Optional<Reg> argument(Role role) {
        return arguments.entrySet().stream().filter(e -> e.getValue() == role).map(Map.Entry::getKey).findFirst();
    }

    public boolean carries(Reg register) {
        return slots.stream().anyMatch(s -> s.register == register);
    }

    /** Registers restored from slots (in slot order). */
    public List<Slot> registerSlots() {
        return slots.stream().filter(Slot::holdsRegisterValue).toList();
    }

    /** A checked convention; the constructor of last resort for {@link ConventionFile}. */
    static Convention checked(Convention c) {
        List<String> errors = new ArrayList<>();
        if (c.name == null || !c.name.matches("[a-z0-9][a-z0-9._-]*")) {
            errors.add("name must be lower-case letters, digits, '.', '_' or '-', got " + c.name);
        }
        Storage st = c.storage;
        if (st.size < 8 || st.size > 4096) errors.add("storage.size must be 8..4096, got " + st.size);
        if (st.kind == StorageKind.STRUCT) {
            if (c.argument(Role.SAVE).isEmpty() || c.argument(Role.RESTORE).isEmpty()) {
                errors.add("struct storage needs a 'save' and a 'restore' argument");
            }
        } else {
            if (c.argument(Role.RESTORE).isEmpty()) errors.add("frame storage needs a 'restore' argument (the target's frame)");
            if (st.at > 0 || st.at < -4096 || st.at % 8 != 0) errors.add("storage.at must be a multiple of 8 in -4096..0, got " + st.at);
        }
        Set<String> names = new HashSet<>();
        Map<Reg, String> held = new EnumMap<>(Reg.class);
        boolean[] used = new boolean[Math.max(st.size, 8)];
        for (Slot s : c.slots) {
            if (!names.add(s.name)) errors.add("slot '" + s.name + "' defined twice");
            if (s.offset < 0 || s.offset + s.width > st.size) {
                errors.add("slot '" + s.name + "' (offset " + s.offset + ", width " + s.width + ") lies outside the "
                        + st.size + "-byte storage");
                continue;
            }
            for (int i = s.offset; i < s.offset + s.width; i++) {
                if (used[i]) {
                    errors.add("slot '" + s.name + "' overlaps another slot at offset " + i);
                    break;
                }
                used[i] = true;
            }
            if (s.register != null && held.put(s.register, s.name) != null) {
                errors.add("two slots hold " + s.register.name().toLowerCase(Locale.ROOT));
            }
        }
        if (c.slots.stream().filter(s -> s.holds == Holds.TLS_GUARD).count() > 1) errors.add("at most one 'tls-guard' slot");
        long resumeSlots = c.slots.stream().filter(s -> s.holds == Holds.RESUME).count();
        long rspSlots = c.slots.stream().filter(s -> s.holds == Holds.RSP).count();
        if (resumeSlots > 1 || rspSlots > 1) errors.add("at most one 'resume' and one 'rsp' slot");
        if (c.resume.pc == ResumePc.SLOT && resumeSlots == 0) errors.add("resume.pc 'slot' needs a slot that holds 'resume'");
        if (c.resume.rsp == ResumeRsp.SLOT && rspSlots == 0) errors.add("resume.rsp 'slot' needs a slot that holds 'rsp'");
        if (c.resume.rsp == ResumeRsp.FRAME_END && st.kind != StorageKind.FRAME) errors.add("resume.rsp 'frame-end' needs frame storage");
        if (c.resume.rspPlus < 0 || c.resume.rspPlus > 64 || c.resume.rspPlus % 8 != 0) {
            errors.add("resume.rspPlus must be a multiple of 8 in 0..64, got " + c.resume.rspPlus);
        }
        if (c.resume.pushes && (c.resume.pc != ResumePc.SLOT || c.resume.rspPlus == 0)) {
            errors.add("resume.pushes needs resume.pc 'slot' and a positive rspPlus");
        }
        for (Reg r : c.preserved) {
            if (r == Reg.RSP || r == Reg.RIP) errors.add("'preserved' lists " + r.name().toLowerCase(Locale.ROOT)
                    + ": rsp and rip are always checked");
        }
        if (c.fresh != null) {
            if (c.fresh.layout == null && c.fresh.maker == null) errors.add("fresh needs a 'layout' or a 'maker'");
            if (c.fresh.layout != null) {
                for (String slot : c.fresh.layout.slots.keySet()) {
                    if (c.slot(slot).isEmpty()) errors.add("fresh.layout.slots names no slot: '" + slot + "'");
                }
                if (c.fresh.layout.stack.size() > 16) errors.add("fresh.layout.stack: at most 16 words");
            }
            if (c.fresh.maker != null) {
                for (String a : c.fresh.maker.arguments.values()) {
                    if (!Set.of("top", "stack", "size", "entry", "context").contains(a)) {
                        errors.add("fresh.maker.arguments: unknown value '" + a + "' (top, stack, size, entry, context)");
                    }
                }
                if (c.fresh.maker.returns == null && !c.fresh.maker.arguments.containsValue("context")) {
                    errors.add("fresh.maker needs 'returns' or a 'context' argument");
                }
            }
            if (c.fresh.entry.rspMod16 < 0 || c.fresh.entry.rspMod16 > 15) errors.add("fresh.entry.rspMod16 must be 0..15");
        }
        if (!errors.isEmpty()) throw new ConventionException(c.source, String.join("; ", errors));
        return c;
    }

    /** Slots in offset order with their names, for messages: "0x00 r12, 0x08 r13". */
    public String describeSlots() {
        Map<Integer, String> m = new LinkedHashMap<>();
        slots.stream().sorted(java.util.Comparator.comparingInt(Slot::offset))
                .forEach(s -> m.put(s.offset, String.format("0x%02x %s", s.offset, s.name)));
        return String.join(", ", m.values());
    }
}
