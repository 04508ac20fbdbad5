package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** verify --arch arm64 with conventions: --convention NAME|PATH|auto, --maker, --threads, the other architecture refused. */
class Arm64ConventionCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BOOST = "asm/conventions-arm64/boost-fcontext/";

    static CliTest.Result run(String... args) {
        return CliTest.run(args);
    }

    static String path(String f) {
        return TestFiles.ROOT.resolve(f).toString();
    }

    /** The routine without its "// convention:" line: only auto (or --convention) can name it. */
    static Path unnamed(Path dir, String f) throws Exception {
        Path p = dir.resolve(Path.of(f).getFileName());
        Files.writeString(p, Files.readString(Path.of(path(f))).replaceAll("(?m)^// convention: .*\n", ""));
        return p;
    }

    @Test
    void aBoostRoutinePassesUnderItsConventionNamedByTheFile() throws Exception {
        CliTest.Result r = run("verify", path(BOOST + "ok-jump-fcontext.s"), "--iterations", "300", "--seed", "1", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("boost-fcontext-arm64", j.get("convention").asText());
        assertEquals("named in the file", j.get("conventionChosenBy").asText());
        assertEquals("arm64", j.get("arch").asText());
        assertEquals("jump_fcontext", j.get("symbol").asText());
        assertEquals(1, j.get("threads").asInt());
        assertTrue(j.get("freshFrom").asText().startsWith("maker make_fcontext"), r.out());
        assertTrue(j.get("propertyEvaluations").get("makecontext").asLong() >= 75, r.out());
    }

    @Test
    void autoNamesTheConventionOrSaysNoneFitsWithExit2(@TempDir Path dir) throws Exception {
        CliTest.Result ok = run("verify", unnamed(dir, BOOST + "ok-jump-fcontext.s").toString(), "--iterations", "300",
                "--seed", "2", "--json");
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        JsonNode j = JSON.readTree(ok.out());
        assertEquals("boost-fcontext-arm64", j.get("convention").asText());
        assertEquals("symbol jump_fcontext", j.get("conventionChosenBy").asText());
        CliTest.Result auto = run("verify", unnamed(dir, BOOST + "ok-jump-fcontext.s").toString(), "--convention", "auto",
                "--iterations", "300", "--seed", "2", "--json");
        assertEquals(0, auto.exit(), auto.out() + auto.err());
        JsonNode a = JSON.readTree(auto.out());
        assertEquals("auto", a.get("conventionChosenBy").asText());
        assertEquals(2, a.get("auto").size(), "auto tries the arm64 conventions only: " + a.get("auto"));
        assertEquals("cem-arm64", a.get("auto").get(0).get("convention").asText());
        assertFalse(a.get("auto").get(0).get("fits").asBoolean());
        CliTest.Result none = run("verify", unnamed(dir, BOOST + "broken-x21-not-restored.s").toString(), "--convention", "auto",
                "--iterations", "300", "--seed", "2");
        assertEquals(2, none.exit(), none.out() + none.err());
        assertEquals("ctxlab: no known arm64 convention fits jump_fcontext; closest: boost-fcontext-arm64 (violates: restore,"
                + " roundtrip); describe yours with --convention FILE", none.err().strip());
        // An explicit convention: violations are violations.
        CliTest.Result explicit = run("verify", unnamed(dir, BOOST + "broken-x21-not-restored.s").toString(), "--convention",
                "boost-fcontext-arm64", "--iterations", "300", "--seed", "2");
        assertEquals(1, explicit.exit(), explicit.out() + explicit.err());
        assertTrue(explicit.out().contains("verdict: FAIL (restore, roundtrip)"), explicit.out());
    }

    @Test
    void aConventionOfTheOtherArchitectureIsOneLineExit2() {
        CliTest.Result r = run("verify", path("asm/context_x86_64.s"), "--convention", "cem-arm64");
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("is an x86-64 routine, but --convention cem-arm64 is an arm64 convention"), r.err());
        r = run("verify", path("asm/context_arm64.s"), "--convention", "boost-fcontext");
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("is an arm64 routine, but --convention boost-fcontext names boost-fcontext, an x86-64"
                + " convention"), r.err());
    }

    @Test
    void anArm64ConventionNamedForAnX86FileIsOneLineExit2InVerifyAndTrace(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("x.s");
        Files.writeString(f, "# convention: cem-arm64\n" + Files.readString(Path.of(path("asm/context_x86_64.s"))));
        for (CliTest.Result r : new CliTest.Result[] {run("verify", f.toString()), run("trace", f.toString()),
                run("trace", path("asm/context_x86_64.s"), "--convention", "cem-arm64")}) {
            assertEquals(2, r.exit(), r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("names cem-arm64, an arm64 convention, but the routine is x86-64"), r.err());
        }
    }

    @Test
    void theReportIsTheSameForAnyThreadCount() throws Exception {
        String f = path("asm/variants-arm64/broken-swapped-save-slots.s");
        JsonNode one = JSON.readTree(run("verify", f, "--iterations", "600", "--seed", "9", "--json", "--threads", "1").out());
        for (String n : new String[] {"2", "3"}) {
            JsonNode many = JSON.readTree(run("verify", f, "--iterations", "600", "--seed", "9", "--json", "--threads", n).out());
            assertEquals(Integer.parseInt(n), many.get("threads").asInt());
            assertEquals(one.get("violations"), many.get("violations"), n + " threads");
            assertEquals(one.get("propertyEvaluations"), many.get("propertyEvaluations"), n + " threads");
            assertEquals(one.get("switches"), many.get("switches"), n + " threads");
            assertEquals(one.get("verdict"), many.get("verdict"));
        }
        assertEquals("fail", one.get("verdict").asText());
    }

    @Test
    void theMakerCanComeFromAnotherFile(@TempDir Path dir) throws Exception {
        // jump_fcontext alone, and the broken maker of another file: makecontext fails; the good one passes.
        String ok = Files.readString(Path.of(path(BOOST + "ok-jump-fcontext.s")));
        Path jump = dir.resolve("jump.s");
        Files.writeString(jump, ok.substring(0, ok.indexOf("        .globl  make_fcontext")));
        CliTest.Result without = run("verify", jump.toString(), "--iterations", "200", "--seed", "4", "--json");
        assertEquals(0, without.exit(), without.out() + without.err());
        assertTrue(without.out().contains("no-fresh-context"), without.out());
        CliTest.Result good = run("verify", jump.toString(), "--maker", path(BOOST + "ok-jump-fcontext.s") + ":make_fcontext",
                "--iterations", "200", "--seed", "4", "--json");
        assertEquals(0, good.exit(), good.out() + good.err());
        assertTrue(JSON.readTree(good.out()).get("maker").asText().startsWith("make_fcontext"), good.out());
        CliTest.Result bad = run("verify", jump.toString(), "--maker", path(BOOST + "broken-make-unaligned-top.s") + ":make_fcontext",
                "--iterations", "200", "--seed", "4");
        assertEquals(1, bad.exit(), bad.out() + bad.err());
        assertTrue(bad.out().contains("verdict: FAIL (alignment, makecontext)"), bad.out());
        CliTest.Result missing = run("verify", jump.toString(), "--maker", path(BOOST + "ok-jump-fcontext.s") + ":no_such");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no_such"), missing.err());
    }

    @Test
    void theConventionsCommandListsTheArchOfEach() throws Exception {
        CliTest.Result r = run("conventions", "--json");
        assertEquals(0, r.exit(), r.err());
        java.util.Map<String, String> arch = new java.util.TreeMap<>();
        JSON.readTree(r.out()).forEach(e -> arch.put(e.get("name").asText(), e.get("arch").asText()));
        assertEquals("arm64", arch.get("cem-arm64"));
        assertEquals("arm64", arch.get("boost-fcontext-arm64"));
        assertEquals("x86-64", arch.get("cem"));
        assertTrue(run("conventions").out().contains("boost-fcontext-arm64  arm64"), run("conventions").out());
    }

    /** aarch64-linux-gnu-as's object of a routine (the tools CI installs): the ELF path of verify --arch arm64. */
    static Path object(Path dir, String source) throws Exception {
        Path s = dir.resolve("in.s"), o = dir.resolve(Path.of(source).getFileName() + ".o");
        Files.writeString(s, Files.readString(Path.of(path(source))));
        Process p = new ProcessBuilder("aarch64-linux-gnu-as", "-o", o.toString(), s.toString()).redirectErrorStream(true).start();
        String msg = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), msg);
        return o;
    }

    @Test
    void anAarch64ObjectIsVerifiedUnderTheConventionOfItsRoutineWithItsOwnMaker(@TempDir Path dir) throws Exception {
        // Two functions in one object: the routine is the convention's (jump_fcontext), and its maker
        // (make_fcontext) comes from the same file.
        Path ok = object(dir, BOOST + "ok-jump-fcontext.s");
        CliTest.Result r = run("verify", ok.toString(), "--iterations", "300", "--seed", "3", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("boost-fcontext-arm64", j.get("convention").asText());
        assertEquals("jump_fcontext", j.get("symbol").asText());
        assertTrue(j.get("freshFrom").asText().startsWith("maker make_fcontext"), r.out());
        CliTest.Result auto = run("verify", ok.toString(), "--convention", "auto", "--iterations", "300", "--seed", "3");
        assertEquals(0, auto.exit(), auto.out() + auto.err());
        // The same object of a broken routine fails (as its source does), and Cem's object passes as cem-arm64.
        Path broken = object(dir, BOOST + "broken-x21-not-restored.s");
        CliTest.Result b = run("verify", broken.toString(), "--iterations", "300", "--seed", "3");
        assertEquals(1, b.exit(), b.out() + b.err());
        assertTrue(b.out().contains("restore") && b.out().contains("FAIL"), b.out());
        CliTest.Result cem = run("verify", object(dir, "asm/context_arm64.s").toString(), "--iterations", "300", "--seed", "3",
                "--json");
        assertEquals(0, cem.exit(), cem.out() + cem.err());
        assertEquals("cem-arm64", JSON.readTree(cem.out()).get("convention").asText());
    }
}
