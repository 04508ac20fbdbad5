package ctxlab.trace;

import ctxlab.abi.Arm64Layout;
import ctxlab.abi.Arm64MakeContext;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.abi.Memory;
import ctxlab.asm.Assembly;
import ctxlab.emu.Arm64Machine;
import ctxlab.emu.Arm64Reg;
import ctxlab.emu.EmulationException;
import ctxlab.emu.UcConst;
import ctxlab.trace.Arm64ConventionTracer.Check;
import ctxlab.trace.Arm64ConventionTracer.Switch;
import ctxlab.verify.Arm64Verifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Traces one AArch64 switch for learners: main calls {@code NAME(save, restore)} into a fresh
 * strand made by {@link Arm64MakeContext}, with memorable register values (main x19 =
 * 0x1919…, strand x19 = 0xa019…), and every instruction is recorded with the registers it changed
 * and the memory it wrote, named by context slot ({@code save.x21}, {@code restore.d8}). The
 * switch ends with its arrival verdict over Cem's convention ({@code cem-arm64}), judged as the
 * convention trace judges its first switch ({@link Arm64ConventionTracer}).
 */
public final class Arm64Tracer {
    public static final long CODE = 0x40_0000L;
    static final long DATA = 0x7ffd_0000_0000L;
    static final long SAVE = DATA + 0x100, RESTORE = DATA + 0x200;
    static final long MAIN_STACK = DATA + 0x1_0000L, MAIN_SP = MAIN_STACK + 0x1000 - 0x40;
    static final long STRAND_STACK = DATA + 0x2_0000L, STRAND_STACK_SIZE = 0x1000;
    static final long PADS = 0x5e5e_0000_0000L, MAIN_RESUMES = PADS + 0x100, STRAND_ENTRY = PADS + 0x200;
    static final Arm64Reg[] SHOWN;
    static final String[] NAMES;

    static {
        List<Arm64Reg> r = new ArrayList<>();
        List<String> n = new ArrayList<>();
        for (int i = 0; i <= 30; i++) {
            r.add(Arm64Reg.x(i));
            n.add("x" + i);
        }
        r.add(Arm64Reg.SP);
        n.add("sp");
        for (int i = 8; i <= 15; i++) {
            r.add(Arm64Reg.d(i));
            n.add("d" + i);
        }
        r.add(Arm64Reg.FPCR);
        n.add("fpcr");
        SHOWN = r.toArray(new Arm64Reg[0]);
        NAMES = n.toArray(new String[0]);
    }

    /** A register change. */
    public record Change(String register, long before, long after) {}

    /** A store, with the slot it landed in. */
    public record Write(long address, int size, long value, String name) {}

    /** One executed instruction. */
    public record Step(int number, long pc, String line, String text, List<Change> changes, List<Write> writes,
                       String explanation) {}

    /**
     * @param end      how it ended: "arrived at the strand entry", or the fault
     * @param initial  every shown register before step 1
     * @param contexts the save and restore contexts' bytes before step 1 (restore: made by makecontext)
     * @param switches the switch's arrival verdict (empty inside a convention trace, whose result has its own)
     */
    public record Result(String file, String symbol, List<Step> steps, boolean arrived, String end,
                         Map<String, Long> initial, Map<String, byte[]> contexts, List<Switch> switches) {
        public Result {
            switches = List.copyOf(switches);
        }

        public Result(String file, String symbol, List<Step> steps, boolean arrived, String end,
                      Map<String, Long> initial, Map<String, byte[]> contexts) {
            this(file, symbol, steps, arrived, end, initial, contexts, List.of());
        }

        public Result(String file, String symbol, List<Step> steps, boolean arrived, String end) {
            this(file, symbol, steps, arrived, end, Map.of(), Map.of());
        }

        /** It arrived and every check of the verdict is ✓. */
        public boolean right() {
            return arrived && switches.stream().allMatch(Switch::right);
        }
    }

    private Arm64Tracer() {}

    public static Result trace(Assembly assembly, String file, String symbol, long maxSteps) {
        long entry = assembly.address(symbol);
        List<Step> steps = new ArrayList<>();
        try (Arm64Machine m = Arm64Machine.create()) {
            m.map(CODE, Math.max(0x1000, (assembly.size() + 0xFFF) & -0x1000L), UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(CODE, assembly.code());
            m.map(PADS, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.map(DATA, 0x3_0000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            Memory mem = new Memory() {
                @Override public void writeLong(long a, long v) { m.writeLong(a, v); }
                @Override public long readLong(long a) { return m.readLong(a); }
                @Override public void writeInt(long a, int v) { m.writeInt(a, v); }
                @Override public int readInt(long a) { return m.readInt(a); }
            };
            Map<Arm64Layout.Slot, Long> presets = new LinkedHashMap<>();
            for (int i = 0; i < 10; i++) presets.put(Arm64Layout.CALLEE_SAVED_X[i], strandValue(19 + i));
            Arm64MakeContext.make(mem, RESTORE, STRAND_STACK, STRAND_STACK_SIZE, STRAND_ENTRY, presets);
            // makecontext's x29 = 0 (the end of the frame chain) could not tell a restored x29 from a
            // cleared one: the strand gets a memorable x29, as the x86-64 trace's strand gets an rbp
            Arm64Layout.write(mem, RESTORE, Arm64Layout.Slot.X29, strandValue(29));
            long[] init = new long[SHOWN.length];
            for (int i = 0; i <= 30; i++) init[i] = i >= 19 && i <= 29 ? memorable(i) : 0;
            init[0] = SAVE;
            init[1] = RESTORE;
            init[30] = MAIN_RESUMES;
            init[31] = MAIN_SP;
            for (int i = 0; i < 8; i++) init[32 + i] = Double.doubleToRawLongBits(8 + i + 0.5);
            init[40] = 0x40_0000L;     // main rounds up
            m.set(SHOWN, init);
            Map<String, Long> initial = new LinkedHashMap<>();
            for (int i = 0; i < SHOWN.length; i++) initial.put(NAMES[i], init[i]);
            Map<String, byte[]> contexts = new LinkedHashMap<>();
            contexts.put("save", m.read(SAVE, Arm64Layout.SIZE));
            contexts.put("restore", m.read(RESTORE, Arm64Layout.SIZE));

            List<Write> pending = new ArrayList<>();
            long[][] before = {null};
            long[] pcHolder = {-1};
            long codeEnd = assembly.base() + assembly.size();
            // the routine's stray store and misaligned sp (the first of each): ✗ lines of the verdict
            Check[] stray = {null}, misaligned = {null};
            m.onMemoryWrite((pc, address, size, value) -> {
                pending.add(new Write(address, size, value, name(address, size)));
                if (stray[0] == null && pc >= assembly.base() && pc < codeEnd && (address < SAVE || address + size > SAVE + Arm64Layout.SIZE)) {
                    stray[0] = Arm64ConventionTracer.strayStore(size, address, name(address, size), "context", SAVE, Arm64Layout.SIZE,
                            describe(assembly, pc));
                }
            });
            m.onInstruction((pc, size) -> {
                long[] now = m.get(SHOWN);
                if (pcHolder[0] >= 0) steps.add(step(assembly, steps.size() + 1, pcHolder[0], before[0], now, pending));
                pending.clear();
                before[0] = now;
                pcHolder[0] = pc;
                if (misaligned[0] == null && pc >= assembly.base() && pc < codeEnd && (now[31] & 15) != 0) {
                    misaligned[0] = Arm64ConventionTracer.misaligned(now[31], describe(assembly, pc), steps.isEmpty() ? null : steps.getLast());
                }
            });
            String end;
            boolean arrived;
            try {
                m.run(entry, STRAND_ENTRY, maxSteps);
                arrived = true;
                end = "ret arrived at the strand's entry " + hex(STRAND_ENTRY) + " with sp = " + hex(m.get(Arm64Reg.SP))
                        + " (" + (m.get(Arm64Reg.SP) & 15) + " mod 16) and FPCR = " + hex(m.get(Arm64Reg.FPCR));
            } catch (EmulationException e) {
                arrived = false;
                end = e.getMessage() + (e.pc() != 0 ? " (" + assembly.describe(e.pc()) + ")" : "");
            }
            long[] last = m.get(SHOWN);
            if (pcHolder[0] >= 0) steps.add(step(assembly, steps.size() + 1, pcHolder[0], before[0], last, pending));

            List<Check> checks = new ArrayList<>();
            if (arrived) {
                checks.add(new Check(true, "pc = " + hex(STRAND_ENTRY) + ", the fresh strand's entry (the restored lr)"));
                boolean fpcr = Arm64Verifier.switchesFpcr(assembly, symbol);
                // resolved per trace, not when the class loads: the convention tracer loads this class too
                Convention cem = Conventions.resolve(Conventions.DEFAULT_ARM64);
                Arm64ConventionTracer.arrival(checks, cem, last, init, contexts.get("restore"), m.read(SAVE, Arm64Layout.SIZE), RESTORE,
                        Arm64Layout.SIZE, false, SAVE, 0, true, fpcr);
                if (!fpcr) {
                    checks.add(new Check(true, "FPCR not judged: the routine never reads or writes it (the 168-byte layout;"
                            + " verify warns " + Arm64Verifier.FPCR_FINDING + ")"));
                }
            }
            for (Check p : new Check[] {stray[0], misaligned[0]}) if (p != null) checks.add(p);
            if (!arrived) checks.add(new Check(false, "it never reached the strand's entry " + hex(STRAND_ENTRY) + ": " + end));
            return new Result(file, symbol, steps, arrived, end, initial, contexts,
                    List.of(new Switch(1, "main", "strand", arrived, checks)));
        }
    }

    private static String describe(Assembly a, long pc) {
        return a.lineAt(pc) != null ? a.describe(pc) : hex(pc);
    }

    /** 0xa019191919191919 for the strand's x19. */
    static long strandValue(int n) {
        return 0xa0L << 56 | (memorable(n) & 0x00FF_FFFF_FFFF_FFFFL);
    }

    /** 0x1919191919191919 for x19: a value a reader recognises. */
    static long memorable(int n) {
        long b = Long.parseLong(Integer.toString(n % 100), 16);
        long v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | b;
        return v;
    }

    private static Step step(Assembly a, int number, long pc, long[] before, long[] after, List<Write> writes) {
        List<Change> changes = new ArrayList<>();
        for (int i = 0; i < SHOWN.length; i++) {
            if (before[i] != after[i]) changes.add(new Change(NAMES[i], before[i], after[i]));
        }
        Assembly.Line l = a.lineAt(pc);
        String text = l == null ? "" : l.text().strip();
        return new Step(number, pc, l == null ? hex(pc) : l.where().toString(), text, changes, List.copyOf(writes),
                explain(text, changes, writes));
    }

    private static String explain(String text, List<Change> changes, List<Write> writes) {
        List<String> parts = new ArrayList<>();
        for (Write w : writes) {
            if (w.name().startsWith("save.")) parts.add("stores into " + w.name() + " (offset " + hex(w.address() - SAVE) + ")");
            else parts.add("writes " + w.name());
        }
        for (Change c : changes) {
            String from = slotHolding(c.after(), c.register());
            if (c.register().equals("sp")) {
                parts.add("sp now points into " + region(c.after()));
            } else if (from != null) {
                parts.add(c.register() + " = " + from);
            }
        }
        if (text.startsWith("ret")) parts.add("ret jumps to x30");
        if (text.startsWith("msr") && text.contains("fpcr")) parts.add("FPCR switched");
        return String.join("; ", parts);
    }

    private static String slotHolding(long value, String register) {
        if (register.equals("x" + 30) && value == STRAND_ENTRY) return "restore.x30, the strand's entry";
        if (register.matches("x(19|2\\d)") && value == strandValue(Integer.parseInt(register.substring(1)))) {
            return "restore." + register + " (the strand's preset)";
        }
        return null;
    }

    static String region(long a) {
        if (a >= STRAND_STACK && a <= STRAND_STACK + STRAND_STACK_SIZE) return "the strand's stack (top " + hex(STRAND_STACK + STRAND_STACK_SIZE) + ")";
        if (a >= MAIN_STACK && a <= MAIN_STACK + 0x1000) return "main's stack";
        return hex(a);
    }

    static String name(long address, int size) {
        for (long[] ctx : new long[][] {{SAVE, 0}, {RESTORE, 1}}) {
            long off = address - ctx[0];
            if (off >= 0 && off < Arm64Layout.SIZE) {
                String base = ctx[1] == 0 ? "save." : "restore.";
                return Arm64Layout.Slot.at(off).map(s -> base + s.label() + (off % 8 == 0 ? "" : "+" + off % 8))
                        .orElse(base + hex(off));
            }
        }
        if (address >= MAIN_STACK && address < MAIN_STACK + 0x1000) return "main's stack [sp" + signed(address - MAIN_SP) + "]";
        return hex(address);
    }

    private static String signed(long d) {
        return d >= 0 ? "+" + hex(d) : "-" + hex(-d);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The trace as text, one block per instruction. */
    public static String text(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("trace of %s in %s (arm64): main -> a fresh strand made by makecontext%n", r.symbol(), r.file()));
        sb.append(String.format("  x0 = save %s, x1 = restore %s, lr = %s (main resumes here), sp = %s; strand entry %s%n%n",
                hex(SAVE), hex(RESTORE), hex(MAIN_RESUMES), hex(MAIN_SP), hex(STRAND_ENTRY)));
        for (Step s : r.steps()) {
            sb.append(String.format("%3d  %s  %-32s %s%n", s.number(), hex(s.pc()), s.line(), s.text()));
            for (Write w : s.writes()) sb.append(String.format("       write %-14s %s (%d bytes)%n", w.name(), hex(w.value()), w.size()));
            for (Change c : s.changes()) sb.append(String.format("       %-5s %s -> %s%n", c.register(), hex(c.before()), hex(c.after())));
            if (!s.explanation().isEmpty()) sb.append("       = ").append(s.explanation()).append('\n');
        }
        sb.append('\n').append(r.arrived() ? "" : "FAULT: ").append(r.end()).append('\n');
        if (!r.switches().isEmpty()) {
            Arm64ConventionTracer.switchesText(sb, r.switches());
            sb.append(String.format("%nverdict: %s%n", r.right() ? "✓ the switch did what " + Conventions.DEFAULT_ARM64 + " says"
                    : "✗ the switch is wrong under " + Conventions.DEFAULT_ARM64));
        }
        return sb.toString();
    }

    /** The trace as a JSON-ready map. */
    public static Map<String, Object> json(Result r) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("arch", "arm64");
        j.put("file", r.file());
        j.put("symbol", r.symbol());
        j.put("arrived", r.arrived());
        j.put("end", r.end());
        j.put("steps", r.steps().stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("step", s.number());
            m.put("pc", hex(s.pc()));
            m.put("line", s.line());
            m.put("text", s.text());
            Map<String, Object> ch = new LinkedHashMap<>();
            for (Change c : s.changes()) ch.put(c.register(), Map.of("before", hex(c.before()), "after", hex(c.after())));
            m.put("registers", ch);
            m.put("writes", s.writes().stream().map(w -> Map.of("address", hex(w.address()), "size", w.size(),
                    "value", hex(w.value()), "name", w.name())).toList());
            m.put("explanation", s.explanation());
            return m;
        }).toList());
        if (!r.switches().isEmpty()) {
            j.put("switches", Arm64ConventionTracer.switchesJson(r.switches()));
            j.put("verdict", r.right());
        }
        return j;
    }
}
