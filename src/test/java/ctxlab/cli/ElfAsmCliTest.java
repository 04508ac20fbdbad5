package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ctxlab.TestFiles;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code selftest --asm} and {@code vectors --asm} take an x86-64 ELF file as {@code verify} does:
 * the routine's bytes, assembled with the strand bodies (selftest) or a vector's further files,
 * give the same results as its GNU-as source. Objects are built by GNU as at test time.
 */
class ElfAsmCliTest {
    record Result(int exit, String out, String err) {}

    @TempDir
    static Path dir;
    static Path object, fast, broken, boost;

    static Result ctxlab(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(File.pathSeparator)) if (Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    static Path as(String source, String out) throws IOException, InterruptedException {
        Path o = dir.resolve(out);
        Process p = new ProcessBuilder("as", "-o", o.toString(), TestFiles.ROOT.resolve(source).toString()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "as " + source + ": " + said);
        return o;
    }

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(onPath("as"), "GNU as not installed: the ELF inputs are built at test time");
        object = as("asm/context_x86_64.s", "context.o");
        fast = as("asm/context_x86_64_fast.s", "fast.o");
        broken = as("asm/variants/broken-missing-restore-r14.s", "broken.o");
        boost = as("asm/conventions/boost-fcontext/ok-jump-fcontext.s", "boost.o");
    }

    /** The scenario table (names and PASS/FAIL) and the tally, without the timings. */
    private static List<String> verdicts(String out) {
        return out.lines().filter(l -> l.matches("\\S+ +(PASS|FAIL) .*") || l.matches("\\d+ passed, \\d+ failed.*"))
                .map(l -> l.replaceAll(" +[\\d.]+ ms.*", "").replaceAll(" \\(\\d+ ms.*", "")).toList();
    }

    @Test
    void selftestTakesAnObjectAsItTakesItsSource() {
        for (Path[] pair : new Path[][] {{object, TestFiles.ROOT.resolve("asm/context_x86_64.s")},
                {fast, TestFiles.ROOT.resolve("asm/context_x86_64_fast.s")},
                {broken, TestFiles.ROOT.resolve("asm/variants/broken-missing-restore-r14.s")}}) {
            Result elf = ctxlab("selftest", "--asm", pair[0].toString());
            Result src = ctxlab("selftest", "--asm", pair[1].toString());
            assertEquals(src.exit(), elf.exit(), pair[0] + ": " + elf.out() + elf.err());
            assertTrue(verdicts(src.out()).size() > 6, src.out());
            assertEquals(verdicts(src.out()), verdicts(elf.out()), pair[0].toString());
        }
        assertEquals(0, ctxlab("selftest", "--asm", object.toString()).exit());
        assertTrue(ctxlab("selftest", "--asm", fast.toString()).out().contains("6 passed, 0 failed"));
        assertEquals(1, ctxlab("selftest", "--asm", broken.toString()).exit());
        // as with the source, the strand bodies need cem_swapcontext
        Result other = ctxlab("selftest", "--asm", boost.toString());
        assertEquals(2, other.exit(), other.out() + other.err());
        assertTrue(other.err().contains("cem_swapcontext"), other.err());
    }

    @Test
    void vectorsTakeAnObjectAsTheyTakeItsSource() {
        for (Path[] pair : new Path[][] {{object, TestFiles.ROOT.resolve("asm/context_x86_64.s")},
                {fast, TestFiles.ROOT.resolve("asm/context_x86_64_fast.s")},
                {broken, TestFiles.ROOT.resolve("asm/variants/broken-missing-restore-r14.s")},
                {boost, TestFiles.ROOT.resolve("asm/conventions/boost-fcontext/ok-jump-fcontext.s")}}) {
            Result elf = ctxlab("vectors", "--asm", pair[0].toString());
            Result src = ctxlab("vectors", "--asm", pair[1].toString());
            assertEquals(src.exit(), elf.exit(), pair[0] + ": " + elf.out() + elf.err());
            assertTrue(verdicts(src.out()).size() > 6, src.out());
            assertEquals(verdicts(src.out()), verdicts(elf.out()), pair[0].toString());
        }
        Result ok = ctxlab("vectors", "--asm", object.toString());
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().contains("58 passed, 0 failed"), ok.out());
        // a Boost-only object runs Boost's vectors, not Cem's
        assertTrue(ctxlab("vectors", "--asm", boost.toString()).out().contains("6 passed, 0 failed"));
    }

    @Test
    void aRoutineThatReachesOutsideItsCodeIsRefusedInOneLine() throws Exception {
        Path s = dir.resolve("external.s");
        Files.writeString(s, "        .text\n        .globl cem_swapcontext\ncem_swapcontext:\n        call exit@PLT\n        ret\n");
        Path o = as(s.toString(), "external.o");
        for (String command : List.of("selftest", "vectors")) {
            Result r = ctxlab(command, "--asm", o.toString());
            assertEquals(2, r.exit(), command + ": " + r.out() + r.err());
            assertTrue(r.err().contains("cem_swapcontext refers to exit@PLT outside its code"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
    }

    /** The native commands assemble the source in their child JVM: an ELF file there is one line, exit 2. */
    @Test
    void theHostCommandsSayInOneLineThatTheyNeedTheSource() {
        assumeTrue(System.getProperty("os.name").equals("Linux") && List.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the host commands run on x86-64 Linux only");
        for (String[] args : new String[][] {{"selftest", "--host", "--asm", object.toString()},
                {"vectors", "--host", "--asm", object.toString()}, {"strands", "--asm", object.toString()},
                {"bench", "--asm", object.toString()}}) {
            Result r = ctxlab(args);
            String what = String.join(" ", args);
            assertEquals(2, r.exit(), what + ": " + r.out() + r.err());
            assertTrue(r.err().contains("an ELF file; ELF input is not supported on the host"), what + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), what + ": " + r.err());
        }
    }
}
