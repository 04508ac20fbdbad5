package ctxlab.asm.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.asm.Assembly;
import ctxlab.asm.Relocation;
import ctxlab.cli.Main;
import ctxlab.disasm.Disassembler;
import ctxlab.disasm.Instruction;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ELF input end to end: a C file with the Cem switch in a top-level {@code __asm__} block and ordinary
 * C functions, compiled by gcc at test time into an object, a shared library and an executable.
 */
class ElfInputTest {
    /** The switch of asm/context_x86_64.s; {@code %s} and {@code %s} are the first two save slots. */
    static final String SWITCH = """
            __asm__(
            "    .text\\n"
            "    .globl cem_swapcontext\\n"
            "    .type cem_swapcontext, @function\\n"
            "cem_swapcontext:\\n"
            "    movq %%rbx, %s(%%rdi)\\n    movq %%rbp, %s(%%rdi)\\n    movq %%r12, 16(%%rdi)\\n    movq %%r13, 24(%%rdi)\\n"
            "    movq %%r14, 32(%%rdi)\\n    movq %%r15, 40(%%rdi)\\n    movq %%rsp, 48(%%rdi)\\n    stmxcsr 56(%%rdi)\\n"
            "    movq 0(%%rsi), %%rbx\\n    movq 8(%%rsi), %%rbp\\n    movq 16(%%rsi), %%r12\\n    movq 24(%%rsi), %%r13\\n"
            "    movq 32(%%rsi), %%r14\\n    movq 40(%%rsi), %%r15\\n    movq 48(%%rsi), %%rsp\\n    ldmxcsr 56(%%rsi)\\n"
            "    ret\\n"
            "    .size cem_swapcontext, .-cem_swapcontext\\n");
            """;
    static final String C_FUNCTIONS = """
            #include <unistd.h>
            __attribute__((noinline)) int add(int a, int b) { return a + b; }
            int twice(int x) { return add(x, x) + 1; }
            void bye(void) { _exit(3); }
            """;
    static final String SWAP_HEX = "48891f48896f084c8967104c896f184c8977204c897f28488967300fae5f38"
            + "488b1e488b6e084c8b66104c8b6e184c8b76204c8b7e28488b66300fae5638c3";

    @TempDir
    static Path dir;
    static Path object, shared, executable, broken, alone;

    @BeforeAll
    static void compile() throws Exception {
        assumeTrue(onPath("gcc"), "gcc not installed: the ELF inputs are compiled at test time");
        Path c = dir.resolve("switch.c");
        Files.writeString(c, String.format(SWITCH, "0", "8") + C_FUNCTIONS);
        object = gcc(c, "switch.o", "-O1", "-c");
        shared = gcc(c, "switch.so", "-O1", "-shared", "-fPIC");
        Path main = dir.resolve("main.c");
        Files.writeString(main, String.format(SWITCH, "0", "8") + C_FUNCTIONS + "int main(void) { return twice(2); }\n");
        executable = gcc(main, "switch-exe", "-O1");
        Path bad = dir.resolve("broken.c");
        Files.writeString(bad, String.format(SWITCH, "8", "0") + C_FUNCTIONS);   // rbx and rbp saved in each other's slot
        broken = gcc(bad, "broken.o", "-O1", "-c");
        Path only = dir.resolve("alone.c");
        Files.writeString(only, String.format(SWITCH, "0", "8"));
        alone = gcc(only, "alone.o", "-c");
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) if (Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    /** The object file alone, compiled into {@code into} (for other tests). */
    static Path compileObject(Path into) throws IOException, InterruptedException {
        assumeTrue(onPath("gcc"), "gcc not installed: the ELF inputs are compiled at test time");
        Path c = into.resolve("switch.c");
        Files.writeString(c, String.format(SWITCH, "0", "8") + C_FUNCTIONS);
        return gcc(c, into.resolve("switch.o"), "-O1", "-c");
    }

    static Path gcc(Path source, String out, String... flags) throws IOException, InterruptedException {
        return gcc(source, dir.resolve(out), flags);
    }

    static Path gcc(Path source, Path out, String... flags) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("gcc"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-o", out.toString(), source.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ":\n" + log);
        return out;
    }

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void verifyPassesTheCompiledSwitchAndFailsTheBrokenOne() {
        Result ok = run("verify", object.toString(), "--symbol", "cem_swapcontext", "--iterations", "300", "--seed", "7");
        assertEquals(0, ok.exit(), ok.out() + ok.err());
        assertTrue(ok.out().contains("verdict: PASS"), ok.out());
        Result bad = run("verify", broken.toString(), "--symbol", "cem_swapcontext", "--iterations", "300", "--seed", "7");
        assertEquals(1, bad.exit(), bad.out() + bad.err());
        assertTrue(bad.out().contains("save violated"), bad.out());
        // the counterexample's blamed instruction reads file:symbol+offset
        assertTrue(bad.out().contains("broken.o:cem_swapcontext+0x"), bad.out());
        Result so = run("verify", shared.toString(), "--iterations", "200", "--seed", "7");   // default symbol
        assertEquals(0, so.exit(), so.out() + so.err());
    }

    @Test
    void theObjectTheLibraryAndTheExecutableHoldTheBytesOfTheSource() throws Exception {
        ObjectMapper m = new ObjectMapper();
        Result src = run("assemble", "--json");
        assertEquals(0, src.exit(), src.err());
        String expected = m.readTree(src.out()).get("bytes").asText();
        assertEquals(SWAP_HEX, expected);
        for (Path p : List.of(object, shared, executable)) {
            Result r = run("assemble", p.toString(), "--symbol", "cem_swapcontext", "--json");
            assertEquals(0, r.exit(), r.err());
            JsonNode j = m.readTree(r.out());
            assertEquals(expected, j.get("bytes").asText(), p.toString());
            assertEquals(17, j.get("instructions").asInt());
            assertEquals("elf", j.get("format").asText());
            assertEquals("retq", j.get("lines").get(16).get("source").asText());
        }
        Result text = run("assemble", shared.toString(), "--symbol", "cem_swapcontext");
        assertTrue(text.out().contains("(shared library): cem_swapcontext, 63 bytes, 17 instructions"), text.out());
        assertTrue(text.out().contains("switch.so:cem_swapcontext+0x1b"), text.out());
        assertTrue(text.out().contains("stmxcsr 0x38(%rdi)"), text.out());
    }

    /**
     * Hand-written code without {@code .size}: the routine runs to the next function or global symbol
     * (a local label inside it is no end), its instructions are listed and its calls out are named,
     * as for a sized one; alone in its file it is found without --symbol, and several are a usage error naming them.
     */
    @Test
    void aRoutineWithoutASizeRunsToTheNextGlobalSymbol() throws Exception {
        Path s = dir.resolve("sizeless.s");
        Files.writeString(s, """
                    .text
                    .globl f
                    .type f, @function
                f:
                    movq %rax, %rbx
                retry:
                    call g
                    jmp retry
                    ret
                    .globl h
                h:
                    ret
                """);
        Path o = gcc(s, "sizeless.o", "-c");
        Assembly f = ElfInput.load(ElfFile.read(o, "sizeless.o"), "f", true, 0x400000).assembly();
        assertEquals(List.of("movq %rax, %rbx", "callq 0x400008", "jmp 0x400003", "retq"),
                f.lines().stream().map(Assembly.Line::text).toList());
        assertEquals(1, f.relocations().size(), f.relocations().toString());
        assertEquals("g@PLT", f.relocations().get(0).symbol());
        assertEquals(Relocation.Kind.CALL, f.relocations().get(0).kind());
        Assembly h = ElfInput.load(ElfFile.read(o, "sizeless.o"), "h", true, 0x400000).assembly();
        assertEquals(List.of("retq"), h.lines().stream().map(Assembly.Line::text).toList());

        // alone in its file, it is found without --symbol, as a sized one is
        Path only = dir.resolve("sizeless-only.s");
        Files.writeString(only, "    .text\n    .globl f\n    .type f, @function\nf:\n    ret\n");
        Result r = run("assemble", gcc(only, "sizeless-only.o", "-c").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains(": f, 1 bytes, 1 instructions"), r.out());
        // two of them: a usage error naming both
        Path two = dir.resolve("sizeless-two.s");
        Files.writeString(two, "    .text\n    .globl f, h\n    .type f, @function\n    .type h, @function\nf:\n    ret\nh:\n    ret\n");
        r = run("assemble", gcc(two, "sizeless-two.o", "-c").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("(functions without a size: f, h)"), r.err());
    }

    @Test
    void callsOutOfTheCodeAreNamedAndCallsInsideArePatched() {
        // .o: "call _exit" is R_X86_64_PLT32 against _exit, a zero field
        Assembly bye = ElfInput.load(ElfFile.read(object, "switch.o"), "bye", true, 0x400000).assembly();
        assertEquals(1, bye.relocations().size());
        Relocation r = bye.relocations().get(0);
        assertEquals("_exit@PLT", r.symbol());
        assertEquals(Relocation.Kind.CALL, r.kind());
        assertEquals(4, r.width());
        byte[] code = bye.code();
        for (int i = 0; i < 4; i++) assertEquals(0, code[(int) r.offset() + i]);
        // .so: the call goes to _exit's PLT stub
        Assembly soBye = ElfInput.load(ElfFile.read(shared, "switch.so"), "bye", true, 0x400000).assembly();
        assertEquals(List.of("_exit@PLT"), soBye.relocations().stream().map(Relocation::symbol).toList());
        assertEquals(Relocation.Kind.CALL, soBye.relocations().get(0).kind());
        // -fno-plt: "call *_exit@GOTPCREL(%rip)", named through the GOT slot's dynamic relocation
        Path noPlt = dir.resolve("noplt.so");
        try {
            gcc(dir.resolve("switch.c"), noPlt, "-O1", "-shared", "-fPIC", "-fno-plt");
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
        Assembly viaGot = ElfInput.load(ElfFile.read(noPlt, "noplt.so"), "bye", true, 0x400000).assembly();
        assertEquals(List.of("_exit@GOTPCREL"), viaGot.relocations().stream().map(Relocation::symbol).toList());
        assertEquals(Relocation.Kind.CALL, viaGot.relocations().get(0).kind());
        // .o: twice's "call add" (PLT32 against a function of the same section) is applied as ld would
        Assembly twice = ElfInput.load(ElfFile.read(object, "switch.o"), "twice", true, 0x400000).assembly();
        assertEquals(List.of(), twice.relocations());
        long add = twice.address("add");
        try (Disassembler d = Disassembler.open()) {
            long[] e = twice.extent("twice");
            List<Instruction> insns = d.disassemble(twice.code(), (int) e[0], (int) (e[1] - e[0]), twice.base() + e[0], 0);
            Instruction call = insns.stream().filter(i -> i.mnemonic().startsWith("call")).findFirst().orElseThrow();
            assertEquals(new Instruction.Imm(add, 8), call.operands().get(0));
        }
    }

    @Test
    void oneFunctionIsTakenWithoutSymbolSeveralAreAUsageError() {
        Result one = run("assemble", alone.toString());
        assertEquals(0, one.exit(), one.err());
        assertTrue(one.out().contains(": cem_swapcontext, 63 bytes"), one.out());
        Result several = run("assemble", object.toString());
        assertEquals(2, several.exit());
        assertEquals(1, several.err().strip().lines().count(), several.err());
        assertTrue(several.err().contains("switch.o: several functions: pick one with --symbol (functions: add, bye, cem_swapcontext, twice)"),
                several.err());
        Result missing = run("verify", object.toString(), "--symbol", "nope");
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("switch.o: no function 'nope'"), missing.err());
    }

    @Test
    void traceTakesAnObjectToo() {
        Result t = run("trace", object.toString(), "--symbol", "cem_swapcontext", "--color", "never");
        assertEquals(0, t.exit(), t.out() + t.err());
        assertTrue(t.out().contains("step 17/17 ── 0x40003e cem_swapcontext+0x3e"), t.out());
        assertTrue(t.out().contains("ch.o:cem_swapcontext+0x3e"), t.out());   // headers shorten long paths in the middle
    }

    @Test
    void aRoutineInAHugeSectionComesWithAWindowOfIt() throws Exception {
        Path c = dir.resolve("big.c");
        // 1.5 MiB of nops before the switch, 1.5 MiB after: the section is taken as a window
        Files.writeString(c, "__asm__(\".text\\n.skip 1500000, 0x90\\n\");\n" + String.format(SWITCH, "0", "8")
                + "__asm__(\".text\\n.skip 1500000, 0x90\\n\");\n" + C_FUNCTIONS);
        Path big = gcc(c, "big.o", "-O1", "-c");
        ElfInput.Routine r = ElfInput.load(ElfFile.read(big, "big.o"), "cem_swapcontext", true, 0x400000);
        Assembly a = r.assembly();
        assertTrue(a.size() <= 2 * ElfInput.WINDOW + 63 + 4096, "window of " + a.size() + " bytes");
        assertEquals(SWAP_HEX, java.util.HexFormat.of().formatHex(a.bytesOf("cem_swapcontext")));
        assertEquals(0, a.base() % 4096);
        Result v = run("verify", big.toString(), "--iterations", "200", "--seed", "3");
        assertEquals(0, v.exit(), v.out() + v.err());
    }

    @Test
    void dwarfLineInfoGivesFileAndLineAndDamagedLineInfoIsIgnored() throws Exception {
        Path s = dir.resolve("switch.S");
        Files.writeString(s, """
                // the switch as a .S file, assembled by gcc -g (line info from the assembler)
                        .text
                        .globl cem_swapcontext
                        .type cem_swapcontext, @function
                cem_swapcontext:
                        movq %rbx, 0(%rdi)
                        movq %rbp, 8(%rdi)
                        ret
                        .size cem_swapcontext, .-cem_swapcontext
                """);
        Path withLines = gcc(s, "lines.o", "-g", "-c");
        Assembly a = ElfInput.load(ElfFile.read(withLines, "lines.o"), "cem_swapcontext", true, 0x400000).assembly();
        assertEquals(List.of("switch.S:6", "switch.S:7", "switch.S:8"),
                a.lines().stream().map(l -> l.where().toString()).toList());
        Result r = run("assemble", withLines.toString());
        assertTrue(r.out().contains("switch.S:7"), r.out());
        // the same with .debug_line overwritten: the listing falls back to symbol+offset
        ElfFile.Section dl = ElfFile.read(withLines, "lines.o").section(".debug_line");
        for (int pattern = 0; pattern < 4; pattern++) {
            byte[] b = Files.readAllBytes(withLines);
            for (int i = 4 * (pattern % 2); i < dl.size(); i++) {
                b[(int) dl.offset() + i] = (byte) (pattern < 2 ? i * 37 : pattern == 2 ? 0xff : 0x80);
            }
            Path damaged = dir.resolve("damaged-lines-" + pattern + ".o");
            Files.write(damaged, b);
            Assembly d = ElfInput.load(ElfFile.read(damaged, "damaged.o"), "cem_swapcontext", true, 0x400000).assembly();
            assertEquals(3, d.lines().size());
            assertEquals(java.util.HexFormat.of().formatHex(a.code()), java.util.HexFormat.of().formatHex(d.code()));
        }
    }

    @Test
    void theExtensionDoesNotMatterTheMagicDoes() throws IOException {
        Path renamed = dir.resolve("looks-like-source.s");
        Files.copy(object, renamed, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Result r = run("assemble", renamed.toString(), "--symbol", "cem_swapcontext");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("(relocatable object)"), r.out());
        assertFalse(ElfFile.isElf(Path.of("asm/context_x86_64.s")));
    }
}
