package ctxlab.trace;

import ctxlab.asm.SourceLocation;
import java.util.List;
import java.util.Map;

/**
 * A finished trace: what was set up, every step, and why it ended. Values, not behaviour: the
 * formats ({@link TextFormat}, {@link JsonFormat}, {@link HtmlFormat}) only read it.
 *
 * @param registerNames    the registers of {@code initialRegisters}, in display order
 * @param windows          memory the trace shows (contexts, stack windows) as it was before step 1;
 *                         replaying each step's writes over them gives the memory at any step
 * @param sources          file name (as in {@link SourceLocation#file()}) to its full text, for
 *                         the files the trace went through
 * @param symbols          names of code addresses: the assembly's symbols and the setup's labels
 */
public record Trace(String title, String routine, List<Region> regions, List<String> registerNames,
                    Map<String, Long> initialRegisters, List<Window> windows, List<Step> steps, End end,
                    Map<String, String> sources, Map<Long, String> symbols, List<Arrival> arrivals,
                    TraceLayout layout, List<Frame> frames) {

    public Trace(String title, String routine, List<Region> regions, List<String> registerNames,
                 Map<String, Long> initialRegisters, List<Window> windows, List<Step> steps, End end,
                 Map<String, String> sources, Map<Long, String> symbols) {
        this(title, routine, regions, registerNames, initialRegisters, windows, steps, end, sources, symbols, List.of());
    }

    public Trace(String title, String routine, List<Region> regions, List<String> registerNames,
                 Map<String, Long> initialRegisters, List<Window> windows, List<Step> steps, End end,
                 Map<String, String> sources, Map<Long, String> symbols, List<Arrival> arrivals) {
        this(title, routine, regions, registerNames, initialRegisters, windows, steps, end, sources, symbols, arrivals,
                CemLayout.INSTANCE, List.of());
    }

    /**
     * A frame convention's storage on a stack (Boost's): where it lies and while it holds a
     * suspended context, from position {@code from} (0: before step 1) to position {@code to}
     * (the step of the switch that resumed it, or the last step).
     *
     * @param name "main frame", "strand frame"
     */
    public record Frame(String name, long base, int size, int from, int to) {}

    /** Whether every completed switch arrived right (true when there was none). */
    public boolean arrivedRight() {
        return arrivals.stream().allMatch(Arrival::ok);
    }

    /** The trace is fine: it ended normally (or as its vector expects) and every switch arrived right. */
    public boolean ok() {
        return (end.reason().ok() || end.expected()) && arrivedRight();
    }

    /**
     * The verdict on one completed switch: every preserved register and slot, on the restore side
     * (the CPU after the switch against what the restore context held) and the save side (the save
     * context against the registers at entry).
     *
     * @param number    1-based switch number
     * @param firstStep the routine's first step, @param lastStep its last (the one leaving it)
     */
    public record Arrival(int number, int firstStep, int lastStep, String save, String restore, List<Check> checks) {
        public Arrival {
            checks = List.copyOf(checks);
        }

        public boolean ok() {
            return checks.stream().allMatch(Check::ok);
        }
    }

    /**
     * One line of a verdict.
     *
     * @param side     "restore" (what the CPU holds after the switch) or "save" (what the save context holds)
     * @param name     the register or slot ("rbx", "save.r13", "rip")
     * @param expected the value it should have, @param actual the value it has
     * @param blame    the step to blame for a failed check (the last one that set it), 0 when none did
     * @param text     the whole line in words, without the ✓/✗
     */
    public record Check(String side, String name, boolean ok, long expected, long actual, int blame, String text) {}

    public Trace {
        regions = List.copyOf(regions);
        registerNames = List.copyOf(registerNames);
        initialRegisters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(initialRegisters));
        windows = List.copyOf(windows);
        steps = List.copyOf(steps);
        sources = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sources));
        symbols = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(symbols));
        arrivals = List.copyOf(arrivals);
        frames = List.copyOf(frames);
    }

    /** Initial bytes of memory at {@code base} (a context or part of a stack). */
    public record Window(String region, long base, byte[] bytes) {}

    /**
     * One executed instruction and what it did.
     *
     * @param where     source line, null outside the assembly
     * @param source    the statement as assembled ("movq %rbx, 0(%rdi)")
     * @param sourceLine the whole line of the file, comment included, when the file is known
     * @param registers general registers and MXCSR that changed (not rip, not rflags)
     * @param writes    memory written, in order
     * @param reads     memory read (data, not instruction fetch), in order
     * @param mxcsr     MXCSR before and after, only when it changed
     * @param stack     the active stack around rsp after the step, null when rsp is in no stack
     * @param next      where execution goes after this step
     * @param bindings  the switch routine's arguments while it runs: "save"/"restore" to the
     *                  name of the context they point to (empty outside the routine)
     * @param warnings  what the step did that a switch must not: a write outside the save context,
     *                  into the restore context, a register stored in another register's slot
     * @param switchNumber the switch this step belongs to (1-based) while the routine runs, else 0
     */
    public record Step(int number, long address, byte[] bytes, String symbol, SourceLocation where, String source,
                       String sourceLine,
                       List<RegChange> registers, List<FlagChange> flags, List<Access> writes, List<Access> reads,
                       MxcsrChange mxcsr, List<String> explanation, StackView stack, long next,
                       Map<String, String> bindings, List<String> warnings, int switchNumber) {}

    public record RegChange(String name, long before, long after) {}

    public record FlagChange(String name, int before, int after) {}

    /** A memory access; {@code before} is the old value for writes (equal to value for reads). */
    public record Access(long address, int size, long value, long before, String name) {}

    public record MxcsrChange(Mxcsr before, Mxcsr after) {}

    /** Stack slots around rsp, lowest address first. */
    public record StackView(String region, long rsp, List<StackSlot> slots) {}

    /** @param offset relative to rsp ("rsp", "rsp+8", "rsp-8"); @param note what the value is, if known */
    public record StackSlot(long address, String offset, long value, String note) {}

    public enum Reason {
        /** Reached a stop address (the strand entry, the caller): the normal end. */
        REACHED,
        /** Stopped on purpose before the next switch (--switches). */
        SWITCH_LIMIT,
        /** The instruction budget ran out: a runaway routine. */
        BUDGET,
        /** The CPU faulted (unmapped access, invalid instruction, …). */
        FAULT;

        public boolean ok() {
            return this == REACHED || this == SWITCH_LIMIT;
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param address  where execution stood when the trace ended; @param where its description
     * @param expected the end is what the traced vector expects (a fault it expects, say)
     */
    public record End(Reason reason, String message, long address, String where, boolean expected) {
        public End(Reason reason, String message, long address, String where) {
            this(reason, message, address, where, false);
        }
    }
}
