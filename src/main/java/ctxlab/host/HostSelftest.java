package ctxlab.host;

import com.fasterxml.jackson.annotation.JsonInclude;
import ctxlab.asm.SourceFile;
import ctxlab.selftest.Outcome;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ctxlab selftest --host}: the six scenarios on the host CPU, each also in Unicorn on the
 * same bytes, compared; all of it in the crash-isolated child, so that a routine that crashes is
 * reported and the CLI lives on.
 */
public final class HostSelftest {
    /** Far more than the scenarios need natively (milliseconds) plus a JVM start, Keystone and Unicorn. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);

    private HostSelftest() {}

    /** What the command prints and returns. */
    public record Report(int exit, Json json, List<String> text) {}

    /**
     * What {@code selftest --host --json} prints, fields in this order.
     *
     * @param verifiers what vouched for the code; null when the gate did not, empty when the child never said
     * @param refused   the gate's refusal, only when it refused (then no scenario ran natively)
     * @param crash     null when the child did not crash or time out
     */
    public record Json(String backend, String file, boolean verified, List<String> verifiers, List<ScenarioJson> scenarios,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String refused, CrashJson crash, boolean passed) {}

    /** A scenario; after a refusal only its Unicorn run, without {@code same} and {@code differences}. */
    public record ScenarioJson(String name, boolean passed, @JsonInclude(JsonInclude.Include.NON_NULL) Boolean same,
                               Outcome.Json unicorn, Outcome.Json host,
                               @JsonInclude(JsonInclude.Include.NON_NULL) List<String> differences) {}

    /** How the child died: {@link SignalJson} or {@link TimeoutJson}, each with its own fields. */
    public sealed interface CrashJson {
        String signal();

        String message();
    }

    /** A signal; address, pc and rsp null when the crash report did not give them. */
    public record SignalJson(String signal, Long address, Long pc, Long rsp, String running, String message) implements CrashJson {}

    /** Killed after --timeout: {@code signal} is "timeout". */
    public record TimeoutJson(String signal, String message) implements CrashJson {}

    /**
     * @param shownFile  the switch file as the user should read it
     * @param unverified run natively even if emulated verification fails (only ever in the child)
     */
    public static Report run(Path root, Path switchFile, String shownFile, boolean unverified) {
        return run(root, switchFile, shownFile, unverified, TIMEOUT);
    }

    /** @param timeout after which the child is killed (a routine that never comes back) */
    public static Report run(Path root, Path switchFile, String shownFile, boolean unverified, Duration timeout) {
        Host.require();
        // Fail on bad input here, with the parent's own message, before starting a JVM.
        List<SourceFile> sources = HostSources.files(root, switchFile);
        List<String> args = new ArrayList<>(List.of("selftest", root.toString(), switchFile.toString()));
        if (unverified) args.add("--unverified");
        Isolation.ChildRun run = Isolation.run(args, List.of("-XX:TieredStopAtLevel=1"), timeout);
        run.throwIfError();

        List<String> text = new ArrayList<>();
        ChildEvent.Code code = run.last(ChildEvent.Code.class).orElse(null);
        if (!run.finished() && run.crash().isEmpty() && !run.timedOut()) {
            throw new HostException("the host child JVM failed (exit " + run.exitCode() + "): " + run.lastStderrLine());
        }
        boolean verified = code != null && code.verified();
        List<String> verifiers = code == null ? List.of() : code.verifiers();
        text.add("selftest of " + shownFile + " on the host CPU (x86-64 Linux), each scenario also run in Unicorn and compared");
        text.add("");

        if (code != null && code.refused()) {
            // Refused: show what Unicorn found, and why nothing ran natively.
            text.add(String.format("%-24s %-8s", "scenario", "unicorn"));
            List<ScenarioJson> scenarios = new ArrayList<>();
            for (Outcome.Json u : code.unicorn() == null ? List.<Outcome.Json>of() : code.unicorn()) {
                text.add(String.format("%-24s %-8s", u.name(), u.passed() ? "PASS" : "FAIL"));
                scenarios.add(new ScenarioJson(u.name(), false, null, u, null, null));
            }
            text.add("");
            text.add(code.refusal());
            text.add("(--unverified runs it natively anyway, in the crash-isolated child)");
            return new Report(1, new Json("host", shownFile, verified, verifiers, scenarios, code.refusal(), null, false), text);
        }
        if (code != null && !verified) {
            List<String> failures = code.failures() == null ? List.of() : code.failures();
            text.add("UNVERIFIED: emulated verification failed (" + (failures.isEmpty() ? "" : failures.getFirst())
                    + (failures.size() > 1 ? "; and " + (failures.size() - 1) + " more" : "") + ")");
            text.add("running it natively anyway, in the crash-isolated child (--unverified)");
            text.add("");
        }

        text.add(String.format("%-24s %-8s %-6s %-5s %10s", "scenario", "unicorn", "host", "same", "host time"));
        List<ScenarioJson> scenarios = new ArrayList<>();
        List<String> details = new ArrayList<>();
        int passed = 0, failed = 0;
        List<ChildEvent.Scenario> ran = run.all(ChildEvent.Scenario.class);
        for (ChildEvent.Scenario s : ran) {
            Outcome.Json u = s.unicorn(), h = s.host();
            if (s.passed()) passed++;
            else failed++;
            text.add(String.format("%-24s %-8s %-6s %-5s %7.2f ms", s.name(), u.passed() ? "PASS" : "FAIL",
                    h.passed() ? "PASS" : "FAIL", s.same() ? "yes" : "NO", h.timeMs()));
            for (String f : h.failures()) details.add("  " + s.name() + " (host): " + f);
            for (String d : s.differences()) details.add("  " + s.name() + " differs: " + d);
            scenarios.add(new ScenarioJson(s.name(), s.passed(), s.same(), u, h, s.differences()));
        }
        String crash = null;
        CrashJson crashJson = null;
        if (run.crash().isPresent()) {
            crash = Isolation.describe(run, sources);
            Isolation.Crash c = run.crash().get();
            crashJson = new SignalJson(c.signal(), c.address() < 0 ? null : c.address(), c.pc() < 0 ? null : c.pc(),
                    c.rsp() < 0 ? null : c.rsp(), c.running(), crash);
            failed += 6 - passed - failed;
        } else if (run.timedOut()) {
            crash = "the host child did not finish within " + timeout.toSeconds() + " s (a runaway routine?) and was killed"
                    + run.last(ChildEvent.Running.class).map(r -> " while running " + r.what()).orElse("");
            crashJson = new TimeoutJson("timeout", crash);
            failed += 6 - passed - failed;
        }
        if (!details.isEmpty()) {
            text.add("");
            text.addAll(details);
        }
        for (ChildEvent.Scenario s : ran) {
            for (String n : s.host().notes()) text.add("  note (" + s.name() + "): " + n);
        }
        if (crash != null) {
            text.add("");
            text.add(crash);
        }
        text.add("");
        text.add(passed + " passed, " + failed + " failed");
        boolean ok = failed == 0 && crash == null && run.exitCode() == 0;
        return new Report(ok ? 0 : 1, new Json("host", shownFile, verified, verifiers, scenarios, null, crashJson, ok), text);
    }

    public static void print(Report r, PrintWriter out) {
        r.text().forEach(out::println);
    }
}
