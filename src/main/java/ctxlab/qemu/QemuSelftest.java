package ctxlab.qemu;

import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.selftest.Arm64Selftest;
import ctxlab.selftest.Backend;
import ctxlab.selftest.Outcome;
import ctxlab.vectors.Arm64Vector;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ctxlab selftest --arch arm64 --qemu}: the six scenarios as in emulation, with every call of
 * a scenario's main routine also run under qemu-aarch64. The scenario's machine is set up in Unicorn
 * as always (contexts made by makecontext, stacks, inputs); just before the call, every region's
 * bytes go into a generated program ({@link Program}: the same as for a vector, with the main
 * routine as the entry, x0 = the scenario block, a fresh stack and the landing as lr), which GNU as
 * and ld link with the routine and the strand bodies at 0x400000. The scenario's checks then judge
 * qemu's bytes, and every byte in which they differ from Unicorn's run of the same call is named.
 */
public final class QemuSelftest {
    private QemuSelftest() {}

    public record Report(int exit, Map<String, Object> json, List<String> text) {
        public void print(PrintWriter out) {
            text.forEach(out::println);
        }
    }

    /**
     * @param sources  the routine and the strand bodies, as {@link Arm64Selftest#sources} gives them
     * @param keystone their assembly as one unit at 0x400000 ({@link Arm64Selftest#assemble})
     */
    public static Report run(List<SourceFile> sources, Assembly keystone, String display, Duration timeout) {
        Tools tools = Tools.find();
        QemuVectors.refuseSystemCalls(keystone, display);
        long start = System.nanoTime();
        List<Outcome> unicorn = Arm64Selftest.run(keystone);
        Path dir = Workdir.create();
        List<Arm64Selftest.Paired> paired;
        try {
            // One unit, as Keystone assembled it: the files' texts in order.
            StringBuilder unit = new StringBuilder();
            for (SourceFile f : sources) unit.append(f.text()).append('\n');
            Path object = QemuSide.assembleRoutine(tools, dir, display + " and the strand bodies", unit.toString());
            QemuSide qemu = new QemuSide(tools, dir, object, timeout);
            paired = Arm64Selftest.run(keystone, (before, entry, sp, lr, x0) -> call(qemu, keystone, before, entry, sp, lr, x0));
        } finally {
            Workdir.delete(dir);
        }
        double ms = (System.nanoTime() - start) / 1e6;

        List<String> rows = new ArrayList<>(), failures = new ArrayList<>();
        String format = "%-24s %-8s %-8s %s";
        rows.add(String.format(format, "scenario", "unicorn", "qemu", "same"));
        List<Map<String, Object>> scenarios = new ArrayList<>();
        int passed = 0, mismatches = 0;
        for (int i = 0; i < paired.size(); i++) {
            Outcome u = unicorn.get(i), p = paired.get(i).outcome();
            // Its counts are Unicorn's (which ran the same call alongside): qemu's own cannot be seen.
            Outcome q = new Outcome(p.name(), p.passed(), -1, -1, p.time(), p.failures(), p.notes());
            List<String> differences = paired.get(i).differences();
            boolean compared = paired.get(i).compared(), same = differences.isEmpty();
            boolean ok = u.passed() && q.passed() && same;
            if (ok) passed++;
            if (!same) mismatches++;
            rows.add(String.format(format, u.name(), u.passed() ? "PASS" : "FAIL", q.passed() ? "PASS" : "FAIL",
                    !compared ? "-" : same ? "yes" : "NO"));
            if (!ok) {
                failures.add("");
                failures.add("FAIL " + u.name());
                u.failures().forEach(f -> failures.add("  unicorn: " + f));
                q.failures().forEach(f -> failures.add("  qemu: " + f));
                differences.forEach(d -> failures.add("  " + d + " (qemu)"));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", u.name());
            m.put("passed", ok);
            m.put("unicorn", u.toJson());
            m.put("qemu", q.toJson());
            m.put("same", compared ? same : null);
            m.put("differences", differences);
            scenarios.add(m);
        }
        List<String> text = new ArrayList<>();
        text.add("selftest of " + display + " under qemu-aarch64 " + tools.qemuVersion() + " -cpu " + QemuSide.CPU
                + " (linked by " + Tools.LD + " at " + Program.hex(Program.CODE_BASE) + "), each main routine call also in Unicorn "
                + ctxlab.emu.Machine.unicornVersion() + " from the same bytes, every mapped byte compared");
        text.add("");
        text.addAll(rows);
        text.addAll(failures);
        text.add("");
        text.add(String.format("%d passed, %d failed (%d qemu/unicorn mismatches) in %.1f s", passed, paired.size() - passed,
                mismatches, ms / 1000));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("backend", "qemu");
        json.put("arch", "arm64");
        json.put("qemu", tools.qemuVersion());
        json.put("cpu", QemuSide.CPU);
        json.put("scenarios", scenarios);
        json.put("mismatches", mismatches);
        json.put("passed", passed == paired.size());
        json.put("timeMs", ms);
        return new Report(passed == paired.size() ? 0 : 1, json, text);
    }

    /** One call under qemu: the regions become a vector whose stop is lr; its bytes after the call, in order. */
    private static List<byte[]> call(QemuSide qemu, Assembly keystone, List<Arm64Selftest.Region> before, long entry, long sp,
                                     long lr, long x0) {
        List<Arm64Vector.Region> regions = new ArrayList<>();
        List<Arm64Vector.Bytes> memory = new ArrayList<>();
        for (int i = 0; i < before.size(); i++) {
            Arm64Selftest.Region r = before.get(i);
            regions.add(new Arm64Vector.Region("r" + i, r.address(), r.bytes().length));
            memory.addAll(nonZero(r.address(), r.bytes()));
        }
        Map<String, Long> registers = new LinkedHashMap<>();
        registers.put("x0", x0);
        registers.put("x30", lr);
        registers.put("sp", sp);
        String symbol = symbolAt(keystone, entry);
        Arm64Vector v = new Arm64Vector(symbol, "", regions, memory, registers, new Arm64Vector.Expect(lr, Map.of(), List.of(), null));
        QemuSide.Run r = qemu.run(v, symbol, keystone.size());
        if (r.error() != null) throw new Backend.ScenarioFault("under qemu: " + r.error(), null);
        List<String> code = r.code() == null ? List.of() : QemuVectors.code(keystone, r.code(), entry, r.entry(), symbol);
        if (!code.isEmpty()) throw new Backend.ScenarioFault("under qemu: " + code.getFirst(), null);
        State s = r.state();
        switch (s.outcome()) {
            case FAULT -> throw new Backend.ScenarioFault("under qemu: " + s.fault().label() + " at " + Program.hex(s.fault().address())
                    + " (pc " + Program.hex(s.fault().pc()) + (keystone.lineAt(s.fault().pc()) != null ? " = " + keystone.describe(s.fault().pc()) : "")
                    + ")", null);
            case NO_STOP -> throw new Backend.ScenarioFault("under qemu: " + s.note(), null);
            case LANDED -> {
                return regions.stream().map(x -> s.memory().get(x.name())).toList();
            }
        }
        throw new IllegalStateException();
    }

    /** The bytes worth writing: runs of 16-byte chunks that are not all zero (stacks are mostly zero). */
    static List<Arm64Vector.Bytes> nonZero(long address, byte[] b) {
        List<Arm64Vector.Bytes> out = new ArrayList<>();
        int from = -1;
        for (int at = 0; at <= b.length; at += 16) {
            boolean zero = at == b.length || java.util.stream.IntStream.range(at, Math.min(b.length, at + 16)).allMatch(k -> b[k] == 0);
            if (!zero && from < 0) from = at;
            if (zero && from >= 0) {
                out.add(new Arm64Vector.Bytes(address + from, java.util.Arrays.copyOfRange(b, from, at)));
                from = -1;
            }
        }
        return out;
    }

    private static String symbolAt(Assembly a, long address) {
        return a.symbols().values().stream().filter(s -> a.base() + s.offset() == address).map(Assembly.Symbol::name)
                .findFirst().orElseThrow(() -> new QemuException("no symbol at " + Program.hex(address)));
    }
}
