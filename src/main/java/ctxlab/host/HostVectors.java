package ctxlab.host;

import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.vectors.Comparison;
import ctxlab.vectors.Linked;
import ctxlab.vectors.Observed;
import ctxlab.vectors.UnicornRunner;
import ctxlab.vectors.Vector;
import ctxlab.vectors.VectorException;
import ctxlab.vectors.VectorParser;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ctxlab vectors --host}: every vector safe on real hardware runs natively too, through
 * {@link HostHarness}, and must leave registers and memory exactly as Unicorn does
 * ({@link VectorReplay} says what is compared). It all runs in the crash-isolated child, on code
 * that passed the verification gate there; Unicorn runs the same vector in the child on the same
 * bytes at the same base. A vector that crashes the child is reported as a crash, and a fresh
 * child goes on with the vectors after it.
 */
public final class HostVectors {
    /** A JVM start, Keystone, the gate's six scenarios, and the vectors (milliseconds each). */
    public static final Duration TIMEOUT = Duration.ofSeconds(120);

    private HostVectors() {}

    /** What the command prints and returns. */
    public record Report(int exit, Json json, List<String> text) {}

    /**
     * What {@code vectors --host --json} prints, fields in this order.
     *
     * @param refused the gate's refusal, null when nothing was refused
     */
    public record Json(String backend, int total, int passed, int failed, int skipped, int mismatches, int crashes,
                       boolean verified, List<String> verifiers, String refused, List<ResultJson> results) {}

    /**
     * One vector. {@code unicorn}, {@code host}, {@code same} and {@code skipped} are null when it did not run
     * (a crash, a refusal); {@code host} and {@code same} when it was skipped natively.
     *
     * @param skipped "skipped (why)", or null
     * @param crash   the crash in words, or null
     */
    public record ResultJson(String name, ChildEvent.VectorUnicorn unicorn, ChildEvent.VectorHost host, Boolean same,
                             String skipped, String crash, boolean passed, List<String> diffs, String file) {}

    // ---------------------------------------------------------------- child side

    /** The child's {@code vectors FILE…} mode: one "vector" event per file, in order. */
    static int child(Events events, Path root, Assembly assembly, HostCode code, List<String> files) {
        UnicornRunner unicorn = new UnicornRunner(root);
        long codeEnd = assembly.base() + Pages.roundUp(assembly.size());
        boolean ok = true;
        for (int index = 0; index < files.size(); index++) {
            Path file = Path.of(files.get(index));
            Vector v = VectorParser.read(file, file.toString(), file.getFileName().toString());
            for (Vector.Region r : v.regions().values()) {
                if (r.base() < codeEnd && assembly.base() < r.end()) {
                    throw new VectorException(String.format("%s: region %s overlaps the host code at [0x%x, 0x%x)",
                            file, r.name(), assembly.base(), codeEnd));
                }
            }
            Linked l = Linked.link(v, assembly);
            Observed u = unicorn.execute(l);
            List<String> ud = Comparison.diffs(l, u);
            boolean unicornPassed = v.expect() != null && ud.isEmpty();
            var um = new ChildEvent.VectorUnicorn(unicornPassed, ud, u.fault() == null ? u.instructions() : null,
                    u.fault() == null ? null : u.fault().label);
            String skip = VectorReplay.skipReason(l);
            if (skip != null) {
                events.emit(new ChildEvent.Vector(index, v.name(), um, skip, null, null, List.of()));
                ok &= unicornPassed;
            } else {
                events.emit(new ChildEvent.Running("vector " + v.name(), index));
                Observed h = VectorReplay.host(l, code);
                List<String> hd = Comparison.diffs(l, h);
                List<String> differences = VectorReplay.differences(l, u, h);
                events.emit(new ChildEvent.Vector(index, v.name(), um, null, new ChildEvent.VectorHost(hd.isEmpty(), hd),
                        differences.isEmpty(), differences));
                ok &= unicornPassed && hd.isEmpty() && differences.isEmpty();
            }
        }
        events.emit(new ChildEvent.Done(ok));
        return ok ? 0 : 1;
    }

    // ---------------------------------------------------------------- parent side

    /**
     * @param vectors  read and checked (malformed files are the caller's exit 2)
     * @param routine  the switch routine for every vector (--asm), or null: each vector's {@code source}
     */
    public static Report run(Path root, List<Vector> vectors, Path routine, Duration timeout) {
        Host.require();
        // One child per switch routine: the host's unit of code is the routine plus the project's strand bodies.
        // Another convention's routine is its own unit (its file and the harness), verified under its convention.
        record Unit(Path file, String convention, String symbol, List<String> asm) {}
        Map<Unit, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < vectors.size(); i++) {
            Vector v = vectors.get(i);
            Path file = routine != null ? routine : ctxlab.vectors.Sources.resolve(root, v.source(), v.display(), "$.source");
            boolean cem = v.convention().name().equals(ctxlab.abi.Conventions.DEFAULT);
            groups.computeIfAbsent(new Unit(file, cem ? null : v.convention().name(), cem ? null : v.symbol(), cem ? List.of() : v.asm()),
                    k -> new ArrayList<>()).add(i);
        }
        ChildEvent.Vector[] events = new ChildEvent.Vector[vectors.size()];
        String[] crashes = new String[vectors.size()];
        String refusal = null;
        List<String> verifiers = new ArrayList<>();
        boolean verified = true;
        for (Map.Entry<Unit, List<Integer>> g : groups.entrySet()) {
            Unit unit = g.getKey();
            List<SourceFile> sources = unit.convention() == null ? HostSources.files(root, unit.file())
                    : HostSources.conventionFiles(root, unit.file(), unit.asm());
            List<Integer> pending = g.getValue();
            while (!pending.isEmpty()) {
                List<String> args = new ArrayList<>(List.of("vectors", root.toString(), unit.file().toString()));
                if (unit.convention() != null) {
                    args.addAll(List.of("--convention", unit.convention(), unit.symbol(), String.valueOf(unit.asm().size())));
                    args.addAll(unit.asm());
                }
                for (int i : pending) args.add(vectors.get(i).file().toAbsolutePath().toString());
                Isolation.ChildRun run = Isolation.run(args, List.of("-XX:TieredStopAtLevel=1"), timeout);
                run.throwIfError();
                ChildEvent.Code code = run.last(ChildEvent.Code.class).orElse(null);
                if (code != null && code.refused()) {
                    refusal = code.refusal();
                    verified = false;
                    break;
                }
                if (code != null) {
                    verified &= code.verified();
                    if (code.verifiers() != null) {
                        for (String n : code.verifiers()) if (!verifiers.contains(n)) verifiers.add(n);
                    }
                }
                for (ChildEvent.Vector e : run.all(ChildEvent.Vector.class)) {
                    if (e.index() < 0 || e.index() >= pending.size()) {
                        throw new HostException("the host child JVM reported vector " + e.index() + " of " + pending.size());
                    }
                    events[pending.get(e.index())] = e;
                }
                if (run.finished()) break;
                if (run.crash().isEmpty() && !run.timedOut()) {
                    throw new HostException("the host child JVM failed (exit " + run.exitCode() + "): " + run.lastStderrLine());
                }
                String why = run.crash().isPresent() ? Isolation.describe(run, sources)
                        : "the host child did not finish within " + timeout.toSeconds() + " s (a runaway routine?) and was killed";
                ChildEvent.Running running = run.last(ChildEvent.Running.class).orElse(null);
                if (running == null || running.index() == null) {
                    // Died before any vector ran natively: every vector still pending is reported with it.
                    for (int i : pending) if (events[i] == null) crashes[i] = why;
                    break;
                }
                int at = running.index();
                if (at < 0 || at >= pending.size()) {
                    throw new HostException("the host child JVM was running vector " + at + " of " + pending.size());
                }
                crashes[pending.get(at)] = why;
                pending = pending.subList(at + 1, pending.size());
            }
        }
        return report(vectors, events, crashes, refusal, verified, verifiers);
    }

    private static Report report(List<Vector> vectors, ChildEvent.Vector[] events, String[] crashes, String refusal,
                                 boolean verified, List<String> verifiers) {
        List<ResultJson> results = new ArrayList<>();
        List<String> rows = new ArrayList<>(), failures = new ArrayList<>();
        int width = Math.max(30, vectors.stream().mapToInt(v -> v.name().length()).max().orElse(0));
        String format = "%-" + width + "s  %-7s  %-7s  %s";
        rows.add(String.format(format, "vector", "unicorn", "host", "same"));
        int passed = 0, skipped = 0, crashed = 0, mismatched = 0;
        for (int i = 0; i < vectors.size(); i++) {
            Vector v = vectors.get(i);
            ChildEvent.Vector e = events[i];
            List<String> diffs = new ArrayList<>();
            boolean ok;
            String u, h, same;
            ResultJson m;
            if (e == null) {
                String why = crashes[i] != null ? crashes[i] : refusal != null ? refusal : "not run";
                diffs.add(why);
                ok = false;
                u = "-";
                h = crashes[i] != null ? "CRASH" : refusal != null ? "REFUSED" : "-";
                same = "-";
                if (crashes[i] != null) crashed++;
                m = new ResultJson(v.name(), null, null, null, null, crashes[i], ok, diffs, v.display());
            } else {
                ChildEvent.VectorUnicorn un = e.unicorn();
                ChildEvent.VectorHost hn = e.host();
                boolean unicornOk = un.passed();
                un.diffs().forEach(d -> diffs.add("unicorn: " + d));
                u = unicornOk ? "PASS" : "FAIL";
                String skip = e.skipped();
                if (skip != null) {
                    skipped++;
                    ok = unicornOk;
                    h = "skipped";
                    same = "-";
                } else {
                    boolean hostOk = hn.passed(), equal = e.same();
                    hn.diffs().forEach(d -> diffs.add("host: " + d));
                    diffs.addAll(e.differences());
                    ok = unicornOk && hostOk && equal;
                    h = hostOk ? "PASS" : "FAIL";
                    same = equal ? "yes" : "NO";
                    if (!equal) mismatched++;
                }
                m = new ResultJson(v.name(), un, hn, e.same(), skip == null ? null : "skipped (" + skip + ")", null, ok, diffs,
                        v.display());
            }
            results.add(m);
            if (ok) passed++;
            rows.add(String.format(format, v.name(), u, h, same));
            if (!ok) {
                failures.add("");
                failures.add("FAIL " + v.name() + " (" + v.display() + ")");
                diffs.forEach(d -> failures.add("  " + d));
            }
        }
        int failed = vectors.size() - passed;
        List<String> text = new ArrayList<>();
        text.add(vectors.size() + " vectors on the host CPU (x86-64 Linux) through asm/host/harness.s, each also in Unicorn"
                + " on the same bytes at the same addresses, compared bit for bit");
        text.add("");
        text.addAll(rows);
        text.addAll(failures);
        if (skipped > 0) {
            text.add("");
            text.add(skipped + " skipped on the host (expects a fault: unsafe on hardware): "
                    + String.join(", ", results.stream().filter(r -> r.skipped() != null).map(ResultJson::name).toList()));
        }
        if (refusal != null) {
            text.add("");
            text.add(refusal);
        }
        text.add("");
        text.add(String.format("%d passed, %d failed (%d host/unicorn mismatches, %d crashes), %d of them skipped on the host",
                passed, failed, mismatched, crashed, skipped));
        Json json = new Json("host", vectors.size(), passed, failed, skipped, mismatched, crashed, verified && refusal == null,
                verifiers, refusal, results);
        return new Report(failed == 0 ? 0 : 1, json, text);
    }

    public static void print(Report r, PrintWriter out) {
        r.text().forEach(out::println);
    }
}
