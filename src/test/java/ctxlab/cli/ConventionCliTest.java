package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** verify --convention / --maker / auto, through the CLI as a user runs them. */
class ConventionCliTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A convention ctxlab does not ship: the classic push-everything switch
     * {@code void stack_swap(void **from_sp, void *to_sp)}: the callee-saved registers pushed on the
     * suspending stack, its rsp stored through the first argument, the second argument loaded as rsp,
     * everything popped, ret.
     */
    static final String STACKSWAP_JSON = """
            {
              "name": "stackswap",
              "runtime": "a made-up runtime of this test",
              "symbols": ["stack_swap"],
              "arguments": {"rdi": "save-handle-at", "rsi": "restore"},
              "storage": {"kind": "frame", "size": 56, "at": -48},
              "slots": [
                {"name": "r15", "offset": 0,  "holds": "r15"},
                {"name": "r14", "offset": 8,  "holds": "r14"},
                {"name": "r13", "offset": 16, "holds": "r13"},
                {"name": "r12", "offset": 24, "holds": "r12"},
                {"name": "rbx", "offset": 32, "holds": "rbx"},
                {"name": "rbp", "offset": 40, "holds": "rbp"},
                {"name": "ret", "offset": 48, "holds": "resume", "saved": "return-address"}
              ],
              "resume": {"pc": "slot", "rsp": "frame-end"},
              "preserved": ["rbx", "rbp", "r12", "r13", "r14", "r15"],
              "fresh": {
                "layout": {"frame": "(top & ~15) - 64", "stack": ["exit"], "slots": {"ret": "entry"}},
                "entry": {"rspMod16": 8}
              }
            }
            """;

    static final String STACKSWAP_OK = """
            # stack_swap(void **from_sp /* %rdi */, void *to_sp /* %rsi */)
            # frame (from the suspended rsp): 0x00 r15 0x08 r14 0x10 r13 0x18 r12 0x20 rbx 0x28 rbp 0x30 return address
                    .globl  stack_swap
            stack_swap:
                    pushq   %rbp                # frame+0x28
                    pushq   %rbx                # frame+0x20
                    pushq   %r12                # frame+0x18
                    pushq   %r13                # frame+0x10
                    pushq   %r14                # frame+0x08
                    pushq   %r15                # frame+0x00
                    movq    %rsp, (%rdi)        # *from_sp = frame
                    movq    %rsi, %rsp          # onto the target's frame
                    popq    %r15
                    popq    %r14
                    popq    %r13
                    popq    %r12
                    popq    %rbx
                    popq    %rbp
                    ret                         # the target's return address (frame+0x30)
            """;

    static CliTest.Result verify(String... args) {
        return CliTest.run(Stream.concat(Stream.of("verify"), Stream.of(args)).toArray(String[]::new));
    }

    @Test
    void aMadeUpConventionFromATemporaryFolderVerifiesItsRoutineWithoutJavaChanges(@TempDir Path dir) throws Exception {
        Path conv = dir.resolve("stackswap.json");
        Files.writeString(conv, STACKSWAP_JSON);
        Path ok = dir.resolve("stack_swap.s");
        Files.writeString(ok, STACKSWAP_OK);
        CliTest.Result r = verify(ok.toString(), "--convention", conv.toString(), "--seed", "1", "--iterations", "600", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("stackswap", j.get("convention").asText());
        assertEquals("pass", j.get("verdict").asText());
        assertTrue(j.get("propertyEvaluations").get("makecontext").asLong() > 0, r.out());

        // A broken one: r12 popped into r13's place. Violations under the user's convention: exit 1.
        Path broken = dir.resolve("stack_swap_broken.s");
        Files.writeString(broken, STACKSWAP_OK.replace("popq    %r12", "popq    %r11"));
        CliTest.Result b = verify(broken.toString(), "--convention", conv.toString(), "--seed", "1", "--iterations", "200");
        assertEquals(1, b.exit(), b.out() + b.err());
        assertTrue(b.out().contains("restore violated: arrived at B with r12"), b.out());
        assertTrue(b.out().contains("roundtrip violated"), b.out());

        // A frame that is one word short: save sees the wrong handle, restore the wrong rsp.
        Path shortFrame = dir.resolve("stack_swap_short.s");
        Files.writeString(shortFrame, STACKSWAP_OK.replace("movq    %rsp, (%rdi)", "leaq    8(%rsp), %rax\n        movq    %rax, (%rdi)"));
        CliTest.Result s = verify(shortFrame.toString(), "--convention", conv.toString(), "--seed", "1", "--iterations", "200");
        assertEquals(1, s.exit(), s.out());
        assertTrue(s.out().contains("save violated") && s.out().contains("stack_swap_short.s:"), s.out());

        // Without --convention nothing ctxlab knows fits: exit 2, never a counterexample under a guess.
        CliTest.Result auto = verify(ok.toString(), "--seed", "1", "--iterations", "200");
        assertEquals(2, auto.exit(), auto.out() + auto.err());
        assertTrue(auto.err().contains("no known convention fits stack_swap; closest: "), auto.err());
        assertTrue(auto.err().contains("describe yours with --convention FILE"), auto.err());
        assertTrue(!auto.out().contains("violated:"), auto.out());
    }

    @TestFactory
    Stream<DynamicTest> autoNamesTheConventionOfEachShippedRoutine() throws Exception {
        List<Path> oks;
        try (Stream<Path> s = Files.walk(TestFiles.ROOT.resolve("asm/conventions"))) {
            oks = s.filter(p -> p.getFileName().toString().startsWith("ok-")).sorted().toList();
        }
        return oks.stream().map(p -> DynamicTest.dynamicTest(p.getParent().getFileName() + "/" + p.getFileName(), () -> {
            CliTest.Result r = verify(p.toString(), "--convention", "auto", "--seed", "5", "--iterations", "300", "--json");
            assertEquals(0, r.exit(), r.out() + r.err());
            JsonNode j = JSON.readTree(r.out());
            assertEquals(p.getParent().getFileName().toString(), j.get("convention").asText());
            assertEquals("auto", j.get("conventionChosenBy").asText());
            assertEquals(1, java.util.stream.StreamSupport.stream(j.get("auto").spliterator(), false)
                    .filter(t -> t.get("fits").asBoolean()).count(), r.out());
        }));
    }

    @Test
    void autoNamesCemForTheSeedUnderAnotherName(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("renamed.s");
        Files.writeString(f, Files.readString(TestFiles.SWITCH).replace("cem_swapcontext", "strand_switch"));
        CliTest.Result r = verify(f.toString(), "--seed", "2", "--iterations", "300", "--json");
        assertEquals(0, r.exit(), r.err());
        assertEquals("cem", JSON.readTree(r.out()).get("convention").asText());
    }

    @Test
    void anExplicitWrongConventionIsAViolationNotAGuess() {
        Path aco = TestFiles.ROOT.resolve("asm/conventions/libaco/ok-acosw.s");
        CliTest.Result r = verify(aco.toString(), "--symbol", "acosw", "--convention", "minicoro", "--seed", "1", "--iterations", "200");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("convention minicoro"), r.out());
    }

    @Test
    void badConventionFilesAreBadInputNamingTheFileAndField(@TempDir Path dir) throws Exception {
        Object[][] cases = {
                {"{ \"name\": \"x\",\n  \"storage\": }", "not valid JSON at line 2"},
                {STACKSWAP_JSON.replace("\"resume\": {", "\"resme\": {"), "unknown field 'resme'"},
                {STACKSWAP_JSON.replace("\"offset\": 48", "\"offset\": 52"), "slot 'ret' (offset 52, width 8) lies outside the 56-byte storage"},
                {STACKSWAP_JSON.replace("\"holds\": \"r14\"", "\"holds\": \"r99\""), "'r99' is not a general-purpose register"},
                {STACKSWAP_JSON.replace("(top & ~15) - 64", "(top & ~15) - 64 +"), "fresh.layout.frame: expected a number or a name"},
                {STACKSWAP_JSON.replace("(top & ~15) - 64", "stackbase - 64"), "unknown name 'stackbase'"},
                {"[1, 2]", "must be a JSON object"},
        };
        Path ok = dir.resolve("stack_swap.s");
        Files.writeString(ok, STACKSWAP_OK);
        for (Object[] c : cases) {
            Path conv = dir.resolve("bad.json");
            Files.writeString(conv, (String) c[0]);
            CliTest.Result r = verify(ok.toString(), "--convention", conv.toString(), "--iterations", "10");
            assertEquals(2, r.exit(), c[1] + ": " + r.out() + r.err());
            assertTrue(r.err().contains("bad.json") && r.err().contains((String) c[1]), r.err());
            assertTrue(!r.err().contains("Exception") && !r.err().contains("\tat "), r.err());
        }
        CliTest.Result dirAsConv = verify(ok.toString(), "--convention", dir.toString() + "/");
        assertEquals(2, dirAsConv.exit());
        assertTrue(dirAsConv.err().contains("is a directory"), dirAsConv.err());
        CliTest.Result noMaker = verify(ok.toString(), "--convention", "cem", "--maker", "nocolon");
        assertEquals(2, noMaker.exit());
        assertTrue(noMaker.err().contains("--maker takes FILE:SYMBOL"), noMaker.err());
    }

    static boolean haveGcc() {
        try {
            Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static Path compile(Path c, Path dir) throws Exception {
        Path o = dir.resolve(c.getFileName().toString().replace(".c", ".o"));
        Process p = new ProcessBuilder("gcc", "-O2", "-c", "-fno-asynchronous-unwind-tables", "-fcf-protection=none", c.toString(),
                "-o", o.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return o;
    }

    @Test
    void makerFromACompiledCObject(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(haveGcc(), "gcc is not installed");
        Path ok = compile(TestFiles.resource("conventions-c/cem_makecontext_ok.c"), dir);
        Path bad = compile(TestFiles.resource("conventions-c/cem_makecontext_misaligned.c"), dir);
        CliTest.Result good = verify("--convention", "cem", "--maker", ok + ":cem_makecontext", "--seed", "1", "--iterations", "400", "--json");
        assertEquals(0, good.exit(), good.out() + good.err());
        JsonNode j = JSON.readTree(good.out());
        assertTrue(j.get("maker").asText().startsWith("cem_makecontext"), good.out());
        assertTrue(j.get("propertyEvaluations").get("makecontext").asLong() >= 100, good.out());
        CliTest.Result wrong = verify("--convention", "cem", "--maker", bad + ":cem_makecontext", "--seed", "1", "--iterations", "400");
        assertEquals(1, wrong.exit(), wrong.out() + wrong.err());
        assertTrue(wrong.out().contains("verdict: FAIL (makecontext)"), wrong.out());
        assertTrue(wrong.out().contains("= 0 (mod 16)"), wrong.out());
        CliTest.Result missing = verify("--convention", "cem", "--maker", ok + ":no_such_maker");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no_such_maker"), missing.err());
    }

    @Test
    void theConventionsCommandListsAndPrintsTheShippedFiles(@TempDir Path dir) throws Exception {
        CliTest.Result list = CliTest.run("conventions", "--json");
        assertEquals(0, list.exit(), list.err());
        List<String> names = new java.util.ArrayList<>();
        JSON.readTree(list.out()).forEach(e -> names.add(e.get("name").asText()));
        assertEquals(ctxlab.abi.Conventions.allNames(), names);
        CliTest.Result boost = CliTest.run("conventions", "boost-fcontext");
        assertEquals(0, boost.exit(), boost.err());
        // What it prints is a convention file: edited and given back, it verifies a routine.
        Path copy = dir.resolve("mine.json");
        Files.writeString(copy, boost.out().replace("\"name\": \"boost-fcontext\"", "\"name\": \"mine\""));
        CliTest.Result v = verify(TestFiles.ROOT.resolve("asm/conventions/boost-fcontext/ok-jump-fcontext.s").toString(),
                "--convention", copy.toString(), "--iterations", "100", "--seed", "3", "--json");
        assertEquals(0, v.exit(), v.out() + v.err());
        assertEquals("mine", JSON.readTree(v.out()).get("convention").asText());
        assertEquals(2, CliTest.run("conventions", "nope").exit());
    }

    /** A minicoro-convention switch written in a C file's top-level asm, as runtimes ship it. */
    static final String INLINE_MCO = """
            #include <stdint.h>
            __asm__(
                ".text\\n"
                ".globl my_mco_switch\\n"
                ".type my_mco_switch, @function\\n"
                "my_mco_switch:\\n"
                "  leaq 1f(%rip), %rax\\n"        /* from->rip: the ret below */
                "  movq %rax, 0x00(%rdi)\\n"
                "  movq %rsp, 0x08(%rdi)\\n"
                "  movq %rbp, 0x10(%rdi)\\n"
                "  movq %rbx, 0x18(%rdi)\\n"
                "  movq %r12, 0x20(%rdi)\\n"
                "  movq %r13, 0x28(%rdi)\\n"
                "  movq %r14, 0x30(%rdi)\\n"
                "  movq %r15, 0x38(%rdi)\\n"
                "  movq 0x38(%rsi), %r15\\n"
                "  movq 0x30(%rsi), %r14\\n"
                "  movq 0x28(%rsi), %r13\\n"
                "  movq 0x20(%rsi), %r12\\n"
                "  movq 0x18(%rsi), %rbx\\n"
                "  movq 0x10(%rsi), %rbp\\n"
                "  movq 0x08(%rsi), %rsp\\n"
                "  jmpq *0x00(%rsi)\\n"
                "1:\\n"
                "  ret\\n"
                ".size my_mco_switch, .-my_mco_switch\\n");
            int helper(int x) { return x * 3 + 1; }
            """;

    @Test
    void aSwitchInInlineAsmCompiledByGccIsCheckedUnderItsConvention(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(haveGcc(), "gcc is not installed");
        Path c = dir.resolve("mco.c");
        Files.writeString(c, INLINE_MCO);
        for (String[] flags : new String[][] {{"-O2", "-c"}, {"-O2", "-shared", "-fPIC"}}) {
            Path out = dir.resolve(flags[1].equals("-c") ? "mco.o" : "mco.so");
            java.util.List<String> cmd = new java.util.ArrayList<>(List.of("gcc"));
            cmd.addAll(List.of(flags));
            cmd.addAll(List.of("-o", out.toString(), c.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, log);
            CliTest.Result ok = verify(out.toString(), "--symbol", "my_mco_switch", "--convention", "minicoro", "--seed", "4",
                    "--iterations", "300", "--json");
            assertEquals(0, ok.exit(), out + ": " + ok.out() + ok.err());
            assertEquals("minicoro", JSON.readTree(ok.out()).get("convention").asText());
            CliTest.Result auto = verify(out.toString(), "--symbol", "my_mco_switch", "--seed", "4", "--iterations", "300", "--json");
            assertEquals(0, auto.exit(), auto.err());
            assertEquals("auto", JSON.readTree(auto.out()).get("conventionChosenBy").asText());
            assertEquals("minicoro", JSON.readTree(auto.out()).get("convention").asText());
            CliTest.Result wrong = verify(out.toString(), "--symbol", "my_mco_switch", "--convention", "libco", "--seed", "4",
                    "--iterations", "100");
            assertEquals(1, wrong.exit(), wrong.out() + wrong.err());
        }
    }
}
