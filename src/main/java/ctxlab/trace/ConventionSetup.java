package ctxlab.trace;

import static ctxlab.trace.TraceSetup.CONTEXTS;
import static ctxlab.trace.TraceSetup.HOST_CODE;
import static ctxlab.trace.TraceSetup.MAIN_RESUME;
import static ctxlab.trace.TraceSetup.MAIN_RSP;
import static ctxlab.trace.TraceSetup.MAIN_STACK;
import static ctxlab.trace.TraceSetup.MAIN_STACK_SIZE;
import static ctxlab.trace.TraceSetup.STRAND_ENTRY;
import static ctxlab.trace.TraceSetup.STRAND_STACK;
import static ctxlab.trace.TraceSetup.STRAND_STACK_SIZE;

import ctxlab.abi.Convention;
import ctxlab.abi.Convention.Role;
import ctxlab.abi.Convention.Slot;
import ctxlab.asm.Assembly;
import ctxlab.emu.EmulationException;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import ctxlab.verify.ConventionVerifier;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trace of a switch under any {@link Convention}, set up as the verifier sets up its pair (A
 * switches to B, then B back to A): main (A) calls the routine with its storage per the convention
 * (a struct at an argument, or a frame the routine builds below main's rsp) and a fresh strand (B)
 * made by the convention's maker routine run in the emulator (Boost's {@code make_fcontext}) or
 * by its declarative layout; the strand's entry is a small stub that calls the routine back to
 * main. The trace ends when main's call returns. Both switches are judged.
 *
 * <p>Main's registers hold digits (rbx 0x1111… to r15 0x6666…, the argument registers 0x7777…
 * to 0x1010…), MXCSR 0x5F80 (round up) and, when the convention carries it, x87 CW 0x0F7F (round
 * toward zero); a strand register slot the maker or layout leaves 0 is filled with letters (rbx
 * 0xaaaa… to r15 0xffff…), so that every value on the page says whose it is.
 */
public final class ConventionSetup {
    /** The word passed through by main's switch (Boost's data), and by the strand's switch back. */
    public static final long DATA_TO_STRAND = 0xda7a_0000_0000_0001L, DATA_TO_MAIN = 0xda7a_0000_0000_0002L;
    /** The layout's arguments of the fresh strand (libco's s, s1). */
    public static final long ARG0 = 0xa0a0_a0a0_a0a0_a0a0L, ARG1 = 0xa1a1_a1a1_a1a1_a1a1L;
    /** Where a strand's entry function would go if it returned (the layout's {@code exit}). */
    public static final long STRAND_EXIT = HOST_CODE + 0x300;
    public static final int MAIN_FPCW = 0x0F7F;
    static final long MAKER_STACK = 0x7fd0_0000L, MAKER_STACK_SIZE = 0x4000L;
    /** The thread block (%fs) when the routine keeps the stack guard; main's guard, and the one the strand was made with. */
    public static final long TLS = 0x0070_0000L, MAIN_GUARD = 0x9a4d_9a4d_9a4d_1111L, STRAND_GUARD = 0x9a4d_9a4d_9a4d_2222L;

    private static final Map<Reg, Long> MAIN_ARGUMENT_REGISTERS = Map.of(
            Reg.RCX, 0x7777_7777_7777_7777L, Reg.RDX, 0x8888_8888_8888_8888L,
            Reg.R8, 0x9999_9999_9999_9999L, Reg.R9, 0x1010_1010_1010_1010L);
    private static final Map<Reg, Long> STRAND_PRESETS = Map.ofEntries(
            Map.entry(Reg.RBX, 0xaaaa_aaaa_aaaa_aaaaL), Map.entry(Reg.RBP, 0xbbbb_bbbb_bbbb_bbbbL),
            Map.entry(Reg.R12, 0xcccc_cccc_cccc_ccccL), Map.entry(Reg.R13, 0xdddd_dddd_dddd_ddddL),
            Map.entry(Reg.R14, 0xeeee_eeee_eeee_eeeeL), Map.entry(Reg.R15, 0xffff_ffff_ffff_ffffL),
            Map.entry(Reg.RCX, 0x0c0c_0c0c_0c0c_0c0cL), Map.entry(Reg.RDX, 0x0d0d_0d0d_0d0d_0d0dL),
            Map.entry(Reg.R8, 0x0808_0808_0808_0808L), Map.entry(Reg.R9, 0x0909_0909_0909_0909L),
            Map.entry(Reg.RDI, 0x0707_0707_0707_0707L), Map.entry(Reg.RSI, 0x0606_0606_0606_0606L));

    private ConventionSetup() {}

    /**
     * @param maker the maker routine to make the fresh strand with (--maker), or null: the
     *              convention's own maker if the assembly defines it, else its layout
     * @throws IllegalArgumentException (exit 2) when the convention cannot make a fresh context here
     */
    public static TraceSetup of(Convention conv, Assembly assembly, String symbol, Map<String, String> sources,
                                ConventionVerifier.MakerCode maker) {
        // A routine that reads or writes through %fs keeps the thread's stack guard (Boost with
        // BOOST_CONTEXT_TLS_STACK_PROTECTOR): map a thread block, as the verifier does.
        boolean thread = conv.slotHolding(Convention.Holds.TLS_GUARD).isPresent();
        boolean usesTls = thread && assembly.linesOf(symbol).stream()
                .anyMatch(l -> l.instruction() && l.text().toLowerCase(java.util.Locale.ROOT).replace(" ", "").matches(".*%?fs:.*"));
        String[] makerProblem = {null};
        maker = maker(conv, assembly, symbol, maker, null);
        boolean frame = conv.storage().kind() == Convention.StorageKind.FRAME;
        int size = conv.storage().size();
        long stride = (size + 15) & ~15L;
        long mainCtx = CONTEXTS, strandCtx = CONTEXTS + stride;
        long mainCell = CONTEXTS + 2 * stride, strandCell = mainCell + 8;

        TraceSetup.Builder b = new TraceSetup.Builder(assembly);
        b.code(symbol);
        if (maker != null && maker.assembly() != assembly) {
            Assembly ma = maker.assembly();
            b.map(maker.symbol() + " (code)", ma.base(), Machine.pages(Math.max(1, ma.size())),
                    UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC, Region.Kind.CODE);
            b.poke(ma.base(), b.linked(ma));
        }
        b.map("main code", HOST_CODE, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC, Region.Kind.CODE);
        byte[] ud2 = new byte[(int) Machine.PAGE_SIZE];
        for (int i = 0; i < ud2.length; i += 2) { ud2[i] = 0x0f; ud2[i + 1] = 0x0b; }
        b.poke(HOST_CODE, ud2);
        b.map(frame ? "handles" : "contexts", CONTEXTS, Machine.pages(2 * stride + 16), UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE,
                Region.Kind.DATA);
        if (!frame) {
            b.region("main context", mainCtx, size, Region.Kind.CONTEXT);
            b.region("strand context", strandCtx, size, Region.Kind.CONTEXT);
        }
        b.map("main stack", MAIN_STACK, MAIN_STACK_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE, Region.Kind.STACK);
        b.map("strand stack", STRAND_STACK, STRAND_STACK_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE, Region.Kind.STACK);
        b.writeLong(MAIN_RSP, MAIN_RESUME);
        if (thread) {
            b.map("thread block (%fs)", TLS, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE, Region.Kind.DATA);
            b.writeLong(TLS + Convention.TLS_GUARD_OFFSET, MAIN_GUARD);
            b.register(Reg.FS_BASE, TLS);
        }

        // ---- B: a fresh strand
        long top = (STRAND_STACK + STRAND_STACK_SIZE) & ~15L;
        long handle;
        String madeBy;
        if (maker != null) {
            handle = runMaker(conv, assembly, maker, b, top, strandCtx, thread, makerProblem);
            madeBy = maker.symbol();
        } else {
            handle = layOut(conv, b, top, strandCtx);
            madeBy = "the convention's layout";
        }
        if (usesTls) {
            // the strand's guard differs from main's (as the verifier's do), so that a routine that
            // does not switch it shows it
            Slot g = conv.slotHolding(Convention.Holds.TLS_GUARD).orElseThrow();
            if (b.readLong(handle + g.offset()) == 0) b.writeLong(handle + g.offset(), STRAND_GUARD);
        }
        presets(conv, b, handle, usesTls);
        ConventionLayout layout = new ConventionLayout(conv, STRAND_ENTRY, usesTls ? TLS : -1, makerProblem[0]);

        // ---- A: main calls the routine
        TraceSetup.MAIN_REGISTERS.forEach(b::register);
        MAIN_ARGUMENT_REGISTERS.forEach(b::register);
        for (var e : conv.arguments().entrySet()) {
            b.register(e.getKey(), switch (e.getValue()) {
                case SAVE -> mainCtx;
                case RESTORE -> handle;
                case SAVE_HANDLE_AT -> mainCell;
                case DATA -> DATA_TO_STRAND;
            });
        }
        b.register(Reg.RSP, MAIN_RSP);
        b.register(Reg.MXCSR, TraceSetup.MAIN_MXCSR);
        if (conv.carries(Reg.FPCW)) b.register(Reg.FPCW, MAIN_FPCW);
        b.poke(STRAND_ENTRY, stub(conv, layout, assembly.address(symbol), mainCtx, strandCtx, mainCell, strandCell));
        b.label(MAIN_RESUME, "main (after its call)");
        b.label(STRAND_ENTRY, "strand entry");
        b.label(STRAND_EXIT, "strand exit");
        b.stop(MAIN_RESUME);
        b.until(Machine.SENTINEL);

        String to = frame ? "strand frame" : "strand context";
        StringBuilder args = new StringBuilder();
        for (var e : conv.arguments().entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            if (!args.isEmpty()) args.append(", ");
            args.append(switch (e.getValue()) {
                case SAVE -> "save = main context";
                case RESTORE -> "restore = " + to;
                case SAVE_HANDLE_AT -> "save handle at main's cell";
                case DATA -> String.format("data = 0x%x", DATA_TO_STRAND);
            });
        }
        String title = symbol + "(" + args + ") under " + conv.name() + ": main → a fresh strand (made by " + madeBy
                + ") → main";
        return b.build(title, symbol, assembly.address(symbol), symbol, sources, layout);
    }

    /**
     * The maker a trace runs (both architectures): the one given (--maker), else the convention's own
     * when the routine's file defines it, else null (the convention's layout).
     *
     * @throws IllegalArgumentException (exit 2) a --maker for a convention without one, or neither a maker nor a layout
     */
    static ConventionVerifier.MakerCode maker(Convention conv, Assembly assembly, String symbol, ConventionVerifier.MakerCode maker,
                                              String file) {
        Convention.Fresh fresh = conv.fresh();
        if (maker == null && fresh != null && fresh.maker() != null && fresh.maker().symbol() != null
                && assembly.symbols().containsKey(fresh.maker().symbol())) {
            maker = new ConventionVerifier.MakerCode(assembly, fresh.maker().symbol(), file);
        }
        if (maker != null && (fresh == null || fresh.maker() == null)) {
            throw new IllegalArgumentException("convention " + conv.name() + " describes no maker routine (no fresh.maker):"
                    + " --maker cannot be used with it");
        }
        if (maker == null && (fresh == null || fresh.layout() == null)) {
            throw new IllegalArgumentException("convention " + conv.name() + " makes fresh contexts with "
                    + (fresh != null && fresh.maker() != null ? fresh.maker().symbol() + ", which " + symbol + "'s file does not define;"
                    + " give one with --maker FILE:SYMBOL" : "nothing it describes (no fresh layout or maker)"));
        }
        return maker;
    }

    /** What a maker argument ("top", "stack", "size", "entry", else the context) is, for both architectures. */
    static long makerArgument(String what, long top, long stack, long entry, long context) {
        return switch (what) {
            case "top" -> top;
            case "stack" -> stack;
            case "size" -> top - stack;
            case "entry" -> entry;
            default -> context;
        };
    }

    /**
     * The register the strand finds main's frame in on arrival (an arrival value {@code from}):
     * the restore argument's own register when it is one of them, else the first; or null.
     */
    static <R extends Enum<R>> R fromRegister(Map<R, Convention.Value> arrival, R restore) {
        List<R> from = arrival.entrySet().stream().filter(e -> e.getValue() instanceof Convention.Value.From)
                .map(Map.Entry::getKey).sorted().toList();
        return from.contains(restore) ? restore : from.isEmpty() ? null : from.get(0);
    }

    /** Runs the maker in its own machine and copies what it made (stack, context) into the setup. */
    private static long runMaker(Convention conv, Assembly assembly, ConventionVerifier.MakerCode maker, TraceSetup.Builder b,
                                 long top, long strandCtx, boolean usesTls, String[] problem) {
        Convention.Maker mk = conv.fresh().maker();
        try (Machine m = Machine.x86_64()) {
            for (Assembly a : maker.assembly() == assembly ? List.of(assembly) : List.of(assembly, maker.assembly())) {
                ctxlab.emu.Externals.load(m, a);
            }
            m.map(STRAND_STACK, STRAND_STACK_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.map(CONTEXTS, Machine.PAGE_SIZE * 2, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            m.map(MAKER_STACK, MAKER_STACK_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            if (usesTls) {
                m.map(TLS, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
                m.writeLong(TLS + Convention.TLS_GUARD_OFFSET, STRAND_GUARD);   // as if made by the strand's thread
                m.set(Reg.FS_BASE, TLS);
            }
            Reg[] order = {Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9};
            long[] args = new long[6];
            int n = 0;
            for (int i = 0; i < order.length; i++) {
                String what = mk.arguments().get(order[i]);
                if (what == null) continue;
                n = i + 1;
                args[i] = makerArgument(what, top, STRAND_STACK, STRAND_ENTRY, strandCtx);
            }
            m.set(Reg.MXCSR, 0x1F80);
            m.set(Reg.FPCW, 0x037F);
            // the maker may write the fresh stack and the context, nothing else (its own frame below its rsp aside);
            // a stray write is reported in the verdict of the switch to the fresh strand
            long callTop = MAKER_STACK + MAKER_STACK_SIZE - 0x100;
            long ctxEnd = strandCtx + conv.storage().size();
            m.onMemoryWrite((pc, address, size, value) -> {
                boolean ok = address >= STRAND_STACK && address + size <= top || address >= strandCtx && address + size <= ctxEnd
                        || address >= MAKER_STACK && address + size <= callTop - 8;
                if (!ok && problem[0] == null) {
                    problem[0] = String.format("the maker %s wrote %d bytes at 0x%x, outside the fresh stack and context%s",
                            maker.symbol(), size, address, address >= callTop - 8 && address < callTop + 0x100 ? " (in its caller's frame)" : "")
                            + (maker.assembly().lineAt(pc) == null ? "" : ": " + maker.assembly().describe(pc));
                }
            });
            try {
                m.call(maker.assembly().address(maker.symbol()), callTop, 100_000, Duration.ofSeconds(10),
                        java.util.Arrays.copyOf(args, n));
            } catch (EmulationException e) {
                throw new IllegalArgumentException("the maker " + maker.symbol() + " did not return: " + e.getMessage());
            }
            long handle = mk.returns() != null ? m.get(mk.returns()) : strandCtx;
            boolean frame = conv.storage().kind() == Convention.StorageKind.FRAME;
            long lo = frame ? STRAND_STACK : strandCtx;
            if (handle < lo || handle + conv.storage().size() > (frame ? top : strandCtx + conv.storage().size())) {
                throw new IllegalArgumentException(String.format("the maker %s returned 0x%x, which is not on the fresh stack",
                        maker.symbol(), handle));
            }
            b.poke(STRAND_STACK, m.read(STRAND_STACK, (int) STRAND_STACK_SIZE));
            if (!frame) b.poke(strandCtx, m.read(strandCtx, conv.storage().size()));
            return handle;
        }
    }

    /** The convention's declarative fresh context, as the verifier lays it out. */
    private static long layOut(Convention conv, TraceSetup.Builder b, long top, long strandCtx) {
        boolean frame = conv.storage().kind() == Convention.StorageKind.FRAME;
        var in = new ctxlab.abi.FreshLayout.Inputs(top, STRAND_ENTRY, STRAND_EXIT, ARG0, ARG1);
        long anchor = ctxlab.abi.FreshLayout.anchor(conv, in);
        if (anchor < STRAND_STACK + 256 || anchor >= top) {
            throw new IllegalArgumentException(String.format("convention %s: the fresh layout puts %s at 0x%x, outside the"
                    + " strand's stack (top 0x%x)", conv.name(), frame ? "the frame" : "rsp", anchor, top));
        }
        return ctxlab.abi.FreshLayout.place(conv, b::poke, in, strandCtx).handle();
    }

    /**
     * Register slots the maker or layout left 0 get the strand's letters; bytes no register slot
     * covers (Boost's guard, libaco's padding) get 0x5a, as memory nobody cleared would hold
     * something, so that a routine that depends on them shows it.
     */
    private static void presets(Convention conv, TraceSetup.Builder b, long handle, boolean usesTls) {
        int size = conv.storage().size();
        for (int off = 0; off < size; off++) {
            final int o = off;
            boolean meaningful = conv.slots().stream().anyMatch(s -> o >= s.offset() && o < s.offset() + s.width()
                    && java.util.EnumSet.of(Convention.Holds.REGISTER, Convention.Holds.RSP, Convention.Holds.RESUME,
                    Convention.Holds.MXCSR, Convention.Holds.FPCW).contains(s.holds()) || usesTls && s.holds() == Convention.Holds.TLS_GUARD);
            if (!meaningful && (b.readLong(handle + off) & 0xff) == 0) b.poke(handle + off, new byte[] {0x5a});
        }
        for (Slot s : conv.slots()) {
            if (s.holds() != Convention.Holds.REGISTER || s.width() != 8) continue;
            Long v = STRAND_PRESETS.get(s.register());
            if (v != null && b.readLong(handle + s.offset()) == 0) b.writeLong(handle + s.offset(), v);
        }
    }

    /**
     * The strand's entry function: {@code sub $8, %rsp} (a call keeps rsp 16-byte aligned), the
     * arguments of the switch back to main, {@code movabs $routine, %rax; call *%rax}.
     */
    static byte[] stub(Convention conv, ConventionLayout layout, long routine, long mainCtx, long strandCtx,
                       long mainCell, long strandCell) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[] {0x48, (byte) 0x83, (byte) 0xEC, 0x08});
        Reg restore = conv.argument(Role.RESTORE).orElseThrow();
        if (layout.frame()) {
            // main's frame: the handle every arrival hands over (Boost: rax = rdi = from), or main's cell
            Reg from = fromRegister(conv.arrival(), restore);
            if (from != null) {
                if (from != restore) mov(o, from, restore);
            } else if (conv.argument(Role.SAVE_HANDLE_AT).isPresent()) {
                movabs(o, Reg.RAX, mainCell);
                o.writeBytes(new byte[] {(byte) (0x48 | (num(restore) >= 8 ? 4 : 0)), (byte) 0x8B, (byte) ((num(restore) & 7) << 3)});
            } else {
                throw new IllegalArgumentException("convention " + conv.name() + ": the strand cannot find main's frame"
                        + " (no arrival value 'from' and no save-handle-at argument)");
            }
        }
        for (var e : new LinkedHashMap<>(conv.arguments()).entrySet()) {
            switch (e.getValue()) {
                case SAVE -> movabs(o, e.getKey(), strandCtx);
                case RESTORE -> { if (!layout.frame()) movabs(o, e.getKey(), mainCtx); }
                case SAVE_HANDLE_AT -> movabs(o, e.getKey(), strandCell);
                case DATA -> movabs(o, e.getKey(), DATA_TO_MAIN);
            }
        }
        movabs(o, Reg.RAX, routine);
        o.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xD0});   // call *%rax
        return o.toByteArray();
    }

    private static final List<Reg> NUMBERING = List.of(Reg.RAX, Reg.RCX, Reg.RDX, Reg.RBX, Reg.RSP, Reg.RBP, Reg.RSI, Reg.RDI,
            Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15);

    private static int num(Reg r) {
        int n = NUMBERING.indexOf(r);
        if (n < 0) throw new IllegalArgumentException("not a general register: " + r);
        return n;
    }

    private static void movabs(ByteArrayOutputStream o, Reg r, long value) {
        int n = num(r);
        o.write(0x48 | (n >= 8 ? 1 : 0));
        o.write(0xB8 + (n & 7));
        o.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
    }

    private static void mov(ByteArrayOutputStream o, Reg from, Reg to) {
        int s = num(from), d = num(to);
        o.write(0x48 | (s >= 8 ? 4 : 0) | (d >= 8 ? 1 : 0));
        o.write(0x89);
        o.write(0xC0 | (s & 7) << 3 | (d & 7));
    }
}
