package ctxlab.host;

import com.fasterxml.jackson.databind.JsonNode;
import ctxlab.asm.SourceFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    public record Report(int exit, Map<String, Object> json, List<String> text) {}

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
        run.last("error").ifPresent(e -> {
            throw new HostException(e.path("message").asText());
        });

        List<String> text = new ArrayList<>();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("backend", "host");
        json.put("file", shownFile);
        JsonNode code = run.last("code").orElse(null);
        if (!run.finished() && run.crash().isEmpty() && !run.timedOut()) {
            throw new HostException("the host child JVM failed (exit " + run.exitCode() + "): " + run.lastStderrLine());
        }
        boolean verified = code != null && code.path("verified").asBoolean();
        json.put("verified", verified);
        json.put("verifiers", code == null ? List.of() : code.path("verifiers"));
        text.add("selftest of " + shownFile + " on the host CPU (x86-64 Linux), each scenario also run in Unicorn and compared");
        text.add("");

        if (code != null && code.path("refused").asBoolean(false)) {
            // Refused: show what Unicorn found, and why nothing ran natively.
            text.add(String.format("%-24s %-8s", "scenario", "unicorn"));
            List<Map<String, Object>> scenarios = new ArrayList<>();
            for (JsonNode u : code.path("unicorn")) {
                text.add(String.format("%-24s %-8s", u.path("name").asText(), u.path("passed").asBoolean() ? "PASS" : "FAIL"));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", u.path("name").asText());
                m.put("passed", false);
                m.put("unicorn", u);
                m.put("host", null);
                scenarios.add(m);
            }
            text.add("");
            text.add(code.path("refusal").asText());
            text.add("(--unverified runs it natively anyway, in the crash-isolated child)");
            json.put("scenarios", scenarios);
            json.put("refused", code.path("refusal").asText());
            json.put("crash", null);
            json.put("passed", false);
            return new Report(1, json, text);
        }
        if (code != null && !verified) {
            JsonNode failures = code.path("failures");
            text.add("UNVERIFIED: emulated verification failed (" + failures.path(0).asText()
                    + (failures.size() > 1 ? "; and " + (failures.size() - 1) + " more" : "") + ")");
            text.add("running it natively anyway, in the crash-isolated child (--unverified)");
            text.add("");
        }

        text.add(String.format("%-24s %-8s %-6s %-5s %10s", "scenario", "unicorn", "host", "same", "host time"));
        List<Map<String, Object>> scenarios = new ArrayList<>();
        List<String> details = new ArrayList<>();
        int passed = 0, failed = 0;
        for (JsonNode s : run.all("scenario")) {
            JsonNode u = s.path("unicorn"), h = s.path("host");
            boolean ok = s.path("passed").asBoolean();
            if (ok) passed++;
            else failed++;
            text.add(String.format("%-24s %-8s %-6s %-5s %7.2f ms", s.path("name").asText(), u.path("passed").asBoolean() ? "PASS" : "FAIL",
                    h.path("passed").asBoolean() ? "PASS" : "FAIL", s.path("same").asBoolean() ? "yes" : "NO", h.path("timeMs").asDouble()));
            for (JsonNode f : h.path("failures")) details.add("  " + s.path("name").asText() + " (host): " + f.asText());
            for (JsonNode d : s.path("differences")) details.add("  " + s.path("name").asText() + " differs: " + d.asText());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.path("name").asText());
            m.put("passed", ok);
            m.put("same", s.path("same").asBoolean());
            m.put("unicorn", u);
            m.put("host", h);
            m.put("differences", s.path("differences"));
            scenarios.add(m);
        }
        json.put("scenarios", scenarios);
        String crash = null;
        if (run.crash().isPresent()) {
            crash = Isolation.describe(run, sources);
            Isolation.Crash c = run.crash().get();
            Map<String, Object> cj = new LinkedHashMap<>();
            cj.put("signal", c.signal());
            cj.put("address", c.address() < 0 ? null : c.address());
            cj.put("pc", c.pc() < 0 ? null : c.pc());
            cj.put("rsp", c.rsp() < 0 ? null : c.rsp());
            cj.put("running", c.running());
            cj.put("message", crash);
            json.put("crash", cj);
            failed += 6 - passed - failed;
        } else if (run.timedOut()) {
            crash = "the host child did not finish within " + timeout.toSeconds() + " s (a runaway routine?) and was killed"
                    + run.last("running").map(r -> " while running " + r.path("what").asText()).orElse("");
            json.put("crash", Map.of("signal", "timeout", "message", crash));
            failed += 6 - passed - failed;
        } else {
            json.put("crash", null);
        }
        if (!details.isEmpty()) {
            text.add("");
            text.addAll(details);
        }
        for (JsonNode s : run.all("scenario")) {
            for (JsonNode n : s.path("host").path("notes")) text.add("  note (" + s.path("name").asText() + "): " + n.asText());
        }
        if (crash != null) {
            text.add("");
            text.add(crash);
        }
        text.add("");
        text.add(passed + " passed, " + failed + " failed");
        boolean ok = failed == 0 && crash == null && run.exitCode() == 0;
        json.put("passed", ok);
        return new Report(ok ? 0 : 1, json, text);
    }

    public static void print(Report r, PrintWriter out) {
        r.text().forEach(out::println);
    }
}
