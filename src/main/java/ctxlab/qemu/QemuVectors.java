package ctxlab.qemu;

import ctxlab.asm.Assembly;
import ctxlab.emu.Arm64Machine;
import ctxlab.vectors.Arm64Vector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * {@code ctxlab vectors --arch arm64 --qemu}: every AArch64 vector runs twice, in Unicorn on
 * Keystone's bytes and under qemu-aarch64 on GNU as's bytes of the same source, both at 0x400000
 * with the vector's regions at the vector's addresses, and the two end states are compared bit for
 * bit (every register the vector observes, the pc, every byte of every region, the code bytes
 * themselves), each also against the vector's expectations.
 *
 * <p>Faults: both sides stop at the faulting instruction. Compared: the cause (unmapped or
 * protection: SIGSEGV's si_code), the fault address (si_addr), the pc, every register and region byte
 * at the fault. Read or write is compared only when the signal frame carries an ESR record (Linux's
 * does; qemu-user 7.2's does not), fetch is told by the address being the pc.
 */
public final class QemuVectors {
    /** Per qemu run: a routine call takes microseconds and qemu starts in tens of milliseconds. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private QemuVectors() {}

    /** A vector and how to name its file. */
    public record Input(Arm64Vector vector, String display) {}

    /** What the command prints and returns: exit 0 all agree and pass, 1 otherwise. */
    public record Report(int exit, Map<String, Object> json, List<String> text) {
        public void print(PrintWriter out) {
            text.forEach(out::println);
        }
    }

    /**
     * @param routine      the routine's display name and source text (what Keystone assembled)
     * @param keystone     Keystone's assembly of it at 0x400000 (what Unicorn runs)
     * @param symbol       the entry symbol
     */
    public static Report run(List<Input> vectors, String routine, String source, Assembly keystone, String symbol, Duration timeout) {
        Tools tools = Tools.find();
        refuseSystemCalls(keystone, routine);
        long entry = keystone.address(symbol);
        long start = System.nanoTime();
        Path dir = Workdir.create();
        List<Map<String, Object>> results = new ArrayList<>();
        List<String> rows = new ArrayList<>(), failures = new ArrayList<>();
        int width = Math.max(30, vectors.stream().mapToInt(i -> i.vector().name().length()).max().orElse(0));
        String format = "%-" + width + "s  %-7s  %-7s  %s";
        rows.add(String.format(format, "vector", "unicorn", "qemu", "same"));
        int passed = 0, mismatches = 0, errors = 0;
        boolean esrSeen = false, faultSeen = false;
        try {
            Path object = QemuSide.assembleRoutine(tools, dir, routine, source);
            QemuSide qemu = new QemuSide(tools, dir, object, timeout);
            for (Input in : vectors) {
                Arm64Vector v = in.vector();
                List<String> unicornDiffs = v.run(keystone.code(), entry, keystone::describe);
                State u = UnicornSide.observe(v, keystone.code(), entry);
                QemuSide.Run q = qemu.run(v, symbol, keystone.size());
                List<String> qemuDiffs = new ArrayList<>(), differences = new ArrayList<>();
                if (q.error() != null) {
                    qemuDiffs.add(q.error());
                    errors++;
                } else {
                    if (q.state().fault() != null) {
                        faultSeen = true;
                        esrSeen |= q.state().fault().access() != null && !q.state().fault().access().equals("fetch");
                    }
                    if (q.code() != null) differences.addAll(code(keystone, q.code(), entry, q.entry(), symbol));
                    qemuDiffs.addAll(expectation(v, q.state(), keystone::describe));
                    differences.addAll(differences(v, u, q.state()));
                }
                boolean same = q.error() == null && differences.isEmpty();
                boolean ok = unicornDiffs.isEmpty() && qemuDiffs.isEmpty() && same;
                if (ok) passed++;
                if (q.error() == null && !same) mismatches++;
                List<String> diffs = new ArrayList<>();
                unicornDiffs.forEach(d -> diffs.add("unicorn: " + d));
                qemuDiffs.forEach(d -> diffs.add("qemu: " + d));
                diffs.addAll(differences);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", v.name());
                m.put("file", in.display());
                m.put("passed", ok);
                m.put("unicorn", side(unicornDiffs.isEmpty(), unicornDiffs, u.summary()));
                m.put("qemu", side(q.error() == null && qemuDiffs.isEmpty(), qemuDiffs, q.error() == null ? q.state().summary() : null));
                m.put("same", q.error() == null ? same : null);
                m.put("differences", differences);
                m.put("diffs", diffs);
                results.add(m);
                rows.add(String.format(format, v.name(), unicornDiffs.isEmpty() ? "PASS" : "FAIL",
                        q.error() != null ? "ERROR" : qemuDiffs.isEmpty() ? "PASS" : "FAIL", q.error() != null ? "-" : same ? "yes" : "NO"));
                if (!ok) {
                    failures.add("");
                    failures.add("FAIL " + v.name() + " (" + in.display() + ")");
                    diffs.forEach(d -> failures.add("  " + d));
                }
            }
        } finally {
            Workdir.delete(dir);
        }
        double ms = (System.nanoTime() - start) / 1e6;
        int failed = vectors.size() - passed;
        List<String> text = new ArrayList<>();
        text.add(vectors.size() + " vectors under qemu-aarch64 " + tools.qemuVersion() + " -cpu " + QemuSide.CPU + " (" + routine + " assembled by "
                + Tools.AS + ", linked static at " + Program.hex(Program.CODE_BASE) + "), each also in Unicorn "
                + ctxlab.emu.Machine.unicornVersion() + " on Keystone's bytes, compared bit for bit");
        text.add("");
        text.addAll(rows);
        text.addAll(failures);
        String faults = faultSeen && !esrSeen ? "faults: signal, cause (si_code), address (si_addr), pc and every register and byte at the"
                + " fault compared; read or write not compared (this qemu's signal frame has no ESR record)" : null;
        if (faults != null) {
            text.add("");
            text.add(faults);
        }
        text.add("");
        text.add(String.format("%d passed, %d failed (%d qemu/unicorn mismatches, %d not run under qemu) in %.1f s",
                passed, failed, mismatches, errors, ms / 1000));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("backend", "qemu");
        json.put("arch", "arm64");
        json.put("qemu", tools.qemuVersion());
        json.put("cpu", QemuSide.CPU);
        json.put("routine", routine);
        json.put("total", vectors.size());
        json.put("passed", passed);
        json.put("failed", failed);
        json.put("mismatches", mismatches);
        json.put("errors", errors);
        json.put("faultAccessCompared", !faultSeen || esrSeen);
        json.put("results", results);
        json.put("timeMs", ms);
        return new Report(failed == 0 ? 0 : 1, json, text);
    }

    private static Map<String, Object> side(boolean passed, List<String> diffs, String outcome) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("passed", passed);
        m.put("outcome", outcome);
        m.put("diffs", diffs);
        return m;
    }

    /**
     * A system call from the routine would reach this machine's kernel through qemu-user (which
     * forwards them): refuse any word that encodes svc, hvc or smc, naming its line.
     */
    static void refuseSystemCalls(Assembly a, String routine) {
        byte[] c = a.code();
        for (int at = 0; at + 4 <= c.length; at += 4) {
            int w = (c[at] & 0xFF) | (c[at + 1] & 0xFF) << 8 | (c[at + 2] & 0xFF) << 16 | (c[at + 3] & 0xFF) << 24;
            int op = w & 0xFFE0001F;
            if (op == 0xD4000001 || op == 0xD4000002 || op == 0xD4000003) {
                String name = op == 0xD4000001 ? "svc" : op == 0xD4000002 ? "hvc" : "smc";
                long address = a.base() + at;
                String where = a.lineAt(address) != null ? a.describe(address) : routine + " at " + Program.hex(address);
                throw new QemuException(where + ": " + name + " (a system call): under qemu-user it would reach this machine's"
                        + " kernel, so --qemu does not run this routine");
            }
        }
    }

    /** GNU as's bytes (as the program read them at 0x400000) against Keystone's, and the entry as linked. */
    static List<String> code(Assembly keystone, byte[] gnu, long entry, long gnuEntry, String symbol) {
        List<String> d = new ArrayList<>();
        byte[] k = keystone.code();
        for (int at = 0; at < k.length; at += 4) {
            int w = Math.min(4, k.length - at);
            if (!java.util.Arrays.equals(k, at, at + w, gnu, at, at + w)) {
                d.add(String.format("code+0x%x (%s): Keystone assembled 0x%s, %s 0x%s", at, keystone.describe(keystone.base() + at),
                        hex(k, at, w), Tools.AS, hex(gnu, at, w)));
                if (d.size() > 8) break;
            }
        }
        if (entry != gnuEntry) d.add(symbol + ": Keystone puts it at " + Program.hex(entry) + ", " + Tools.LD + " at " + Program.hex(gnuEntry));
        return d;
    }

    private static String hex(byte[] b, int from, int width) {
        StringBuilder s = new StringBuilder();
        for (int i = from + width - 1; i >= from; i--) s.append(String.format("%02x", b[i] & 0xFF));
        return s.toString();
    }

    /** qemu's end state against the vector's expectations, worded as {@link Arm64Vector#run} words Unicorn's. */
    static List<String> expectation(Arm64Vector v, State s, LongFunction<String> describe) {
        List<String> diffs = new ArrayList<>();
        Arm64Vector.Fault f = v.expect().fault();
        if (f != null) {
            if (s.outcome() != State.Outcome.FAULT) {
                diffs.add("expected a " + f.kind() + " fault at " + Program.hex(f.address()) + ", but "
                        + (s.outcome() == State.Outcome.LANDED ? "the call completed" : "it " + s.note()));
                return diffs;
            }
            State.Fault got = s.fault();
            String cause = UnicornSide.cause(f.kind()), access = UnicornSide.access(f.kind());
            if (!cause.equals(got.cause()) || access != null && got.access() != null && !access.equals(got.access())) {
                diffs.add("fault: expected " + f.kind() + ", got " + got.label() + (got.access() != null ? " (" + got.access() + ")" : ""));
            }
            if (got.address() != f.address()) diffs.add("fault address: expected " + Program.hex(f.address()) + ", got " + Program.hex(got.address()));
            if (got.pc() != f.pc()) {
                diffs.add("fault pc: expected " + Program.hex(f.pc()) + " (" + describe.apply(f.pc()) + "), got " + Program.hex(got.pc())
                        + " (" + describe.apply(got.pc()) + ")");
            }
            return diffs;
        }
        if (s.outcome() != State.Outcome.LANDED) {
            diffs.add("unexpected " + (s.outcome() == State.Outcome.FAULT ? "fault: " + s.summary() : "end: " + s.note()));
            return diffs;
        }
        if (s.pc() != v.expect().stop()) diffs.add("pc: expected " + Program.hex(v.expect().stop()) + ", got " + Program.hex(s.pc()));
        for (String name : Arm64Vector.compared()) {
            long want = v.expect().registers().getOrDefault(name, v.registers().getOrDefault(name, 0L));
            long got = s.registers().get(name);
            if (got != want) diffs.add(name + ": expected " + Program.hex(want) + ", got " + Program.hex(got));
        }
        for (Arm64Vector.Region r : v.regions()) {
            byte[] want = new byte[(int) r.size()];
            for (List<Arm64Vector.Bytes> layer : List.of(v.memory(), v.expect().memory())) {
                for (Arm64Vector.Bytes b : layer) {
                    for (int k = 0; k < b.bytes().length; k++) {
                        long a = b.address() + k;
                        if (a >= r.address() && a < r.address() + r.size()) want[(int) (a - r.address())] = b.bytes()[k];
                    }
                }
            }
            byte[] got = s.memory().get(r.name());
            for (int k = 0; k < got.length; k++) {
                if (got[k] != want[k]) {
                    diffs.add(String.format("%s+0x%x (0x%x): expected 0x%02x, got 0x%02x", r.name(), k, r.address() + k,
                            want[k] & 0xFF, got[k] & 0xFF));
                    if (diffs.size() > 20) return diffs;
                }
            }
        }
        return diffs;
    }

    /** Unicorn's end state against qemu's: {@code x19: expected 0x… (unicorn), got 0x… (qemu)}. */
    static List<String> differences(Arm64Vector v, State u, State q) {
        List<String> d = new ArrayList<>();
        if (u.outcome() != q.outcome()) {
            d.add("end: " + u.summary() + " (unicorn), " + q.summary() + " (qemu)");
            return d;
        }
        if (u.outcome() == State.Outcome.NO_STOP) return d;   // neither stopped: nothing to hold side by side
        if (u.outcome() == State.Outcome.FAULT) {
            State.Fault a = u.fault(), b = q.fault();
            if (!a.cause().equals(b.cause())) d.add("fault: " + a.label() + " (unicorn), " + b.label() + " (qemu)");
            if (a.access() != null && b.access() != null && !a.access().equals(b.access())) {
                d.add("fault access: " + a.access() + " (unicorn), " + b.access() + " (qemu)");
            }
            if (a.address() != b.address()) d.add("fault address: expected " + Program.hex(a.address()) + " (unicorn), got "
                    + Program.hex(b.address()) + " (qemu)");
        }
        if (u.pc() != q.pc()) d.add("pc: expected " + Program.hex(u.pc()) + " (unicorn), got " + Program.hex(q.pc()) + " (qemu)");
        for (String name : Arm64Vector.compared()) {
            long a = u.registers().get(name), b = q.registers().get(name);
            if (a != b) d.add(name + ": expected " + Program.hex(a) + " (unicorn), got " + Program.hex(b) + " (qemu)");
        }
        for (Arm64Vector.Region r : v.regions()) {
            byte[] a = u.memory().get(r.name()), b = q.memory().get(r.name());
            for (int c = 0; c < a.length; c += 8) {
                int w = Math.min(8, a.length - c);
                if (!java.util.Arrays.equals(a, c, c + w, b, c, c + w)) {
                    d.add(String.format("%s+0x%x (0x%x): expected 0x%s (unicorn), got 0x%s (qemu)", r.name(), c, r.address() + c,
                            hex(a, c, w), hex(b, c, w)));
                }
            }
        }
        return d;
    }

}
