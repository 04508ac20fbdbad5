package ctxlab.trace;

import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.MakeContext;
import ctxlab.abi.Memory;
import ctxlab.asm.Assembly;
import ctxlab.emu.Externals;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a traced call needs, as plain data: memory to map and fill, registers, where to
 * start, where to stop, and the names to give things. The default switch trace is one; a test
 * vector (registers + memory regions + a call) is another, traced by the same {@link Tracer}.
 *
 * @param sources      file name to text, for the source views
 * @param mappings     memory to map (page aligned)
 * @param memory       bytes to write after mapping (code, contexts, stack contents)
 * @param regions      names for memory: contexts, stacks, code, data
 * @param labels       names for addresses outside the assembly ("strand entry")
 * @param registers    initial values; the rest start at 0 (FPCW 0x037F, MXCSR 0x1F80 unless given)
 * @param until        the call ends normally when rip reaches it (need not be mapped)
 * @param stops        mapped addresses that also end the trace normally, with their names
 * @param switchSymbol the routine whose rdi/rsi are called save/restore while it runs, or null
 */
public record TraceSetup(String title, String routine, Assembly assembly, Map<String, String> sources,
                         List<Mapping> mappings, List<Poke> memory, List<Region> regions, Map<Long, String> labels,
                         Map<Reg, Long> registers, long start, long until, Map<Long, String> stops,
                         String switchSymbol, TraceLayout layout) {

    public TraceSetup(String title, String routine, Assembly assembly, Map<String, String> sources,
                      List<Mapping> mappings, List<Poke> memory, List<Region> regions, Map<Long, String> labels,
                      Map<Reg, Long> registers, long start, long until, Map<Long, String> stops, String switchSymbol) {
        this(title, routine, assembly, sources, mappings, memory, regions, labels, registers, start, until, stops,
                switchSymbol, CemLayout.INSTANCE);
    }

    public record Mapping(long base, long size, int prot) {}

    public record Poke(long address, byte[] bytes) {}

    public TraceSetup {
        sources = Map.copyOf(sources);
        mappings = List.copyOf(mappings);
        memory = List.copyOf(memory);
        regions = List.copyOf(regions);
        labels = Map.copyOf(labels);
        registers = Map.copyOf(registers);
        stops = Map.copyOf(stops);
    }

    // ---- the default trace: main switches to a fresh strand ---------------------------------

    /** Where main's code would be: the call's return address and the strand's entry live here. */
    public static final long HOST_CODE = 0x0050_0000L;
    /** Main's return address: the instruction after its {@code call cem_swapcontext}. */
    public static final long MAIN_RESUME = HOST_CODE + 0x10;
    /** The strand's entry function, where the switch's {@code ret} lands. */
    public static final long STRAND_ENTRY = HOST_CODE + 0x100;
    public static final long CONTEXTS = 0x0060_0000L;
    public static final long MAIN_CONTEXT = CONTEXTS, STRAND_CONTEXT = CONTEXTS + 0x40;
    public static final long MAIN_STACK = 0x7ff0_0000L, MAIN_STACK_SIZE = 0x1_0000L;
    public static final long STRAND_STACK = 0x7fe0_0000L, STRAND_STACK_SIZE = 0x4000L;
    /** Main's rsp at the call: 8 mod 16, with the return address at [rsp]. */
    public static final long MAIN_RSP = MAIN_STACK + MAIN_STACK_SIZE - 0x28;
    /** Round up, all exceptions masked: visibly not the strand's 0x1F80. */
    public static final int MAIN_MXCSR = 0x5F80;

    /** Main's callee-saved registers: one digit per register, easy to follow. */
    public static final Map<Reg, Long> MAIN_REGISTERS = ordered(
            Reg.RBX, 0x1111_1111_1111_1111L, Reg.RBP, 0x2222_2222_2222_2222L, Reg.R12, 0x3333_3333_3333_3333L,
            Reg.R13, 0x4444_4444_4444_4444L, Reg.R14, 0x5555_5555_5555_5555L, Reg.R15, 0x6666_6666_6666_6666L);

    /** The strand's callee-saved registers, preset by makeContext: letters instead of digits. */
    public static final Map<Slot, Long> STRAND_PRESETS = strandPresets();

    private static Map<Slot, Long> strandPresets() {
        Map<Slot, Long> m = new EnumMap<>(Slot.class);
        m.put(Slot.RBX, 0xaaaa_aaaa_aaaa_aaaaL);
        m.put(Slot.RBP, 0xbbbb_bbbb_bbbb_bbbbL);
        m.put(Slot.R12, 0xcccc_cccc_cccc_ccccL);
        m.put(Slot.R13, 0xdddd_dddd_dddd_ddddL);
        m.put(Slot.R14, 0xeeee_eeee_eeee_eeeeL);
        m.put(Slot.R15, 0xffff_ffff_ffff_ffffL);
        return m;
    }

    private static Map<Reg, Long> ordered(Object... kv) {
        Map<Reg, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((Reg) kv[i], (Long) kv[i + 1]);
        return m;
    }

    /**
     * main calls {@code symbol(save = main context, restore = strand context)}; the strand context
     * comes from {@link MakeContext} with {@link #STRAND_PRESETS} and entry {@link #STRAND_ENTRY}.
     * The trace ends when execution reaches the strand entry (or main again).
     */
    public static TraceSetup defaultSwitch(Assembly assembly, String symbol, Map<String, String> sources) {
        Builder b = new Builder(assembly);
        b.code(symbol);
        b.map("main code", HOST_CODE, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC, Region.Kind.CODE);
        byte[] ud2 = new byte[(int) Machine.PAGE_SIZE];
        for (int i = 0; i < ud2.length; i += 2) { ud2[i] = 0x0f; ud2[i + 1] = 0x0b; } // never executed: a stop comes first
        b.poke(HOST_CODE, ud2);
        b.map("contexts", CONTEXTS, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE, Region.Kind.DATA);
        b.region("main context", MAIN_CONTEXT, 64, Region.Kind.CONTEXT);
        b.region("strand context", STRAND_CONTEXT, 64, Region.Kind.CONTEXT);
        b.map("main stack", MAIN_STACK, MAIN_STACK_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE, Region.Kind.STACK);
        b.map("strand stack", STRAND_STACK, STRAND_STACK_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE, Region.Kind.STACK);
        b.writeLong(MAIN_RSP, MAIN_RESUME);
        MakeContext.make(b, STRAND_CONTEXT, STRAND_STACK, STRAND_STACK_SIZE, STRAND_ENTRY, STRAND_PRESETS, 0);
        b.label(MAIN_RESUME, "main (after its call)");
        b.label(STRAND_ENTRY, "strand entry");
        b.stop(STRAND_ENTRY);
        b.stop(MAIN_RESUME);
        MAIN_REGISTERS.forEach(b::register);
        b.register(Reg.RDI, MAIN_CONTEXT);
        b.register(Reg.RSI, STRAND_CONTEXT);
        b.register(Reg.RSP, MAIN_RSP);
        b.register(Reg.MXCSR, MAIN_MXCSR);
        b.until(Machine.SENTINEL);
        return b.build(symbol + "(save = main context, restore = strand context)", symbol,
                assembly.address(symbol), symbol, sources);
    }

    /** Collects a setup; also a {@link Memory}, so that {@link MakeContext} can prepare contexts in it. */
    public static final class Builder implements Memory {
        private final Assembly assembly;
        private final List<Mapping> mappings = new ArrayList<>();
        private final List<Poke> pokes = new ArrayList<>();
        private final List<Region> regions = new ArrayList<>();
        private final Map<Long, String> labels = new LinkedHashMap<>();
        private final Map<Reg, Long> registers = new LinkedHashMap<>();
        private final Map<Long, String> stops = new LinkedHashMap<>();
        private long until = Machine.SENTINEL;

        public Builder(Assembly assembly) {
            this.assembly = assembly;
        }

        /** Maps the assembly read+execute at its base, naming the traced routine's code. */
        public Builder code(String symbol) {
            long size = Machine.pages(assembly.size());
            mappings.add(new Mapping(assembly.base(), size, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC));
            pokes.add(new Poke(assembly.base(), linked(assembly)));
            regions.add(new Region(symbol == null ? "code" : symbol + " (code)", assembly.base(), assembly.size(), Region.Kind.CODE,
                    UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC));
            return this;
        }

        /**
         * {@code a}'s code as emulation runs it ({@link Externals}): when it calls or jumps to
         * symbols it does not define, their stubs' page is mapped, each stub labelled with its
         * symbol and made a stop named "calls SYMBOL (from file:line)", a normal end of the trace.
         */
        public byte[] linked(Assembly a) {
            Externals.Image img = Externals.link(a);
            if (img.stubs().isEmpty()) return img.code();
            int rx = UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC;
            map("external symbols", img.pageAddress(), Machine.PAGE_SIZE, rx, Region.Kind.CODE);
            pokes.add(new Poke(img.pageAddress(), img.page()));
            for (Externals.Stub st : img.stubs()) {
                labels.put(st.address(), st.symbol());
                stops.put(st.address(), st.message());
            }
            return img.code();
        }

        public Builder map(String name, long base, long size, int prot, Region.Kind kind) {
            mappings.add(new Mapping(base, size, prot));
            if (name != null) regions.add(new Region(name, base, size, kind, prot));
            return this;
        }

        public Builder region(String name, long base, long size, Region.Kind kind) {
            regions.add(new Region(name, base, size, kind));
            return this;
        }

        public Builder poke(long address, byte[] bytes) {
            pokes.add(new Poke(address, bytes.clone()));
            return this;
        }

        public Builder label(long address, String name) {
            labels.put(address, name);
            return this;
        }

        /** A mapped address that ends the trace when reached; named by its label. */
        public Builder stop(long address) {
            stops.put(address, labels.getOrDefault(address, String.format("0x%x", address)));
            return this;
        }

        public Builder register(Reg reg, long value) {
            registers.put(reg, value);
            return this;
        }

        public Builder until(long address) {
            until = address;
            return this;
        }

        public TraceSetup build(String title, String routine, long start, String switchSymbol, Map<String, String> sources) {
            return build(title, routine, start, switchSymbol, sources, CemLayout.INSTANCE);
        }

        public TraceSetup build(String title, String routine, long start, String switchSymbol, Map<String, String> sources,
                                TraceLayout layout) {
            return new TraceSetup(title, routine, assembly, sources, mappings, pokes, regions, labels, registers,
                    start, until, stops, switchSymbol, layout);
        }

        @Override
        public void writeLong(long address, long value) {
            pokes.add(new Poke(address, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array()));
        }

        @Override
        public void writeInt(long address, int value) {
            pokes.add(new Poke(address, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array()));
        }

        /** Reads back what was poked (the last write wins); unwritten bytes are 0, like fresh mappings. */
        @Override
        public long readLong(long address) {
            long v = 0;
            for (int i = 7; i >= 0; i--) v = (v << 8) | (byteAt(address + i) & 0xFF);
            return v;
        }

        @Override
        public int readInt(long address) {
            int v = 0;
            for (int i = 3; i >= 0; i--) v = (v << 8) | (byteAt(address + i) & 0xFF);
            return v;
        }

        private byte byteAt(long address) {
            for (int p = pokes.size() - 1; p >= 0; p--) {
                Poke k = pokes.get(p);
                long off = address - k.address();
                if (off >= 0 && off < k.bytes().length) return k.bytes()[(int) off];
            }
            return 0;
        }
    }
}
