package ctxlab.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.TestFiles;
import ctxlab.cli.Main;
import ctxlab.vectors.Arm64Vector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vectors --arch arm64 --qemu}: the ARM64 vectors under qemu-aarch64 against Unicorn and the
 * expectations. Needs qemu-aarch64 (qemu-user) and the aarch64 binutils, which CI installs; the
 * tests that run qemu skip only when they are absent.
 */
class QemuVectorsTest {
    record Result(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }

        JsonNode result(String name) throws Exception {
            for (JsonNode r : json().get("results")) if (r.get("name").asText().equals(name)) return r;
            throw new AssertionError("no result " + name + " in " + out);
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    static final Path VECTORS = TestFiles.ROOT.resolve("testvectors-arm64");

    @BeforeAll
    static void needQemu() {
        assumeTrue(Tools.available(), "qemu-aarch64 or aarch64-linux-gnu-as/-ld not installed");
    }

    @Test
    void everyVectorAgreesUnderQemuAndUnicorn() throws Exception {
        Set<String> before = leftovers();
        Result r = run("vectors", "--arch", "arm64", "--qemu", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = r.json();
        long files;
        try (Stream<Path> s = Files.list(VECTORS)) {
            files = s.filter(p -> p.toString().endsWith(".json")).count();
        }
        assertEquals(files, j.get("total").asLong());
        assertEquals(files, j.get("passed").asLong());
        assertEquals(0, j.get("mismatches").asInt());
        assertEquals("qemu", j.get("backend").asText());
        for (JsonNode v : j.get("results")) {
            assertTrue(v.get("same").asBoolean(), v.toString());
            assertTrue(v.get("qemu").get("passed").asBoolean(), v.toString());
        }
        // The fault vectors fault under qemu too, at their address and instruction.
        assertEquals("SIGSEGV/SEGV_MAPERR at 0x7ffde00f0000 (pc 0x400000)",
                r.result("fault-save-unmapped").get("qemu").get("outcome").asText());
        assertEquals("SIGSEGV/SEGV_MAPERR at 0x7ffde0002000 (pc 0x40001c)",
                r.result("fault-save-ends-before-sp").get("qemu").get("outcome").asText());
        assertEquals("landed at 0x5e5e00000200", r.result("values-zero").get("qemu").get("outcome").asText());
        // The generated programs are gone.
        assertTrue(before.containsAll(leftovers()), "temporary folders left behind: " + leftovers());
    }

    @Test
    void textNamesEveryVectorAndTheCount() {
        Result r = run("vectors", "--qemu", VECTORS.resolve("values-zero.json").toString(),
                VECTORS.resolve("fault-restore-unmapped.json").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("values-zero                     PASS     PASS     yes"), r.out());
        assertTrue(r.out().contains("2 passed, 0 failed (0 qemu/unicorn mismatches"), r.out());
    }

    @Test
    void aRoutineThatSkipsDRegistersFailsUnderQemuByName() throws Exception {
        Result r = run("vectors", "--arch", "arm64", "--qemu", "--json", "--asm", "asm/variants-arm64/broken-d12-d13-not-restored.s",
                VECTORS.resolve("values-alternating.json").toString(), VECTORS.resolve("values-zero.json").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        JsonNode v = r.result("values-alternating");
        assertFalse(v.get("passed").asBoolean());
        assertFalse(v.get("qemu").get("passed").asBoolean());
        String diffs = v.get("qemu").get("diffs").toString();
        assertTrue(diffs.contains("d12: expected"), diffs);
        assertTrue(diffs.contains("d13: expected"), diffs);
        // Both engines run the broken routine the same way: the expectations catch it, not a mismatch.
        assertTrue(v.get("same").asBoolean(), v.toString());
    }

    @Test
    void aCorruptedExpectationIsCaughtOnBothSides(@TempDir Path dir) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode tree = (ObjectNode) m.readTree(VECTORS.resolve("fresh-context-presets.json").toFile());
        ObjectNode regs = (ObjectNode) tree.get("expect").get("registers");
        String was = regs.get("x19").asText();
        regs.put("x19", "0x" + Long.toHexString(Long.parseUnsignedLong(was.substring(2), 16) ^ 1));
        Path bad = dir.resolve("corrupted.json");
        m.writeValue(bad.toFile(), tree);
        Result r = run("vectors", "--arch", "arm64", "--qemu", "--json", bad.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        JsonNode v = r.result("fresh-context-presets");
        String diffs = v.get("diffs").toString();
        assertTrue(diffs.contains("unicorn: x19: expected 0x"), diffs);
        assertTrue(diffs.contains("qemu: x19: expected 0x"), diffs);
        assertTrue(v.get("same").asBoolean(), "qemu and Unicorn still agree with each other: " + v);
    }

    @Test
    void aFaultExpectationThatDoesNotHoldIsCaught(@TempDir Path dir) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode tree = (ObjectNode) m.readTree(VECTORS.resolve("fault-save-ends-before-sp.json").toFile());
        ((ObjectNode) tree.get("expect").get("fault")).put("address", "0x7ffde0002008");
        Path bad = dir.resolve("bad-fault.json");
        m.writeValue(bad.toFile(), tree);
        Result r = run("vectors", "--arch", "arm64", "--qemu", "--json", bad.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        String diffs = r.result("fault-save-ends-before-sp").get("qemu").get("diffs").toString();
        assertTrue(diffs.contains("fault address: expected 0x7ffde0002008, got 0x7ffde0002000"), diffs);
    }

    /**
     * A real disagreement, found by this differential: a branch to an address with a non-zero top
     * byte. Linux runs user code with TBI0 (top byte ignored), so qemu-user branches to the address
     * without its top byte; Unicorn keeps all 64 bits. Pinned so that either side changing shows.
     */
    @Test
    void unicornAndLinuxDisagreeOnTaggedBranchTargets() throws Exception {
        Result r = run("vectors", "--arch", "arm64", "--qemu", "--json", "--asm", "asm/variants-arm64/broken-ret-via-x19.s",
                VECTORS.resolve("contexts-below-4gib.json").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        JsonNode v = r.result("contexts-below-4gib");
        assertFalse(v.get("same").asBoolean(), v.toString());
        assertEquals(1, r.json().get("mismatches").asInt());
        String d = v.get("differences").toString();
        assertTrue(d.contains("(unicorn), got 0x1435e228926ebe (qemu)"), d);
    }

    @Test
    void aSystemCallInTheRoutineIsRefused(@TempDir Path dir) throws Exception {
        Path svc = dir.resolve("svc.s");
        Files.writeString(svc, Files.readString(TestFiles.ROOT.resolve("asm/context_arm64.s"))
                .replace("        ret                             // to restore->x30", "        svc     #0\n        ret  // to restore->x30"));
        Result r = run("vectors", "--arch", "arm64", "--qemu", "--asm", svc.toString(), VECTORS.resolve("values-zero.json").toString());
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().matches("(?s)ctxlab: .*svc\\.s:\\d+.*svc \\(a system call\\).*\n"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void x86VectorsAreNotForQemu() {
        Result r = run("vectors", "--qemu", TestFiles.ROOT.resolve("testvectors").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--qemu runs the arm64 vectors"), r.err());
        // An x86-64 routine given to the arm64 corpus is named as such, not fed to the AArch64 assembler.
        Result asm = run("vectors", "--qemu", "--asm", TestFiles.ROOT.resolve("asm/context_x86_64.s").toString());
        assertEquals(2, asm.exit());
        assertTrue(asm.err().contains("is an x86-64 routine") && asm.err().lines().count() <= 2, asm.err());
    }

    /** The generated program checks that ctxlab is its parent: given another pid, it exits at once (status 5). */
    @Test
    void theProgramExitsWhenItsParentIsNotCtxlab(@TempDir Path dir) throws Exception {
        Tools tools = Tools.find();
        Arm64Vector v = Arm64Vector.read(VECTORS.resolve("values-zero.json"));
        Path src = dir.resolve("p.s"), obj = dir.resolve("p.o"), exe = dir.resolve("p");
        Files.writeString(src, Program.source(v, "cem_swapcontext", 1, 4)
                + "\n        .text\n        .globl cem_swapcontext\ncem_swapcontext: ret\n");
        assertEquals(0, Proc.run(List.of(tools.as().toString(), "-o", obj.toString(), src.toString()), dir, Duration.ofSeconds(60), 4096).exit());
        assertEquals(0, Proc.run(List.of(tools.ld().toString(), "-static", "-nostdlib", "-e", "_start", "-o", exe.toString(), obj.toString()),
                dir, Duration.ofSeconds(60), 4096).exit());
        Proc.Result q = Proc.run(List.of(tools.qemu().toString(), exe.toString()), dir, Duration.ofSeconds(30), 4096);
        assertEquals(Program.EXIT_ORPHAN, q.exit());
        assertEquals(0, q.stdout().length);
    }

    @Test
    void missingToolsNameTheirPackage(@TempDir Path dir) throws Exception {
        var e = assertThrows(QemuUnavailableException.class, () -> Tools.find(dir.toString()));
        assertTrue(e.getMessage().contains("install the Debian package qemu-user"), e.getMessage());
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(bin.resolve(Tools.QEMU), Tools.onPath(Tools.QEMU, System.getenv("PATH")).orElseThrow());
        e = assertThrows(QemuUnavailableException.class, () -> Tools.find(bin.toString()));
        assertTrue(e.getMessage().contains("aarch64-linux-gnu-as") && e.getMessage().contains("binutils-aarch64-linux-gnu"), e.getMessage());
    }

    /** Through the launcher's JVM with a PATH that lacks qemu: one line naming the package, exit 2. */
    @Test
    void withoutQemuTheCommandExitsTwo(@TempDir Path dir) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "ctxlab.cli.Main", "vectors", "--arch", "arm64", "--qemu").directory(TestFiles.ROOT.toFile());
        pb.environment().put("PATH", dir.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes()), err = new String(p.getErrorStream().readAllBytes());
        assertEquals(2, p.waitFor());
        assertEquals("", out);
        assertEquals(List.of("ctxlab: --qemu needs qemu-aarch64, which is not on PATH: install the Debian package qemu-user"),
                err.lines().toList());
    }

    /** The comparison itself: one register and one byte apart are both named, with both values. */
    @Test
    void differencesNameTheRegisterOrAddressAndBothValues() {
        Arm64Vector v = Arm64Vector.read(VECTORS.resolve("values-zero.json"));
        Map<String, Long> regs = new java.util.LinkedHashMap<>();
        for (String n : Arm64Vector.compared()) regs.put(n, 0L);
        Map<String, byte[]> mem = new java.util.LinkedHashMap<>();
        for (Arm64Vector.Region r : v.regions()) mem.put(r.name(), new byte[(int) r.size()]);
        State u = new State(State.Outcome.LANDED, regs, 0x5e5e00000200L, mem, null, null);
        Map<String, Long> regs2 = new java.util.LinkedHashMap<>(regs);
        regs2.put("x21", 7L);
        Map<String, byte[]> mem2 = new java.util.LinkedHashMap<>();
        mem.forEach((k, b) -> mem2.put(k, b.clone()));
        mem2.get("stacks")[0x10] = 1;
        State q = new State(State.Outcome.LANDED, regs2, 0x5e5e00000200L, mem2, null, null);
        assertEquals(List.of("x21: expected 0x0 (unicorn), got 0x7 (qemu)",
                "stacks+0x10 (0x7ffde0020010): expected 0x0000000000000000 (unicorn), got 0x0000000000000001 (qemu)"),
                QemuVectors.differences(v, u, q));
        assertEquals(List.of(), QemuVectors.differences(v, u, u));
        State f = new State(State.Outcome.FAULT, regs, 0x400000L, mem, new State.Fault("unmapped", null, 0x10, 0x400000L, "SIGSEGV/SEGV_MAPERR"), null);
        assertNotEquals(List.of(), QemuVectors.differences(v, u, f));
    }

    private static Set<String> leftovers() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ctxlab-qemu-")).collect(Collectors.toSet());
        }
    }
}
