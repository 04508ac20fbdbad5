package ctxlab.trace;

import static ctxlab.trace.Arm64Tracer.CODE;
import static ctxlab.trace.Arm64Tracer.DATA;
import static ctxlab.trace.Arm64Tracer.MAIN_RESUMES;
import static ctxlab.trace.Arm64Tracer.MAIN_SP;
import static ctxlab.trace.Arm64Tracer.MAIN_STACK;
import static ctxlab.trace.Arm64Tracer.NAMES;
import static ctxlab.trace.Arm64Tracer.PADS;
import static ctxlab.trace.Arm64Tracer.SHOWN;
import static ctxlab.trace.Arm64Tracer.STRAND_ENTRY;
import static ctxlab.trace.Arm64Tracer.STRAND_STACK;
import static ctxlab.trace.Arm64Tracer.STRAND_STACK_SIZE;
import static ctxlab.trace.Arm64Tracer.hex;
import static ctxlab.trace.Arm64Tracer.memorable;
import static ctxlab.trace.Arm64Tracer.strandValue;

import ctxlab.abi.Arch;
import ctxlab.abi.Convention;
import ctxlab.abi.Convention.Holds;
import ctxlab.abi.Convention.Role;
import ctxlab.abi.Convention.Slot;
import ctxlab.abi.Convention.StorageKind;
import ctxlab.abi.Convention.Value;
import ctxlab.abi.FreshLayout;
import ctxlab.asm.Assembly;
import ctxlab.emu.Arm64Machine;
import ctxlab.emu.Arm64Reg;
import ctxlab.emu.EmulationException;
import ctxlab.emu.UcConst;
import ctxlab.verify.ConventionVerifier;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An AArch64 switch traced under any arm64 {@link Convention}, set up as the x86-64
 * {@link ConventionSetup} sets up its pair: main calls the routine with its storage per the
 * convention (a struct at an argument, or a frame the routine builds below main's sp) and a fresh
 * strand made by the convention's maker routine run in the emulator (Boost's {@code make_fcontext})
 * or by its declarative layout ({@link FreshLayout}, shared with the verifiers); the strand's entry
 * is a small stub that calls the routine back to main. The trace ends when main's call returns.
 * Both switches are judged over what the convention declares (its register slots, sp, the arrival
 * values x0 = from, x1 = data, its preserved registers), with a stray store or a misaligned sp
 * inside the routine reported as a ✗ of the switch it happened in.
 *
 * <p>Values say whose they are, as in Cem's arm64 trace ({@link Arm64Tracer}): main's x19 =
 * 0x1919…, d8 = 8.5; a strand register slot the maker or layout leaves 0 gets 0xa019… (x19) or
 * -8.5 (d8).
 */
public final class Arm64ConventionTracer {
    public static final long DATA_TO_STRAND = ConventionSetup.DATA_TO_STRAND, DATA_TO_MAIN = ConventionSetup.DATA_TO_MAIN;
    static final long ARG0 = ConventionSetup.ARG0, ARG1 = ConventionSetup.ARG1;
    /** Main's and the strand's structs (struct conventions; the trace's region). */
    static final long MAIN_CTX = DATA + 0x100, STRAND_CTX = DATA + 0x400;
    /** Where a fresh strand's entry function would return (the layout's exit), and the maker's own stack. */
    static final long STRAND_EXIT = PADS + 0x300, MAKER_SP = DATA + 0x2c000 - 0x40;
    static final long MAIN_FPCR = 0x40_0000L;
    private static final int MAKER_BUDGET = 100_000;

    /** A frame or struct as it lies in memory: main's, the fresh strand's, the one the strand's switch back builds. */
    public record Frame(String name, long address, int size, String where) {}

    /** One check of an arrival: ✓ or ✗ and what it compared. */
    public record Check(boolean ok, String text) {}

    /** One switch: 1 main -> strand, 2 strand -> main. */
    public record Switch(int number, String from, String to, boolean arrived, List<Check> checks) {
        public boolean right() {
            return arrived && checks.stream().allMatch(Check::ok);
        }
    }

    /**
     * @param trace   the instructions, as Cem's arm64 trace has them ({@code contexts}: the frames' bytes before step 1)
     * @param madeBy  "make_fcontext" or "the convention's layout"
     */
    public record Result(Convention convention, String madeBy, Arm64Tracer.Result trace, List<Frame> frames,
                         List<Switch> switches) {
        /** Both switches arrived, every check ✓, and main's call returned. */
        public boolean right() {
            return trace.arrived() && switches.size() == 2 && switches.stream().allMatch(Switch::right);
        }
    }

    private Arm64ConventionTracer() {}

    /**
     * @param maker the maker routine (--maker), or null: the convention's own maker when the
     *              assembly defines it, else its layout
     * @throws IllegalArgumentException (exit 2) when the convention is not arm64 or cannot make a fresh strand here
     */
    public static Result trace(Convention conv, Assembly assembly, String file, String symbol,
                               ConventionVerifier.MakerCode maker, long maxSteps) {
        if (conv.arch() != Arch.ARM64) {
            throw new IllegalArgumentException(file + " is an arm64 routine, but convention " + conv.name() + " is "
                    + conv.arch().id());
        }
        maker = ConventionSetup.maker(conv, assembly, symbol, maker, file);
        if (conv.hasArgument(Role.SAVE_HANDLE_AT)) {
            throw new IllegalArgumentException("convention " + conv.name() + ": save-handle-at is not traced on arm64");
        }
        boolean frame = conv.storage().kind() == StorageKind.FRAME;
        int size = conv.storage().size();
        long entry = assembly.address(symbol);
        long codeEnd = assembly.base() + assembly.size();

        try (Arm64Machine m = Arm64Machine.create()) {
            load(m, assembly);
            if (maker != null && maker.assembly() != assembly) load(m, maker.assembly());
            m.map(PADS, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.map(DATA, 0x3_0000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);

            // ---- the hooks (installed before the maker's run: Unicorn takes them before the first run)
            Run run = new Run(assembly, entry, codeEnd, m);
            m.onMemoryWrite(run::onWrite);
            m.onInstruction(run::onInstruction);

            // ---- B: a fresh strand
            long top = (STRAND_STACK + STRAND_STACK_SIZE) & ~15L;
            long handle;
            String madeBy;
            if (maker != null) {
                // the maker gets a top 8 mod 16 (a stack's end as malloc may hand it over, and as the
                // verifier's random stacks end), so that a maker that does not round it down shows it
                handle = runMaker(conv, maker, m, run, top - 8);
                madeBy = maker.symbol();
            } else {
                var in = new FreshLayout.Inputs(top, STRAND_ENTRY, STRAND_EXIT, ARG0, ARG1);
                long anchor = FreshLayout.anchor(conv, in);
                if (anchor < STRAND_STACK + 256 || anchor > top) {
                    throw new IllegalArgumentException(String.format("convention %s: the fresh layout puts %s at 0x%x, outside the"
                            + " strand's stack (top 0x%x)", conv.name(), frame ? "the frame" : "sp", anchor, top));
                }
                handle = FreshLayout.place(conv, m::write, in, STRAND_CTX).handle();
                madeBy = "the convention's layout";
            }
            presets(conv, m, handle);

            // ---- A: main calls the routine
            long[] init = new long[SHOWN.length];
            for (int i = 19; i <= 29; i++) init[i] = memorable(i);
            for (int i = 0; i < 8; i++) init[32 + i] = Double.doubleToRawLongBits(8 + i + 0.5);
            init[30] = MAIN_RESUMES;
            init[31] = MAIN_SP;
            init[40] = MAIN_FPCR;
            for (var e : conv.arguments(Arm64Reg.class).entrySet()) {
                init[index(e.getKey())] = switch (e.getValue()) {
                    case SAVE -> MAIN_CTX;
                    case RESTORE -> handle;
                    case DATA -> DATA_TO_STRAND;
                    case SAVE_HANDLE_AT -> 0;
                };
            }
            m.set(SHOWN, init);
            m.write(STRAND_ENTRY, stub(conv, entry, symbol, run.stubTexts));
            Map<String, Long> initial = new LinkedHashMap<>();
            for (int i = 0; i < SHOWN.length; i++) initial.put(NAMES[i], init[i]);

            long mainHandle = frame ? MAIN_SP + conv.storage().at() : MAIN_CTX;
            run.storage(conv, frame, size, mainHandle, handle);
            byte[] mainStack = m.read(MAIN_STACK, 0x1000), strandStack = m.read(STRAND_STACK, (int) STRAND_STACK_SIZE);
            byte[] restoreBefore = m.read(handle, size);
            run.restoring = restoreBefore;

            String end;
            boolean arrived;
            run.recording = true;
            try {
                m.run(entry, MAIN_RESUMES, maxSteps);
                arrived = true;
                end = "main's call returned to " + hex(MAIN_RESUMES) + " with sp = " + hex(m.get(Arm64Reg.SP));
            } catch (EmulationException e) {
                arrived = false;
                String where = e.pc() != 0 && assembly.lineAt(e.pc()) != null ? " (" + assembly.describe(e.pc()) + ")"
                        : !run.stubText(e.pc()).isEmpty() ? " (strand entry stub: " + run.stubText(e.pc()) + ")" : "";
                end = e.kind() == EmulationException.Kind.BUDGET_EXHAUSTED
                        ? "runaway: still running after " + maxSteps + " steps (--max-steps)" + where
                        : e.getMessage() + where;
            }
            run.finish();
            long[] last = m.get(SHOWN);

            // ---- the verdict
            List<Switch> switches = new ArrayList<>();
            // A routine that never switches FPCR leaves its slot alone: not judged, as verify has it.
            boolean fpcr = ctxlab.verify.Arm64Verifier.switchesFpcr(assembly, symbol);
            long strandHandle = run.strandEntry != null ? (frame ? run.strandEntry[31] + conv.storage().at() : STRAND_CTX) : -1;
            if (run.arrival1 == null) {
                List<Check> c = new ArrayList<>(run.problems(1));
                c.add(new Check(false, arrived ? "it never reached the strand's entry " + hex(STRAND_ENTRY) + ": main's call returned"
                        + " to its own lr instead" : "it never reached the strand's entry " + hex(STRAND_ENTRY)));
                switches.add(new Switch(1, "main", "strand", false, c));
            } else {
                List<Check> c = new ArrayList<>();
                c.add(check(true, "pc = " + hex(STRAND_ENTRY) + ", the fresh strand's entry" + resumeSlot(conv, frame)));
                arrival(c, conv, run.arrival1, init, restoreBefore, run.saved1, handle, size, frame, mainHandle, DATA_TO_STRAND, true,
                        fpcr);
                c.addAll(run.problems(1));
                switches.add(new Switch(1, "main", "strand", true, c));
                if (run.strandEntry == null) {
                    switches.add(new Switch(2, "strand", "main", false, List.of(new Check(false,
                            "the strand never called " + symbol + " back (" + end + ")"))));
                } else {
                    List<Check> c2 = new ArrayList<>();
                    if (arrived) {
                        byte[] mainSaved = run.saved1;
                        c2.add(check(true, "pc = " + hex(MAIN_RESUMES) + ", where main's call returns" + resumeSlot(conv, frame)));
                        arrival(c2, conv, last, run.strandEntry, mainSaved, run.saved2, mainHandle, size, frame, strandHandle,
                                DATA_TO_MAIN, false, fpcr);
                        // the round trip: main gets its own registers back
                        for (Arm64Reg r : conv.preserved(Arm64Reg.class)) {
                            int k = index(r);
                            if (k < 0) continue;
                            c2.add(check(last[k] == init[k], NAMES[k] + " = " + hex(last[k]) + (last[k] == init[k]
                                    ? ", main's own" : ", but main had " + hex(init[k]) + " (preserved by " + conv.name() + ")")));
                        }
                        c2.add(check(last[31] == MAIN_SP, "sp = " + hex(last[31]) + (last[31] == MAIN_SP ? ", main's own"
                                : ", but main called with sp = " + hex(MAIN_SP))));
                    } else {
                        c2.add(new Check(false, "it did not arrive in main: " + end));
                    }
                    c2.addAll(run.problems(2));
                    switches.add(new Switch(2, "strand", "main", arrived, c2));
                }
            }

            List<Frame> frames = new ArrayList<>();
            String word = frame ? "frame" : "struct";
            frames.add(new Frame("main's " + word, mainHandle, size, frame ? "main's stack, built by switch 1 at entry sp"
                    + signed(conv.storage().at()) : "main's struct, the save argument"));
            frames.add(new Frame("the fresh strand's " + word, handle, size, (frame ? "the strand's stack" : "the strand's struct")
                    + ", made by " + madeBy));
            if (frame && strandHandle >= 0) {
                frames.add(new Frame("the strand's " + word, strandHandle, size, "the strand's stack, built by switch 2 at entry sp"
                        + signed(conv.storage().at())));
            }
            Map<String, byte[]> contexts = new LinkedHashMap<>();
            for (Frame f : frames) contexts.put(f.name(), bytesAt(f.address(), f.size(), mainStack, strandStack, m));
            Arm64Tracer.Result t = new Arm64Tracer.Result(file, symbol, run.steps, arrived, end, initial, contexts);
            return new Result(conv, madeBy, t, frames, switches);
        }
    }

    /** " (restore frame+0xa0 pc)": where the convention keeps the resume address. */
    private static String resumeSlot(Convention conv, boolean frame) {
        return conv.slotHolding(Holds.RESUME).map(s -> String.format(" (restore %s+0x%x %s)", frame ? "frame" : "struct", s.offset(), s.name()))
                .orElse(" (the restored lr)");
    }

    private static byte[] bytesAt(long a, int size, byte[] mainStack, byte[] strandStack, Arm64Machine m) {
        if (a >= MAIN_STACK && a + size <= MAIN_STACK + mainStack.length) {
            return Arrays.copyOfRange(mainStack, (int) (a - MAIN_STACK), (int) (a - MAIN_STACK) + size);
        }
        if (a >= STRAND_STACK && a + size <= STRAND_STACK + strandStack.length) {
            return Arrays.copyOfRange(strandStack, (int) (a - STRAND_STACK), (int) (a - STRAND_STACK) + size);
        }
        return new byte[size];
    }

    /**
     * One arrival over the convention: every register slot of the storage it resumed from, sp, the
     * arrival values (the fresh entry's arguments on the first), and what the switching side saved.
     * Cem's own trace ({@link Arm64Tracer}) judges its one switch here too.
     *
     * @param fpcr whether the FPCR slot is judged (not for a routine that never switches FPCR, as verify has it)
     */
    static void arrival(List<Check> c, Convention conv, long[] after, long[] entryRegs, byte[] restoreBytes, byte[] saved,
                        long restoreHandle, int size, boolean frame, long fromHandle, long data, boolean fresh, boolean fpcr) {
        String w = frame ? "frame" : "struct";
        long expectSp = frame ? restoreHandle + size : conv.slotHolding(Holds.RSP)
                .map(s -> word(restoreBytes, s.offset()) + conv.resume().rspPlus()).orElse(after[31]);
        c.add(check(after[31] == expectSp, "sp = " + hex(after[31]) + (after[31] == expectSp ? "" : ", but the convention resumes with "
                + hex(expectSp)) + (frame ? " (the end of the restored frame)" : " (restore " + w + "'s sp)")));
        if (fresh && conv.fresh() != null && conv.fresh().entry() != null) {
            int mod = conv.fresh().entry().rspMod16();
            c.add(check((after[31] & 15) == mod, "sp ≡ " + (after[31] & 15) + " (mod 16) at the fresh entry"
                    + ((after[31] & 15) == mod ? "" : ", but AAPCS64 and the convention require " + mod)));
        }
        for (Slot s : conv.slots()) {
            if (s.holds() != Holds.REGISTER && (s.holds() != Holds.FPCR || !fpcr)) continue;
            int k = index(s.holds() == Holds.FPCR ? Arm64Reg.FPCR : s.register(Arm64Reg.class));
            if (k < 0) continue;
            long want = word(restoreBytes, s.offset());
            c.add(check(after[k] == want, NAMES[k] + " = " + hex(after[k]) + (after[k] == want ? " from " : ", but ")
                    + "restore " + w + String.format("+0x%x ", s.offset()) + s.name() + (after[k] == want ? "" : " = " + hex(want))));
        }
        Map<Arm64Reg, Value> values = fresh && conv.fresh() != null && conv.fresh().entry() != null
                && !conv.fresh().entry().arguments(Arm64Reg.class).isEmpty()
                ? conv.fresh().entry().arguments(Arm64Reg.class) : conv.arrival(Arm64Reg.class);
        for (var e : values.entrySet()) {
            int k = index(e.getKey());
            long want = value(e.getValue(), fromHandle, data);
            String what = switch (e.getValue()) {
                case Value.From f -> "from (the suspended side's " + w + ")";
                case Value.Data d -> "data";
                case Value.Arg a -> "the layout's argument " + a.index();
                case Value.Constant k2 -> "the constant " + hex(k2.value());
            };
            c.add(check(after[k] == want, NAMES[k] + " = " + hex(after[k]) + (after[k] == want ? " = " : ", but the convention hands over ")
                    + what + (after[k] == want ? "" : " = " + hex(want))));
        }
        // what the switching side saved
        if (saved == null) return;
        for (Slot s : conv.slots()) {
            long want;
            String what;
            if (s.holds() == Holds.FPCR && !fpcr) {
                continue;
            } else if (s.holds() == Holds.REGISTER || s.holds() == Holds.FPCR) {
                int k = index(s.holds() == Holds.FPCR ? Arm64Reg.FPCR : s.register(Arm64Reg.class));
                if (k < 0) continue;
                want = entryRegs[k];
                what = NAMES[k];
            } else if (s.holds() == Holds.RSP) {
                want = entryRegs[31] + s.rspAdjust();
                what = "sp";
            } else if (s.holds() == Holds.RESUME && s.savedReturnAddress()) {
                want = entryRegs[30];
                what = "lr";
            } else {
                continue;
            }
            long got = word(saved, s.offset());
            c.add(check(got == want, String.format("save %s+0x%x %s = %s", w, s.offset(), s.name(), hex(got))
                    + (got == want ? " (" + what + " at entry)" : ", but " + what + " was " + hex(want) + " at entry")));
        }
    }

    /** A store of the routine outside the save storage: a ✗ of its switch (AAPCS64 has no red zone). */
    static Check strayStore(int size, long address, String name, String word, long save, int saveSize, String where) {
        return new Check(false, String.format("memory: %d bytes stored at %s (%s), outside the save %s %s-%s: %s",
                size, hex(address), name, word, hex(save), hex(save + saveSize), where));
    }

    /** sp not 16-aligned before an instruction of the routine; {@code prev}: the step before, which set it (or null). */
    static Check misaligned(long sp, String where, Arm64Tracer.Step prev) {
        return new Check(false, "alignment: sp = " + hex(sp) + " (" + (sp & 15) + " mod 16) before " + where
                + (prev != null ? "; set by step " + prev.number() + " " + prev.line() : "")
                + " (AAPCS64: sp ≡ 0 mod 16 at every instruction)");
    }

    private static long value(Value v, long from, long data) {
        return switch (v) {
            case Value.From f -> from;
            case Value.Data d -> data;
            case Value.Arg a -> a.index() == 0 ? ARG0 : ARG1;
            case Value.Constant k -> k.value();
        };
    }

    private static Check check(boolean ok, String text) {
        return new Check(ok, text);
    }

    static long word(byte[] b, int off) {
        if (b == null || off + 8 > b.length) return 0;
        return ByteBuffer.wrap(b, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The index of {@code r} in {@link Arm64Tracer#SHOWN}, or -1. */
    static int index(Arm64Reg r) {
        for (int i = 0; i < SHOWN.length; i++) if (SHOWN[i] == r) return i;
        return -1;
    }

    private static void load(Arm64Machine m, Assembly a) {
        long start = a.base() & -0x1000L, end = (a.base() + Math.max(1, a.size()) + 0xFFF) & -0x1000L;
        m.map(start, end - start, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
        m.write(a.base(), a.code());
    }

    /** Runs the maker (in the trace's machine, before the recording starts); the fresh handle. */
    private static long runMaker(Convention conv, ConventionVerifier.MakerCode maker, Arm64Machine m, Run run, long top) {
        var mk = conv.fresh().maker();
        long[] args = new long[8];
        int n = 0;
        for (int i = 0; i < 8; i++) {
            String what = mk.arguments(Arm64Reg.class).get(Arm64Reg.x(i));
            if (what == null) continue;
            n = i + 1;
            args[i] = ConventionSetup.makerArgument(what, top, STRAND_STACK, STRAND_ENTRY, STRAND_CTX);
        }
        try {
            m.call(maker.assembly().address(maker.symbol()), MAKER_SP, MAKER_BUDGET, Arrays.copyOf(args, n));
        } catch (EmulationException e) {
            throw new IllegalArgumentException("the maker " + maker.symbol() + " did not return: " + e.getMessage());
        }
        boolean frame = conv.storage().kind() == StorageKind.FRAME;
        long handle = mk.ret() != null ? m.get(mk.returns(Arm64Reg.class)) : STRAND_CTX;
        int size = conv.storage().size();
        if (frame ? handle < STRAND_STACK || handle + size > top : handle != STRAND_CTX) {
            throw new IllegalArgumentException(String.format("the maker %s returned 0x%x, which is not on the fresh stack",
                    maker.symbol(), handle));
        }
        if (run.makerProblem != null) throw new IllegalArgumentException(run.makerProblem);
        return handle;
    }

    /** Register slots the maker or layout left 0 get the strand's values (x19 0xa019…, d8 -8.5), as in Cem's trace. */
    private static void presets(Convention conv, Arm64Machine m, long handle) {
        for (Slot s : conv.slots()) {
            if (s.holds() != Holds.REGISTER || s.width() != 8) continue;
            Arm64Reg r = s.register(Arm64Reg.class);
            String n = Arch.name(r);
            long v;
            if (n.matches("x(19|2[0-8])")) v = strandValue(Integer.parseInt(n.substring(1)));
            else if (n.matches("d(8|9|1[0-5])")) v = Double.doubleToRawLongBits(-(Integer.parseInt(n.substring(1)) + 0.5));
            else continue;
            if (m.readLong(handle + s.offset()) == 0) m.writeLong(handle + s.offset(), v);
        }
    }

    /**
     * The strand's entry function: the arguments of the switch back to main (restore = main's
     * frame, which the arrival's {@code from} register holds, or main's struct; save = the strand's
     * struct; data), then {@code movz/movk x16, routine; blr x16}. sp stays as it arrived.
     */
    static byte[] stub(Convention conv, long routine, String symbol, List<String> texts) {
        ByteBuffer o = ByteBuffer.allocate(0x100).order(ByteOrder.LITTLE_ENDIAN);
        boolean frame = conv.storage().kind() == StorageKind.FRAME;
        Arm64Reg restore = conv.argument(Role.RESTORE, Arm64Reg.class).orElseThrow();
        if (frame) {
            Arm64Reg from = ConventionSetup.fromRegister(conv.arrival(Arm64Reg.class), restore);
            if (from == null) {
                throw new IllegalArgumentException("convention " + conv.name() + ": the strand cannot find main's frame"
                        + " (no arrival value 'from')");
            }
            if (from != restore) {
                o.putInt(0xAA0003E0 | xn(from) << 16 | xn(restore));   // mov restore, from
                texts.add("mov " + Arch.name(restore) + ", " + Arch.name(from) + "   // restore = main's frame, handed over in "
                        + Arch.name(from));
            }
        }
        for (var e : conv.arguments(Arm64Reg.class).entrySet()) {
            switch (e.getValue()) {
                case SAVE -> movImm(o, xn(e.getKey()), STRAND_CTX, texts, "save = the strand's struct");
                case RESTORE -> { if (!frame) movImm(o, xn(e.getKey()), MAIN_CTX, texts, "restore = main's struct"); }
                case DATA -> movImm(o, xn(e.getKey()), DATA_TO_MAIN, texts, "data for the switch back");
                case SAVE_HANDLE_AT -> { }
            }
        }
        movImm(o, 16, routine, texts, symbol);
        o.putInt(0xD63F0000 | 16 << 5);   // blr x16
        texts.add("blr x16   // the strand switches back to main with " + symbol);
        o.putInt(0xD4200020);             // brk #1: the routine returned into the strand
        texts.add("brk #1   // " + symbol + " returned into the strand: a switch never returns");
        return Arrays.copyOf(o.array(), o.position());
    }

    private static int xn(Arm64Reg r) {
        String n = Arch.name(r);
        if (r == Arm64Reg.X29) return 29;
        if (r == Arm64Reg.X30) return 30;
        if (!n.startsWith("x")) throw new IllegalArgumentException("not a general register: " + n);
        return Integer.parseInt(n.substring(1));
    }

    /** movz xd, #v[15:0]; movk xd, #v[31:16], lsl 16; … */
    private static void movImm(ByteBuffer o, int d, long v, List<String> texts, String what) {
        o.putInt(0xD2800000 | (int) (v & 0xFFFF) << 5 | d);
        texts.add(String.format("movz x%d, #0x%x   // x%d = %s (0x%x)", d, v & 0xFFFF, d, what, v));
        for (int hw = 1; hw < 4; hw++) {
            int part = (int) (v >>> (16 * hw)) & 0xFFFF;
            if (part != 0) {
                o.putInt(0xF2800000 | hw << 21 | part << 5 | d);
                texts.add(String.format("movk x%d, #0x%x, lsl #%d", d, part, 16 * hw));
            }
        }
    }

    static String signed(long d) {
        return d >= 0 ? "+" + hex(d) : "-" + hex(-d);
    }

    /** What the hooks see: the steps, the two arrivals, stray stores and a misaligned sp. */
    private static final class Run {
        final Assembly assembly;
        final long entry, codeEnd;
        final Arm64Machine m;
        final List<Arm64Tracer.Step> steps = new ArrayList<>();
        /** The strand entry stub's instructions, one text per word. */
        final List<String> stubTexts = new ArrayList<>();
        final List<Arm64Tracer.Write> pending = new ArrayList<>();
        boolean recording;
        String makerProblem;
        long[] before;
        long pc = -1;
        /** Registers at the strand's entry (switch 1's arrival), and at the routine's entry for switch 2. */
        long[] arrival1, strandEntry;
        byte[] saved1, saved2;
        int current = 1;
        final List<Check> problems1 = new ArrayList<>(), problems2 = new ArrayList<>();
        boolean misaligned1, misaligned2;
        // storage
        Convention conv;
        boolean frame;
        int size;
        long mainHandle, freshHandle;
        /** The storage the current switch resumes from, as it was when the switch began (for naming loads). */
        byte[] restoring;

        Run(Assembly assembly, long entry, long codeEnd, Arm64Machine m) {
            this.assembly = assembly;
            this.entry = entry;
            this.codeEnd = codeEnd;
            this.m = m;
        }

        void storage(Convention conv, boolean frame, int size, long mainHandle, long freshHandle) {
            this.conv = conv;
            this.frame = frame;
            this.size = size;
            this.mainHandle = mainHandle;
            this.freshHandle = freshHandle;
        }

        List<Check> problems(int n) {
            return n == 1 ? problems1 : problems2;
        }

        /** Where switch {@code current} keeps the side it suspends. */
        long saveHandle() {
            if (current == 1) return mainHandle;
            if (strandEntry == null) return -1;
            return frame ? strandEntry[31] + conv.storage().at() : STRAND_CTX;
        }

        void onWrite(long pc, long address, int size, long value) {
            if (!recording) {
                // the maker may write the fresh stack, the strand's struct and its own frame
                boolean ok = address >= STRAND_STACK && address + size <= STRAND_STACK + STRAND_STACK_SIZE
                        || address >= STRAND_CTX && address + size <= STRAND_CTX + 0x400
                        || address >= MAKER_SP - 0x1000 && address + size <= MAKER_SP;
                if (!ok && makerProblem == null) {
                    makerProblem = String.format("the maker wrote %d bytes at 0x%x, outside the fresh stack and context", size, address);
                }
                return;
            }
            pending.add(new Arm64Tracer.Write(address, size, value, name(address, size)));
            long save = saveHandle();
            boolean inRoutine = pc >= assembly.base() && pc < codeEnd;
            if (inRoutine && (address < save || address + size > save + this.size)) {
                List<Check> p = problems(current);
                if (p.stream().noneMatch(c -> c.text().startsWith("memory"))) {
                    p.add(strayStore(size, address, name(address, size), frame ? "frame" : "struct", save, this.size, describe(pc)));
                }
            }
        }

        void onInstruction(long pc, int size) {
            if (!recording) return;
            long[] now = m.get(SHOWN);
            if (this.pc >= 0) steps.add(step(this.pc, before, now));
            pending.clear();
            before = now;
            this.pc = pc;
            if (pc == STRAND_ENTRY && arrival1 == null) {
                arrival1 = now;
                saved1 = m.read(mainHandle, this.size);
                restoring = saved1;   // what switch 2 will load from
            }
            if (pc == entry && arrival1 != null && strandEntry == null) {
                strandEntry = now;
                current = 2;
            }
            if (pc >= assembly.base() && pc < codeEnd && (now[31] & 15) != 0) {
                boolean first = current == 1 ? !misaligned1 : !misaligned2;
                if (first) {
                    if (current == 1) misaligned1 = true; else misaligned2 = true;
                    problems(current).add(misaligned(now[31], describe(pc), steps.isEmpty() ? null : steps.get(steps.size() - 1)));
                }
            }
        }

        void finish() {
            if (pc >= 0) steps.add(step(pc, before, m.get(SHOWN)));
            if (strandEntry != null && !frame) saved2 = m.read(STRAND_CTX, size);
            if (strandEntry != null && frame) saved2 = m.read(saveHandle(), size);
            pending.clear();
            pc = -1;
        }

        String describe(long pc) {
            return assembly.lineAt(pc) != null ? assembly.describe(pc) : hex(pc);
        }

        private Arm64Tracer.Step step(long pc, long[] before, long[] after) {
            List<Arm64Tracer.Change> changes = new ArrayList<>();
            for (int i = 0; i < SHOWN.length; i++) {
                if (before[i] != after[i]) changes.add(new Arm64Tracer.Change(NAMES[i], before[i], after[i]));
            }
            Assembly.Line l = assembly.lineAt(pc);
            String text = l == null ? stubText(pc) : l.text().strip();
            String line = l == null ? (pc >= STRAND_ENTRY && pc < STRAND_ENTRY + 0x100 ? "strand entry stub" : hex(pc))
                    : l.where().toString();
            return new Arm64Tracer.Step(steps.size() + 1, pc, line, text, changes, List.copyOf(pending), explain(text, changes));
        }

        String stubText(long pc) {
            if (pc < STRAND_ENTRY || pc >= STRAND_ENTRY + 4L * stubTexts.size()) return "";
            return stubTexts.get((int) ((pc - STRAND_ENTRY) / 4));
        }

        private String explain(String text, List<Arm64Tracer.Change> changes) {
            List<String> parts = new ArrayList<>();
            for (Arm64Tracer.Write w : pending) {
                if (w.name().startsWith("save ")) parts.add("stores into " + w.name());
                else parts.add("writes " + w.name());
            }
            for (Arm64Tracer.Change c : changes) {
                String from = text.startsWith("ld") ? loadedFrom(c) : null;
                if (from != null) parts.add("loads " + from + " into " + c.register());
                if (c.register().equals("sp")) {
                    String where = c.after() >= STRAND_STACK && c.after() <= STRAND_STACK + STRAND_STACK_SIZE ? "the strand's stack"
                            : c.after() >= MAIN_STACK && c.after() <= MAIN_STACK + 0x1000 ? "main's stack" : hex(c.after());
                    parts.add("sp now points into " + where);
                }
            }
            if (text.startsWith("ret") || text.startsWith("br ") || text.startsWith("br\t")) parts.add("jumps to the resumed side");
            return String.join("; ", parts);
        }

        /**
         * The restore slot a load took its value from: the slot of the loaded register when it holds
         * that value, else a slot that is not a register's (the resume pc) holding it; or null.
         */
        String loadedFrom(Arm64Tracer.Change c) {
            if (restoring == null || c.register().equals("sp")) return null;
            String w = frame ? "frame" : "struct";
            Slot other = null;
            for (Slot s : conv.slots()) {
                if (word(restoring, s.offset()) != c.after()) continue;
                boolean own = s.holdsRegisterValue() && Arch.name(s.reg()).equals(c.register());
                if (own) return String.format("restore %s+0x%x %s", w, s.offset(), s.name());
                if (!s.holdsRegisterValue() && s.holds() != Holds.OPAQUE && other == null) other = s;
            }
            return other == null ? null : String.format("restore %s+0x%x %s", w, other.offset(), other.name());
        }

        /** "save frame+0x98 lr", "restore frame+0x40 x19", "main's stack [sp-0x10]". */
        String name(long address, int size) {
            long save = saveHandle();
            long restore = current == 1 ? freshHandle : mainHandle;
            String w = frame ? "frame" : "struct";
            for (long[] s : new long[][] {{save, 0}, {restore, 1}}) {
                long off = address - s[0];
                if (s[0] >= 0 && off >= 0 && off < this.size) {
                    String owner = s[1] == 0 ? "save " : "restore ";
                    Optional<Slot> slot = conv.slotAt(off);
                    if (slot.isEmpty()) return String.format("%s%s+0x%x (unused)", owner, w, off);
                    long within = off - slot.get().offset();
                    return String.format("%s%s+0x%x %s", owner, w, slot.get().offset(), slot.get().name()) + (within == 0 ? "" : "+" + within);
                }
            }
            if (address >= MAIN_STACK && address < MAIN_STACK + 0x1000) return "main's stack [" + hex(address) + "]";
            if (address >= STRAND_STACK && address < STRAND_STACK + STRAND_STACK_SIZE) return "the strand's stack [" + hex(address) + "]";
            return hex(address);
        }
    }

    // ------------------------------------------------------------------ output

    /** The trace as text: the setup, the frames, every instruction, both arrivals' checks, the verdict. */
    public static String text(Result r) {
        StringBuilder sb = new StringBuilder();
        Convention c = r.convention();
        Arm64Tracer.Result t = r.trace();
        boolean frame = c.storage().kind() == StorageKind.FRAME;
        sb.append(String.format("trace of %s in %s (arm64) under %s: main -> a fresh strand (made by %s) -> main%n",
                t.symbol(), t.file(), c.name(), r.madeBy()));
        sb.append(String.format("convention %s (%s)%n", c.name(), c.runtime() != null ? c.runtime() : c.source()));
        List<String> slots = new ArrayList<>();
        for (Slot s : c.slots()) slots.add(String.format("+0x%02x %s", s.offset(), s.name()));
        sb.append(String.format("  storage: a %d-byte %s%s: %s%n", c.storage().size(), frame ? "frame" : "struct",
                frame ? " built at entry sp" + signed(c.storage().at()) + " (its address is the handle)" : "", String.join(", ", slots)));
        sb.append(String.format("  main: %s; strand entry %s%n", start(r), hex(STRAND_ENTRY)));
        for (Frame f : r.frames()) {
            sb.append(String.format("  %s %s-%s (%d bytes): %s%n", f.name(), hex(f.address()), hex(f.address() + f.size()), f.size(), f.where()));
        }
        sb.append('\n');
        for (Arm64Tracer.Step s : t.steps()) {
            sb.append(String.format("%3d  %s  %-32s %s%n", s.number(), hex(s.pc()), s.line(), s.text()));
            for (Arm64Tracer.Write w : s.writes()) sb.append(String.format("       write %-24s %s (%d bytes)%n", w.name(), hex(w.value()), w.size()));
            for (Arm64Tracer.Change ch : s.changes()) sb.append(String.format("       %-5s %s -> %s%n", ch.register(), hex(ch.before()), hex(ch.after())));
            if (!s.explanation().isEmpty()) sb.append("       = ").append(s.explanation()).append('\n');
        }
        sb.append('\n').append(t.arrived() ? "" : "FAULT: ").append(t.end()).append('\n');
        switchesText(sb, r.switches());
        sb.append(String.format("%nverdict: %s%n", r.right() ? "✓ both switches did what " + c.name() + " says"
                : "✗ the switch is wrong under " + c.name()));
        return sb.toString();
    }

    /** "x0 = restore (the fresh strand's frame 0x…), x1 = data 0x…, lr = 0x… (main resumes here), sp = 0x…". */
    static String start(Result r) {
        Convention c = r.convention();
        boolean frame = c.storage().kind() == StorageKind.FRAME;
        List<String> args = new ArrayList<>();
        for (var e : c.arguments(Arm64Reg.class).entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            args.add(Arch.name(e.getKey()) + " = " + switch (e.getValue()) {
                case SAVE -> "save (main's struct " + hex(MAIN_CTX) + ")";
                case RESTORE -> "restore (the fresh strand's " + (frame ? "frame " : "struct ") + hex(r.frames().get(1).address()) + ")";
                case DATA -> "data " + hex(DATA_TO_STRAND);
                case SAVE_HANDLE_AT -> "save handle at";
            });
        }
        return String.format("%s, lr = %s (main resumes here), sp = %s", String.join(", ", args), hex(MAIN_RESUMES), hex(MAIN_SP));
    }

    /** The trace as a JSON-ready map: Cem's arm64 trace's fields, plus the convention, the frames and both arrivals. */
    public static Map<String, Object> json(Result r) {
        Map<String, Object> j = new LinkedHashMap<>(Arm64Tracer.json(r.trace()));
        Convention c = r.convention();
        j.put("convention", c.name());
        if (!c.source().startsWith("conventions/")) j.put("conventionFile", c.source());
        j.put("madeBy", r.madeBy());
        j.put("storage", Map.of("kind", c.storage().kind() == StorageKind.FRAME ? "frame" : "struct", "size", c.storage().size(),
                "at", c.storage().at()));
        j.put("frames", r.frames().stream().map(f -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", f.name());
            m.put("address", hex(f.address()));
            m.put("size", f.size());
            m.put("where", f.where());
            return m;
        }).toList());
        j.put("switches", switchesJson(r.switches()));
        j.put("verdict", r.right());
        return j;
    }

    /** The switches as JSON: number, from, to, arrived, right, checks (ok, text); Cem's arm64 trace has the same. */
    static List<Map<String, Object>> switchesJson(List<Switch> switches) {
        return switches.stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("number", s.number());
            m.put("from", s.from());
            m.put("to", s.to());
            m.put("arrived", s.arrived());
            m.put("right", s.right());
            m.put("checks", s.checks().stream().map(ch -> Map.<String, Object>of("ok", ch.ok(), "text", ch.text())).toList());
            return m;
        }).toList();
    }

    /** The switches' checks as text, as both arm64 traces print them before their verdict line. */
    static void switchesText(StringBuilder sb, List<Switch> switches) {
        for (Switch s : switches) {
            sb.append(String.format("%nswitch %d (%s -> %s)%s:%n", s.number(), s.from(), s.to(), s.arrived() ? " arrived" : " did not arrive"));
            for (Check ch : s.checks()) sb.append("  ").append(ch.ok() ? "✓ " : "✗ ").append(ch.text()).append('\n');
        }
    }
}
