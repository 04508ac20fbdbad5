package ctxlab.abi;

import ctxlab.emu.Reg;
import java.util.ArrayList;
import java.util.HashMap;
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
 * <p>Registers are values of the architecture's own enum ({@link Arch#registers()}: {@link Reg} on
 * x86-64, {@link ctxlab.emu.Arm64Reg} on arm64), held as {@code Enum<?>}: {@link #arguments(Class)}
 * and the other typed views give them back as the enum a verifier works with (and refuse a
 * convention of another architecture). The x86-64 code reads {@link #arguments()}, {@link #arrival()}
 * and {@link #preserved()}, which are those views for {@link Reg}.
 *
 * @param name      short id ({@code boost-fcontext}); what {@code --convention} and JSON output use
 * @param arch      the architecture its routine runs on (a file without {@code arch} is x86-64)
 * @param runtime   whose convention it is, for people
 * @param summary   one line: the call and how it resumes
 * @param symbols   routine names that identify the convention (auto-detection by symbol)
 * @param roles     what each argument register carries
 * @param storage   where a suspended context lives
 * @param slots     the storage's named slots, by offset
 * @param resume    how the routine continues the restored context
 * @param arrivals  register values every arrival sees besides the restored ones
 * @param keeps     what a round trip A -> B -> A gives back to A (besides the stack pointer and pc)
 * @param fresh     how a fresh context is made and what its entry function sees (null: none)
 * @param source    where the convention came from (a resource name or a path), for messages
 */
public record Convention(String name, Arch arch, String runtime, String summary, List<String> symbols,
                         Map<Enum<?>, Role> roles, Storage storage, List<Slot> slots, Resume resume,
                         Map<Enum<?>, Value> arrivals, List<Enum<?>> keeps, Fresh fresh, String source) {

    public Convention {
        symbols = List.copyOf(symbols);
        roles = Map.copyOf(roles);
        slots = List.copyOf(slots);
        arrivals = Map.copyOf(arrivals);
        keeps = List.copyOf(keeps);
    }

    // ------------------------------------------------------------------ typed views

    /** What each argument register carries, as {@code type}'s registers (the architecture's enum). */
    public <R extends Enum<R>> Map<R, Role> arguments(Class<R> type) {
        return cast(roles, type);
    }

    /** The register values every arrival sees. */
    public <R extends Enum<R>> Map<R, Value> arrival(Class<R> type) {
        return cast(arrivals, type);
    }

    /** What a round trip gives back. */
    @SuppressWarnings("unchecked")
    public <R extends Enum<R>> List<R> preserved(Class<R> type) {
        requireArch(type);
        return (List<R>) (List<?>) keeps;
    }

    /** x86-64: {@link #arguments(Class)} for {@link Reg}. */
    public Map<Reg, Role> arguments() {
        return arguments(Reg.class);
    }

    /** x86-64: {@link #arrival(Class)} for {@link Reg}. */
    public Map<Reg, Value> arrival() {
        return arrival(Reg.class);
    }

    /** x86-64: {@link #preserved(Class)} for {@link Reg}. */
    public List<Reg> preserved() {
        return preserved(Reg.class);
    }

    @SuppressWarnings("unchecked")
    private <R extends Enum<R>, V> Map<R, V> cast(Map<Enum<?>, V> m, Class<R> type) {
        requireArch(type);
        return (Map<R, V>) (Map<?, ?>) m;
    }

    /** A verifier for one architecture never meets a convention of another: the CLI refuses it first. */
    private void requireArch(Class<?> type) {
        if (arch.registers() != type) {
            throw new IllegalStateException("convention " + name + " is for " + arch.id() + ", not for " + type.getSimpleName());
        }
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
        REGISTER,
        /** the stack pointer (rsp; sp on arm64) */
        RSP, RESUME, MXCSR, FPCW,
        /**
         * arm64: FPCR (rounding, FZ, DN, AHP). Checked when the routine reads or writes FPCR; a
         * routine that never does is reported as the warning {@code fpcr-not-switched} instead
         * (the Cem AArch64 decision, asm/README-arm64.md)
         */
        FPCR,
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
     * @param reg      the register it holds ({@link Holds#REGISTER}, also MXCSR/FPCW/FPCR for those), a value
     *                 of the architecture's enum
     * @param rspAdjust {@link Holds#RSP}: saved value = entry rsp + rspAdjust
     * @param savedReturnAddress {@link Holds#RESUME}: the save side stores the caller's return
     *                           address {@code [entry rsp]} (false: any address that resumes it,
     *                           checked only through the round trip)
     */
    public record Slot(String name, int offset, int width, Holds holds, Enum<?> reg, int rspAdjust,
                       boolean savedReturnAddress) {
        public long mask() {
            return width == 8 ? -1L : (1L << (8 * width)) - 1;
        }

        public boolean holdsRegisterValue() {
            return reg != null;
        }

        /** x86-64: the register as a {@link Reg} (null: none). */
        public Reg register() {
            return register(Reg.class);
        }

        /** The register as {@code type}'s value (null: none). */
        public <R extends Enum<R>> R register(Class<R> type) {
            return reg == null ? null : type.cast(reg);
        }
    }

    /** Where the resume address comes from. */
    public enum ResumePc {
        /** popped from the restored stack ({@code ret}) */
        STACK,
        /** arm64: the restored link register x30 ({@code ret}), which a register slot holds */
        LR,
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
    public record Maker(String symbol, Map<Enum<?>, String> args, Enum<?> ret) {
        /** x86-64 view of {@link #args}. */
        public Map<Reg, String> arguments() {
            return arguments(Reg.class);
        }

        @SuppressWarnings("unchecked")
        public <R extends Enum<R>> Map<R, String> arguments(Class<R> type) {
            return (Map<R, String>) (Map<?, ?>) args;
        }

        /** x86-64 view of {@link #ret}. */
        public Reg returns() {
            return returns(Reg.class);
        }

        public <R extends Enum<R>> R returns(Class<R> type) {
            return ret == null ? null : type.cast(ret);
        }
    }

    /**
     * @param rspMod16     rsp mod 16 the entry function must see (8: as after a call)
     * @param controlWords the entry sees the maker's MXCSR / x87 control word (those the convention carries)
     * @param arguments    registers the entry function must see
     */
    public record Entry(int rspMod16, boolean controlWords, Map<Enum<?>, Value> args) {
        /** x86-64 view of {@link #args}. */
        public Map<Reg, Value> arguments() {
            return arguments(Reg.class);
        }

        @SuppressWarnings("unchecked")
        public <R extends Enum<R>> Map<R, Value> arguments(Class<R> type) {
            return (Map<R, Value>) (Map<?, ?>) args;
        }
    }

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

    /** x86-64: the argument register carrying {@code role}. */
    public Optional<Reg> argument(Role role) {
        return argument(role, Reg.class);
    }

    /** The argument register carrying {@code role}, as {@code type}'s value. */
    public <R extends Enum<R>> Optional<R> argument(Role role, Class<R> type) {
        return arguments(type).entrySet().stream().filter(e -> e.getValue() == role).map(Map.Entry::getKey).findFirst();
    }

    /** Whether some argument register carries {@code role} (any architecture). */
    public boolean hasArgument(Role role) {
        return roles.containsValue(role);
    }

    public boolean carries(Enum<?> register) {
        return slots.stream().anyMatch(s -> s.reg == register);
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
            if (!c.hasArgument(Role.SAVE) || !c.hasArgument(Role.RESTORE)) {
                errors.add("struct storage needs a 'save' and a 'restore' argument");
            }
        } else {
            if (!c.hasArgument(Role.RESTORE)) errors.add("frame storage needs a 'restore' argument (the target's frame)");
            if (st.at > 0 || st.at < -4096 || st.at % 8 != 0) errors.add("storage.at must be a multiple of 8 in -4096..0, got " + st.at);
        }
        Set<String> names = new HashSet<>();
        Map<Enum<?>, String> held = new HashMap<>();
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
            if (s.reg != null && held.put(s.reg, s.name) != null) {
                errors.add("two slots hold " + Arch.name(s.reg));
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
        for (Enum<?> r : c.keeps) {
            if (r == c.arch.sp() || r == c.arch.pc()) errors.add("'preserved' lists " + Arch.name(r)
                    + ": the stack pointer and the pc are always checked");
        }
        if (c.resume.pc == ResumePc.LR && (c.arch != Arch.ARM64 || !c.carries(ctxlab.emu.Arm64Reg.X30))) {
            errors.add("resume.pc 'lr' needs an arm64 convention with a slot that holds x30");
        }
        if (c.resume.pc == ResumePc.STACK && c.arch != Arch.X86_64) {
            errors.add("resume.pc 'stack' (a ret that pops) is x86-64 only; on arm64 use 'lr' or 'slot'");
        }
        if (c.resume.pushes && c.arch != Arch.X86_64) errors.add("resume.pushes is x86-64 only");
        if (c.fresh != null) {
            if (c.fresh.layout == null && c.fresh.maker == null) errors.add("fresh needs a 'layout' or a 'maker'");
            if (c.fresh.layout != null) {
                for (String slot : c.fresh.layout.slots.keySet()) {
                    if (c.slot(slot).isEmpty()) errors.add("fresh.layout.slots names no slot: '" + slot + "'");
                }
                if (c.fresh.layout.stack.size() > 16) errors.add("fresh.layout.stack: at most 16 words");
            }
            if (c.fresh.maker != null) {
                for (String a : c.fresh.maker.args.values()) {
                    if (!Set.of("top", "stack", "size", "entry", "context").contains(a)) {
                        errors.add("fresh.maker.arguments: unknown value '" + a + "' (top, stack, size, entry, context)");
                    }
                }
                if (c.fresh.maker.ret == null && !c.fresh.maker.args.containsValue("context")) {
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
