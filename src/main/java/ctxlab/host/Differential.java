package ctxlab.host;

import ctxlab.asm.Assembly;
import ctxlab.selftest.Backend;
import ctxlab.selftest.EmulatedBackend;
import ctxlab.selftest.Outcome;
import ctxlab.selftest.Scenario;
import ctxlab.selftest.Selftest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scenario, two backends: runs a selftest scenario in Unicorn and on the host CPU and compares
 * what each left behind — pass/fail, the failures and notes, and the result words of the
 * scenario block (0x100–0x2F8).
 *
 * <p>Addresses differ between the two memories by design, so a result word that points into an
 * allocation of the scenario is compared as "allocation #i + offset". Main's stack pointer
 * (simple-switch stores it before and after its switch) lives on a stack the backend owns
 * — Unicorn's main stack, the Java thread's stack on the host — and is compared as the
 * difference of the two words, which must be 0 on both.
 */
public final class Differential {
    /** Results of the scenario block that are compared, as offsets (see asm/strands/README.md). */
    static final int FIRST_RESULT = 0x100, END_RESULTS = 0x300;
    /** Words holding main's own stack pointer, per scenario: compared as a difference. */
    static final Map<String, Set<Integer>> MAIN_STACK_WORDS = Map.of(
            "simple-switch", Set.of(0x1b0, 0x1b8), "stack-size-validation", Set.of(0x1b0, 0x1b8));

    /**
     * Result words holding MXCSR values (two 4-byte records in one word for floating-point), and
     * the bits compared: the control bits only. The psABI makes MXCSR's status flags (bits 0-5)
     * caller-saved, and a real CPU sets PE on an inexact cvtsd2si where Unicorn 2.0.1 does not.
     */
    static final long MXCSR_CONTROL = ~0x3FL, TWO_MXCSR_CONTROL = ~0x0000003F_0000003FL;
    static final Map<String, Map<Integer, Long>> MXCSR_WORDS = Map.of(
            "simple-switch", Map.of(0x110, MXCSR_CONTROL, 0x1c0, MXCSR_CONTROL),
            "stack-size-validation", Map.of(0x110, MXCSR_CONTROL, 0x1c0, MXCSR_CONTROL),
            "floating-point", Map.of(0x2a0, TWO_MXCSR_CONTROL, 0x2a8, TWO_MXCSR_CONTROL,
                    0x2b0, TWO_MXCSR_CONTROL, 0x2b8, TWO_MXCSR_CONTROL));

    private Differential() {}

    /**
     * @param words       the result words, normalized ("0x108: a1+0xff8" or "0x100: 0x1")
     */
    public record Snapshot(List<String> words) {}

    public record Result(String name, Outcome unicorn, Outcome host, List<String> differences) {
        public boolean same() {
            return differences.isEmpty();
        }

        public boolean passed() {
            return host.passed() && same();
        }
    }

    /** Runs the scenario in Unicorn on {@code emulated} (same bytes, same base) and then on the host. */
    public static Result run(Scenario scenario, Assembly emulated, HostCode code) {
        Outcome u;
        Snapshot su;
        try (Recording b = new Recording(new EmulatedBackend(emulated, Selftest.SWITCH))) {
            u = scenario.execute(b);
            su = b.snapshot(scenario.name());
        }
        Outcome h;
        Snapshot sh;
        try (Recording b = new Recording(new HostBackend(code))) {
            h = scenario.execute(b);
            sh = b.snapshot(scenario.name());
        }
        return new Result(scenario.name(), u, h, compare(u, su, h, sh));
    }

    static List<String> compare(Outcome u, Snapshot su, Outcome h, Snapshot sh) {
        List<String> d = new ArrayList<>();
        if (u.passed() != h.passed()) d.add("unicorn " + verdict(u) + ", host " + verdict(h));
        if (!labels(u.failures()).equals(labels(h.failures()))) {
            d.add("failures differ: unicorn " + u.failures() + ", host " + h.failures());
        }
        if (!u.notes().equals(h.notes())) d.add("notes differ: unicorn " + u.notes() + ", host " + h.notes());
        for (int i = 0; i < Math.max(su.words().size(), sh.words().size()); i++) {
            String a = i < su.words().size() ? su.words().get(i) : "-";
            String b = i < sh.words().size() ? sh.words().get(i) : "-";
            if (!a.equals(b)) d.add("result word " + a + " in unicorn, " + b + " on the host");
        }
        return d;
    }

    private static String verdict(Outcome o) {
        return o.passed() ? "passed" : "failed";
    }

    /** "main r13 after switching" of "main r13 after switching: expected 0x…, got 0x…": values may be addresses. */
    private static List<String> labels(List<String> failures) {
        return failures.stream().map(f -> f.contains(": expected") ? f.substring(0, f.indexOf(": expected")) : f).toList();
    }

    /** A backend that remembers its allocations, so results can be read relative to them. */
    static final class Recording implements Backend {
        private final Backend inner;
        private final List<long[]> allocations = new ArrayList<>();

        Recording(Backend inner) {
            this.inner = inner;
        }

        @Override public String name() { return inner.name(); }

        @Override
        public long allocate(long size) {
            long a = inner.allocate(size);
            allocations.add(new long[] {a, size});
            return a;
        }

        @Override public long symbol(String name) { return inner.symbol(name); }
        @Override public Run call(String symbol, long... args) { return inner.call(symbol, args); }
        @Override public void writeLong(long address, long value) { inner.writeLong(address, value); }
        @Override public long readLong(long address) { return inner.readLong(address); }
        @Override public void writeInt(long address, int value) { inner.writeInt(address, value); }
        @Override public int readInt(long address) { return inner.readInt(address); }
        @Override public void close() { inner.close(); }

        /** The scenario block is the scenario's first allocation. */
        Snapshot snapshot(String scenario) {
            if (allocations.isEmpty()) return new Snapshot(List.of());
            long block = allocations.get(0)[0];
            Set<Integer> mainStack = MAIN_STACK_WORDS.getOrDefault(scenario, Set.of());
            Map<Integer, Long> mxcsr = MXCSR_WORDS.getOrDefault(scenario, Map.of());
            List<String> words = new ArrayList<>();
            Long firstMainRsp = null;
            for (int off = FIRST_RESULT; off < END_RESULTS; off += 8) {
                long v = inner.readLong(block + off);
                String shown;
                if (mainStack.contains(off)) {
                    if (firstMainRsp == null) firstMainRsp = v;
                    shown = "main rsp" + (v == firstMainRsp ? "" : String.format(" %+d", v - firstMainRsp));
                } else if (mxcsr.containsKey(off)) {
                    shown = String.format("0x%x (MXCSR control bits)", v & mxcsr.get(off));
                } else {
                    shown = relative(v);
                }
                words.add(String.format("0x%03x: %s", off, shown));
            }
            return new Snapshot(words);
        }

        private String relative(long v) {
            for (int i = 0; i < allocations.size(); i++) {
                long[] a = allocations.get(i);
                if (v >= a[0] && v <= a[0] + a[1]) return String.format("allocation%d+0x%x", i, v - a[0]);
            }
            return String.format("0x%x", v);
        }
    }

}
