package ctxlab.vectors;

import ctxlab.abi.Convention;
import ctxlab.emu.Reg;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One test vector as read from its file: the complete machine state before one call, the call, and
 * what must hold afterwards. Nothing here depends on the engine: {@link UnicornRunner} runs it in
 * Unicorn, and a host runner can replay the same vector natively ({@link #hardwareSafe()}).
 *
 * @param file        the file it came from
 * @param display     how messages name the file ({@code testvectors/x.json})
 * @param id          how it is named in reports and test names: its path under the corpus root
 * @param name        the {@code name} field
 * @param convention  the routine's convention ({@code convention}, default {@code cem}): its arguments,
 *                    the storage {@code slots} name, and where a switch resumes ({@code [restore.resume]})
 * @param source      the routine's asm file, relative to the project root
 * @param symbol      the routine under test (a switch routine of {@code convention})
 * @param asm         further asm files assembled in the same unit (strand bodies), relative to the root
 * @param regions     memory mappings with their initial content, by name, in file order
 * @param registers   every register at the call's entry that {@code call.args} does not set
 * @param expect      null when the file has none yet (see {@code ctxlab vectors --record})
 */
public record Vector(Path file, String display, String id, String name, String description, Convention convention,
                     String source, String symbol,
                     List<String> asm, Map<String, Region> regions, Map<Reg, Expr> registers, Call call,
                     Expect expect) {

    public static final String DEFAULT_SOURCE = "asm/context_x86_64.s";
    public static final String DEFAULT_SYMBOL = "cem_swapcontext";
    public static final long DEFAULT_BUDGET = 10_000;

    /** General registers in the order vectors and reports list them. */
    public static final List<Reg> GPRS = List.of(Reg.RAX, Reg.RBX, Reg.RCX, Reg.RDX, Reg.RSI, Reg.RDI, Reg.RBP,
            Reg.RSP, Reg.R8, Reg.R9, Reg.R10, Reg.R11, Reg.R12, Reg.R13, Reg.R14, Reg.R15);
    /** The System V integer argument registers, in order. */
    public static final List<Reg> ARGS = List.of(Reg.RDI, Reg.RSI, Reg.RDX, Reg.RCX, Reg.R8, Reg.R9);
    /** What {@code registers} must give (with {@code call.args}): the whole state a call starts from. */
    public static final List<Reg> BEFORE = concat(GPRS, List.of(Reg.RFLAGS, Reg.MXCSR, Reg.FPCW));
    /** What {@code expect.registers} may name. */
    public static final List<Reg> AFTER = concat(GPRS, List.of(Reg.RIP, Reg.RFLAGS, Reg.MXCSR, Reg.FPCW));

    public Vector {
        asm = List.copyOf(asm);
        regions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(regions));
        registers = regMap(registers);
    }

    static Map<Reg, Expr> regMap(Map<Reg, Expr> m) {
        java.util.EnumMap<Reg, Expr> copy = new java.util.EnumMap<>(Reg.class);
        copy.putAll(m);
        return java.util.Collections.unmodifiableMap(copy);
    }

    /** The routine the call enters: {@code call.symbol}, else the routine under test. */
    public String calledSymbol() {
        return call.symbol() != null ? call.symbol() : symbol;
    }

    /** The stop address rule: {@code call.until}, else the default for what is called. */
    public Until until() {
        if (call.until() != null) return call.until();
        return calledSymbol().equals(symbol) ? new Until.Resume() : new Until.Return();
    }

    /**
     * Whether the vector may be replayed on real hardware: it expects a normal stop. A vector that
     * expects a fault would crash the host (and is about the emulator's report of it anyway).
     */
    public boolean hardwareSafe() {
        return expect != null && expect.fault() == null;
    }

    /** Lower-case register name as vectors write it. */
    public static String label(Reg r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Reg> register(String label) {
        for (Reg r : AFTER) if (label(r).equals(label)) return Optional.of(r);
        return Optional.empty();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        java.util.ArrayList<T> l = new java.util.ArrayList<>(a);
        l.addAll(b);
        return List.copyOf(l);
    }

    /**
     * A memory mapping.
     *
     * @param prot     UC_PROT_* bits; {@code protText} as written ("rw", "r", "rx", "none", …)
     * @param cells    its initial content; everything else is zero
     * @param contexts offsets of the contexts the file gives slot by slot (the recorder lists them again)
     * @param storages offsets of the convention's storages the file gives by {@code slots} (likewise)
     */
    public record Region(String name, long base, long size, int prot, String protText, List<Cell> cells,
                         List<Long> contexts, List<Long> storages) {
        public Region {
            cells = List.copyOf(cells);
            contexts = List.copyOf(contexts);
            storages = List.copyOf(storages);
        }

        public long end() {
            return base + size;
        }
    }

    /**
     * A piece of a region's content: a context slot, a qword, a dword or raw bytes.
     *
     * @param label  how diffs name it: {@code block+0x40.r13}, {@code stack+0xff8}
     * @param offset from the region's base
     * @param width  bytes (8 or 4 for numbers, any for raw bytes)
     * @param value  the number, little-endian over {@code width} bytes; null for raw bytes
     * @param raw    the bytes in memory order; null for numbers
     * @param path   JSON path, for messages
     */
    public record Cell(String region, String label, long offset, int width, Expr value, byte[] raw, String path) {
        public boolean numeric() {
            return value != null;
        }
    }

    /**
     * The call: a routine entered with the vector's registers (rsp pointing at the return address
     * the caller's {@code call} pushed; the vector's memory provides it) and run up to a stop address.
     *
     * @param symbol null: the routine under test
     * @param args   values of rdi, rsi, rdx, rcx, r8, r9 in order (a prefix)
     * @param until  null: {@link Vector#until()} decides
     * @param budget most instructions the run may execute
     */
    public record Call(String symbol, List<Expr> args, Until until, long budget) {
        public Call {
            args = List.copyOf(args);
        }
    }

    /**
     * Where a run stops: when rip reaches the address, before fetching it (so it need not be mapped).
     * The two symbolic forms are computed from memory before the call.
     */
    public sealed interface Until {
        /** An address. */
        record At(Expr address) implements Until {
            @Override public String toString() { return address.text(); }
        }

        /** {@code "[rsp]"}: the return address on the caller's stack: the routine returns normally. */
        record Return() implements Until {
            @Override public String toString() { return "[rsp]"; }
        }

        /**
         * {@code "[restore.resume]"} ({@code "[restore.rsp]"} in Cem's vectors): where the switch
         * resumes the restored side, read from the restore storage as the convention says (Cem: the 8
         * bytes at the rsp saved in the context at rsi; a convention with a resume slot: that slot of
         * the storage at its restore argument). Default for the routine under test.
         */
        record Resume() implements Until {
            @Override public String toString() { return "[restore.rsp]"; }
        }

        /** {@code "none"}: no stop address; the run ends in a fault or by exhausting its budget. */
        record None() implements Until {
            @Override public String toString() { return "none"; }
        }
    }

    /** An expected fault. {@code address} and {@code pc} are compared when given. */
    public record Fault(FaultKind kind, Expr address, Expr pc) {}

    /**
     * What must hold after the run. Listed registers are compared; memory is compared in full:
     * listed cells must hold their values and every other byte of every region must be unchanged.
     *
     * @param memory       expected cells by region name
     * @param instructions null: not compared
     * @param fault        null: the run must reach its stop address
     */
    public record Expect(Map<Reg, Expr> registers, Map<String, List<Cell>> memory, Long instructions, Fault fault) {
        public Expect {
            registers = regMap(registers);
            java.util.LinkedHashMap<String, List<Cell>> m = new java.util.LinkedHashMap<>();
            memory.forEach((k, v) -> m.put(k, List.copyOf(v)));
            memory = java.util.Collections.unmodifiableMap(m);
        }
    }
}
