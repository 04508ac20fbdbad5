package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.TestFiles;
import ctxlab.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/** The host side of the CLI: selftest --host, bench, host gating. */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class HostCliTest {
    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    /** Small counts: the bench's figures are printed, never asserted. */
    static final String[] QUICK = {"--rounds", "3", "--switches", "200000", "--round-trips", "20000",
            "--glibc-switches", "2000", "--handoffs", "2000", "--scale-strands", "1000"};

    @Test
    void selftestHostJson() throws Exception {
        Result r = run("selftest", "--host", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("host", j.get("backend").asText());
        assertTrue(j.get("passed").asBoolean());
        assertTrue(j.get("verified").asBoolean());
        assertEquals(6, j.get("scenarios").size());
        for (JsonNode s : j.get("scenarios")) {
            assertTrue(s.get("passed").asBoolean() && s.get("same").asBoolean(), s.toString());
        }
        assertTrue(j.get("crash").isNull());
    }

    @Test
    void unverifiedWithoutHostIsBadUsage() {
        Result r = run("selftest", "--unverified");
        assertEquals(2, r.exit());
        assertEquals("ctxlab: --unverified only makes sense with --host", r.err().strip());
    }

    @Test
    void benchPrintsTheFiguresInJson() throws Exception {
        String[] args = new String[QUICK.length + 3];
        args[0] = "bench";
        args[1] = "--json";
        args[2] = "--no-boost";
        System.arraycopy(QUICK, 0, args, 3, QUICK.length);
        Result r = run(args);
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (String f : new String[] {"nativeSwitchNs", "roundTripNs", "glibcSwapcontextNs", "virtualThreadNs"}) {
            assertTrue(j.get(f).asDouble() > 0, f + " in " + j);
            assertEquals(3, j.get("roundsDetail").get(f).size(), f);
        }
        assertFalse(j.has("boostContextNs"));
        JsonNode scale = j.get("scale");
        assertEquals(1000, scale.get("strands").asInt());
        assertEquals(1000L * 11 * 2, scale.get("switches").asLong(), "10 yields and the exit: 11 round trips of 2 switches each");
        assertTrue(scale.get("rssBytes").asLong() > 0);
        assertTrue(scale.get("switchesPerSecond").asDouble() > 0);
    }

    @Test
    void benchAgainstBoostWhenGppAndBoostAreThere(@TempDir Path dir) throws Exception {
        Optional<Path> boost = HostBench.buildBoost(TestFiles.ROOT, dir);
        assumeTrue(boost.isPresent(), "g++ and libboost-context-dev are not installed");
        String[] args = new String[QUICK.length + 2];
        args[0] = "bench";
        args[1] = "--boost-binary";
        args[2] = boost.get().toString();
        args[3] = "--scale-strands=0";
        System.arraycopy(QUICK, 0, args, 4, QUICK.length - 2);
        Result r = run(args);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("[boostContextNs]") && r.out().contains("[ratioToBoost]"), r.out());
        assertTrue(r.out().contains("[nativeSwitchNs]"), r.out());
    }

    @Test
    void hostCommandsSayInOneLineWhenTheHostIsNotX8664Linux() {
        String arch = System.getProperty("os.arch");
        System.setProperty("os.arch", "aarch64");
        try {
            for (String[] args : new String[][] {{"selftest", "--host"}, {"bench"}}) {
                Result r = run(args);
                assertEquals(2, r.exit(), String.join(" ", args));
                assertEquals("ctxlab: host execution needs x86-64 Linux; this is Linux on aarch64 (the emulated commands work here: drop --host)",
                        r.err().strip());
                assertEquals("", r.out());
            }
            // Everything emulated still works.
            assertEquals(0, run("selftest").exit());
        } finally {
            System.setProperty("os.arch", arch);
        }
    }

    @Test
    void strandsRunAndADeepOneIsReportedAsAStackOverflow() throws Exception {
        Result ok = run("strands", "--count", "3", "--arg", "2", "--json");
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        JsonNode j = new ObjectMapper().readTree(ok.out());
        assertEquals(3, j.get("finished").asInt());
        for (JsonNode s : j.get("strands")) assertEquals(2, s.get("yields").asInt());

        Result deep = run("strands", "--program", "recurse_program", "--count", "1", "--arg", "100");
        assertEquals(1, deep.exit(), deep.out() + deep.err());
        assertTrue(deep.out().matches("(?s).*strand crashed: SIGSEGV at 0x[0-9a-f]+ in the guard page below strand 1's stack"
                + " \\(a stack overflow\\) \\(pc 0x[0-9a-f]+ = asm/host/scheduler.s:\\d+: movq +%rdi, 0\\(%rsp\\).*"), deep.out());
    }

    /**
     * A routine that fails emulated verification is refused before it runs, and every host command
     * says so alike: exit 1 (a failed check), the reason in one line. bench said only "the bench
     * child JVM failed (exit 1): " and exited 2, as strands did.
     */
    @Test
    void aRefusedRoutineIsAFailedCheckWithItsReasonInOneLine() {
        String broken = "asm/variants/broken-missing-restore-r14.s";
        String refusal = "ctxlab: refusing to run this code on the host: it failed emulated verification (verify (500 random states";
        for (String[] args : new String[][] {{"bench", "--no-boost", "--asm", broken}, {"strands", "--asm", broken},
                {"bench", "--no-boost", "--compare", broken, "--scale-strands", "0"}}) {
            Result r = run(args);
            String what = String.join(" ", args);
            assertEquals(1, r.exit(), what + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), what + ": " + r.err());
            assertTrue(r.err().startsWith(refusal) && r.err().contains("r14"), what + ": " + r.err());
            assertEquals("", r.out(), what);
        }
        Result selftest = run("selftest", "--host", "--asm", broken);
        assertEquals(1, selftest.exit(), selftest.out() + selftest.err());
        assertTrue(selftest.out().contains(refusal.substring("ctxlab: ".length())), selftest.out());
    }
}
