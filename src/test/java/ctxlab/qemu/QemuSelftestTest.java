package ctxlab.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import ctxlab.TestFiles;
import ctxlab.selftest.Arm64Selftest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code selftest --arch arm64 --qemu}: the six scenarios' calls under qemu-aarch64, judged and compared with Unicorn. */
class QemuSelftestTest {
    static JsonNode scenario(QemuVectorsTest.Result r, String name) throws Exception {
        for (JsonNode s : r.json().get("scenarios")) if (s.get("name").asText().equals(name)) return s;
        throw new AssertionError("no scenario " + name + " in " + r.out());
    }

    @Test
    void allSixPassUnderQemuWithTheSameBytesAsUnicorn() throws Exception {
        assumeTrue(Tools.available(), "qemu-aarch64 or aarch64-linux-gnu-as/-ld not installed");
        QemuVectorsTest.Result r = QemuVectorsTest.run("selftest", "--qemu", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = r.json();
        assertEquals(6, j.get("scenarios").size());
        assertEquals(0, j.get("mismatches").asInt());
        for (JsonNode s : j.get("scenarios")) {
            assertTrue(s.get("passed").asBoolean(), s.toString());
            assertTrue(s.get("same").asBoolean(), s.toString());
            assertTrue(s.get("qemu").get("passed").asBoolean(), s.toString());
        }
    }

    /** The 168-byte routine leaves FPCR alone: qemu shows the same leak as Unicorn, by name. */
    @Test
    void theFpcrLeakShowsUnderQemuToo() throws Exception {
        assumeTrue(Tools.available(), "qemu-aarch64 or aarch64-linux-gnu-as/-ld not installed");
        QemuVectorsTest.Result r = QemuVectorsTest.run("selftest", "--arch", "arm64", "--qemu", "--json",
                "--asm", "asm/variants-arm64/ok-no-fpcr-168-bytes.s");
        assertEquals(1, r.exit(), r.out() + r.err());
        JsonNode s = scenario(r, "simple-switch");
        assertFalse(s.get("qemu").get("passed").asBoolean());
        assertTrue(s.get("qemu").get("failures").toString().contains("strand entry FPCR (default): expected 0x0, got 0x400000"), s.toString());
        assertTrue(s.get("same").asBoolean(), s.toString());
        assertTrue(scenario(r, "multiple-switches").get("passed").asBoolean());
    }

    /** A routine that loses lr faults under qemu where it faults in Unicorn, at the same instruction. */
    @Test
    void aFaultUnderQemuIsNamedWithItsLine() throws Exception {
        assumeTrue(Tools.available(), "qemu-aarch64 or aarch64-linux-gnu-as/-ld not installed");
        QemuVectorsTest.Result r = QemuVectorsTest.run("selftest", "--arch", "arm64", "--qemu", "--json",
                "--asm", "asm/variants-arm64/broken-lr-not-restored.s");
        assertEquals(1, r.exit(), r.out() + r.err());
        JsonNode s = scenario(r, "simple-switch");
        assertTrue(s.get("qemu").get("failures").toString().contains(
                "under qemu: SIGSEGV/SEGV_MAPERR at 0x7f0000012068 (pc 0x400114 = asm/strands-arm64/simple.s:"), s.toString());
        assertTrue(s.get("same").isNull(), "nothing to compare when qemu faulted: " + s);
    }

    /**
     * The pairing itself, without qemu: a second engine that leaves every byte as it was is judged
     * by the scenario's checks, and each byte it differs from Unicorn in is named with both values.
     */
    @Test
    void aSecondEngineThatDoesNothingIsCaught() {
        Path root = TestFiles.ROOT;
        var a = Arm64Selftest.assemble(Arm64Selftest.sources(root, root.resolve("asm/context_arm64.s"), Path::toString));
        List<Arm64Selftest.Paired> p = Arm64Selftest.run(a, (before, entry, sp, lr, x0) ->
                before.stream().map(Arm64Selftest.Region::bytes).toList());
        Arm64Selftest.Paired simple = p.getFirst();
        assertEquals("simple-switch", simple.outcome().name());
        assertFalse(simple.outcome().passed());
        assertTrue(simple.outcome().failures().contains("strand ran: expected 0x1, got 0x0"), simple.outcome().failures().toString());
        assertTrue(simple.compared());
        // main's saved registers at block+0x000 (its context), which only the call writes
        assertEquals("0x7f0000000000: expected 0x00007f0000000000 (unicorn), got 0x0000000000000000", simple.differences().getFirst());
    }
}
