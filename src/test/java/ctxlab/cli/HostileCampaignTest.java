package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands a hostile-input campaign ended in "internal error" (exit 2 without naming the input) or
 * in exit 0 on a malformed file; through {@link Main#execute}, real engines.
 */
class HostileCampaignTest {
    @TempDir
    Path dir;

    record Result(int exit, String text) {}

    static Result run(String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            StringWriter out = new StringWriter(), err = new StringWriter();
            int exit = Main.execute(args, new PrintWriter(new Output.Escaping(out), true), new PrintWriter(new Output.Escaping(err), true));
            return new Result(exit, out + "\n" + err);
        });
    }

    static void bad(Result r, String... words) {
        assertEquals(2, r.exit(), r.text());
        clean(r);
        for (String w : words) assertTrue(r.text().contains(w), r.text());
    }

    static void clean(Result r) {
        assertFalse(r.text().contains("internal error") || r.text().contains("\tat "), r.text());
    }

    @Test
    void aScenarioReadingWhatTheRoutineNeverWroteFailsInsteadOfCrashing() {
        // the strand never ran, so the frame pointer the scenario reads back is 0
        String variant = TestFiles.ROOT.resolve("asm/variants/broken-returns-to-own-caller.s").toString();
        Result r = run("selftest", "--asm", variant);
        assertEquals(1, r.exit(), r.text());
        clean(r);
        assertTrue(r.text().contains("stack-preservation: the scenario's memory cannot be reached"), r.text());
        Result t = run("trace", "--scenario", "stack-preservation", variant);
        assertEquals(1, t.exit(), t.text());
        clean(t);
    }

    @Test
    void arm64CodeAtABaseItCannotRunFromIsRefused() {
        String a64 = TestFiles.ROOT.resolve("asm/context_arm64.s").toString();
        bad(run("assemble", "--arch", "arm64", "--base", "0x7", a64), "--base 0x7", "multiple of 4");
        assertEquals(0, run("assemble", "--arch", "arm64", "--base", "0x1004", a64).exit());
    }

    @Test
    void aFolderThatCannotBeSearchedOrReadIsNamed() {
        bad(run("vectors", "/proc"), "/proc: cannot search the folder");
        bad(run("trace", "--vector", "/"), "/: cannot read: is a directory");
    }

    @Test
    void aSecondJsonValueAfterTheFirstIsRefused() throws Exception {
        Path v = dir.resolve("v.json");
        Path base = TestFiles.ROOT.resolve("testvectors/registers/boundary-all-ones.json");
        Files.writeString(v, Files.readString(base).replace("../vector.schema.json", "x") + "\n{}\n");
        bad(run("vectors", v.toString()), v.getFileName().toString(), "more after the JSON value");
        Path c = dir.resolve("c.json");
        Files.writeString(c, Files.readString(TestFiles.ROOT.resolve("src/main/resources/ctxlab/conventions/libaco.json")) + "{}");
        bad(run("conventions", c.toString()), "c.json", "more after the JSON value");
        bad(run("verify", "--iterations", "2", "--convention", c.toString(),
                TestFiles.ROOT.resolve("asm/conventions/libaco/ok-acosw.s").toString()), "more after the JSON value");
        Path a = dir.resolve("a.json");
        Files.writeString(a, Files.readString(TestFiles.ROOT.resolve("testvectors-arm64/values-zero.json")) + "[]");
        bad(run("vectors", "--arch", "arm64", a.toString()), "a.json");
    }

    @Test
    void arm64VectorRegionsAndMemoryAreCheckedBeforeTheyRun() throws Exception {
        String text = Files.readString(TestFiles.ROOT.resolve("testvectors-arm64/values-zero.json"));
        String first = text.substring(text.indexOf("\"address\""), text.indexOf(',', text.indexOf("\"address\"")));
        // the second region moved onto the first: Unicorn refused the mapping mid-run
        Path overlap = dir.resolve("overlap.json");
        int second = text.indexOf("\"address\"", text.indexOf("\"address\"") + 1);
        Files.writeString(overlap, text.substring(0, second) + first + text.substring(text.indexOf(',', second)));
        bad(run("vectors", "--arch", "arm64", overlap.toString()), "overlap.json", "overlaps another region");
        // memory written where no region is
        Path outside = dir.resolve("outside.json");
        Files.writeString(outside, text.replaceFirst("\"memory\" : \\[ \\{\\s*\"address\" : \"0x[0-9a-f]+\"",
                "\"memory\" : [ { \"address\" : \"0x100000000000\""));
        bad(run("vectors", "--arch", "arm64", outside.toString()), "outside.json", "lies outside every region");
        // the corpus itself passes the checks
        Result all = run("vectors", "--arch", "arm64", TestFiles.ROOT.resolve("testvectors-arm64").toString());
        assertEquals(0, all.exit(), all.text());
    }
}
