package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.abi.Conventions;
import ctxlab.emu.Reg;
import ctxlab.vectors.Comparison;
import ctxlab.vectors.Corpus;
import ctxlab.vectors.Linked;
import ctxlab.vectors.Observed;
import ctxlab.vectors.UnicornRunner;
import ctxlab.vectors.Vector;
import ctxlab.vectors.VectorParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * {@code vectors --host} for the non-Cem conventions: each routine is its own host unit behind a
 * gate that verifies it under its convention, every vector runs natively bit for bit against
 * Unicorn, and the comparison keeps its teeth (libco's push of the landing included).
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class HostConventionVectorsTest {
    static final List<String> CONVENTIONS = List.of("boost-fcontext", "libaco", "minicoro", "libco");

    static List<Vector> of(String convention) {
        return Corpus.find(List.of(TestFiles.ROOT.resolve(Corpus.DIR).resolve(convention))).stream().map(Corpus.Entry::read).toList();
    }

    @Test
    void everyConventionsVectorsRunNativelyAndAgreeWithUnicorn() {
        List<Vector> vectors = new ArrayList<>();
        for (String c : CONVENTIONS) vectors.addAll(of(c));
        HostVectors.Report r = HostVectors.run(TestFiles.ROOT, vectors, null, HostVectors.TIMEOUT);
        String text = String.join("\n", r.text());
        assertEquals(0, r.exit(), text);
        assertEquals(0, r.json().skipped(), text);
        for (HostVectors.ResultJson m : r.json().results()) {
            assertEquals(Boolean.TRUE, m.same(), m.toString());
            assertNotNull(m.host(), m.toString());
        }
        List<String> verifiers = r.json().verifiers();
        for (String c : CONVENTIONS) {
            assertTrue(verifiers.stream().anyMatch(v -> v.startsWith("verify --convention " + c + " ")), verifiers.toString());
        }
    }

    @Test
    void aBrokenRoutineIsRefusedByItsConventionsGate() {
        Path broken = TestFiles.ROOT.resolve("asm/conventions/libaco/broken-r14-not-restored.s");
        HostVectors.Report r = HostVectors.run(TestFiles.ROOT, of("libaco"), broken, HostVectors.TIMEOUT);
        assertEquals(1, r.exit());
        String refused = r.json().refused();
        assertNotNull(refused);
        assertTrue(refused.contains("verify --convention libaco") && refused.contains("r14"), refused);
        // In this JVM too: the gate will not issue a token for it.
        assertThrows(VerificationGate.VerificationFailedException.class, () -> HostCode.build(
                HostSources.conventionFiles(TestFiles.ROOT, broken),
                VerificationGate.forConvention(Conventions.byName("libaco").orElseThrow(), "acosw")).close());
    }

    @Test
    void libcosPushOfTheLandingIsMappedBackAndAChangedRegisterIsStillAMismatch() {
        Path ok = TestFiles.ROOT.resolve("asm/conventions/libco/ok-coctx-swap.s");
        try (HostCode code = HostCode.build(HostSources.conventionFiles(TestFiles.ROOT, ok),
                VerificationGate.forConvention(Conventions.byName("libco").orElseThrow(), "coctx_swap"))) {
            Path f = TestFiles.ROOT.resolve("testvectors/libco/libco-plain-switch.json");
            Linked l = Linked.link(VectorParser.read(f, f.toString(), "libco-plain-switch"), code.assembly());
            Observed unicorn = new UnicornRunner(TestFiles.ROOT).execute(l);
            Observed host = VectorReplay.host(l, code);
            assertEquals(List.of(), VectorReplay.differences(l, unicorn, host));
            assertEquals(List.of(), Comparison.diffs(l, host));
            // The resume address the routine pushed at [pending->rsp] is the stop address again.
            long pendingRsp = l.qword(l.registers().get(Reg.RSI) + 0x68);
            Linked.Image stack = l.imageAt(pendingRsp, 8);
            long pushed = java.nio.ByteBuffer.wrap(host.memory().get(stack.region().name())).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .getLong((int) (pendingRsp - stack.base()));
            assertEquals(l.until().longValue(), pushed);
            // Teeth: the host started from another r10 (a register the contract leaves alone).
            Map<Reg, Long> regs = new EnumMap<>(l.registers());
            regs.put(Reg.R10, regs.get(Reg.R10) ^ 1);
            Linked altered = new Linked(l.vector(), l.assembly(), l.entry(), regs, l.images(), l.until(), l.budget(), l.expect());
            assertEquals(List.of(String.format("r10: expected 0x%x (unicorn), got 0x%x (host)", l.registers().get(Reg.R10),
                    l.registers().get(Reg.R10) ^ 1)), VectorReplay.differences(l, unicorn, VectorReplay.host(altered, code)));
        }
    }
}
