package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** The verification gate and host gating: what may run natively, and where. */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class GateTest {

    @Test
    void onlyBytesThatPassedTheGateAtThatBaseLoad() {
        try (HostCode.Reservation r = HostCode.reserve()) {
            Assembly good = Assembler.assemble(HostSources.files(TestFiles.ROOT, TestFiles.SWITCH), r.base());
            VerificationGate.Verified token = VerificationGate.standard().check(good);
            assertTrue(token.covers(good));
            assertSame(token, VerificationGate.standard().check(good), "verified once per process");

            // One byte changed (r13's save displacement): the token does not cover it.
            byte[] code = good.code();
            code[0x0e] = 0x10;
            Assembly patched = new Assembly(code, good.base(), good.symbols(), good.lines());
            assertFalse(token.covers(patched));
            HostCode.UnverifiedCodeException e = assertThrows(HostCode.UnverifiedCodeException.class,
                    () -> HostCode.load(r, patched, token));
            assertTrue(e.getMessage().contains("have not passed emulated verification in this process"), e.getMessage());

            // And the gate itself rejects the patched bytes, naming the failures.
            VerificationGate.VerificationFailedException f = assertThrows(VerificationGate.VerificationFailedException.class,
                    () -> VerificationGate.standard().check(patched));
            // verify comes first: r13 is stored into save->r12, by the instruction on line 43.
            assertTrue(f.failures().stream().anyMatch(x -> x.startsWith("save: save->r12 (0x10)")
                    && x.contains("context_x86_64.s:43: movq    %r13, 24(%rdi)")), f.failures().toString());
            assertTrue(f.getMessage().contains("(verify (500 random states"), f.getMessage());
            // The scenarios would have refused it too (r13 lands in r12's slot, so main's r12
            // comes back as 0x3333…).
            assertTrue(new VerificationGate.SelftestVerifier().verify(patched).stream()
                    .anyMatch(x -> x.startsWith("simple-switch: ") && x.contains("0x3333333333333")));
            assertEquals(2, VerificationGate.standard().verifierNames().size());
            assertTrue(f.getMessage().startsWith("refusing to run this code on the host: it failed emulated verification"), f.getMessage());

            // Same bytes for another base: not covered either.
            Assembly moved = new Assembly(good.code(), good.base() + 0x1000, good.symbols(), good.lines());
            assertFalse(token.covers(moved));
        }
    }

    @Test
    void unverifiedCodeNeverLoadsOutsideTheChild() {
        try (HostCode.Reservation r = HostCode.reserve()) {
            Assembly a = Assembler.assemble(HostSources.files(TestFiles.ROOT, TestFiles.SWITCH), r.base());
            assertThrows(HostCode.UnverifiedCodeException.class, () -> HostCode.loadUnverified(r, a, null));
            assertThrows(HostCode.UnverifiedCodeException.class, () -> HostCode.load(r, a, null));
        }
    }

    @Test
    void javaNeverTouchesMemoryOutsideWhatWasAllocated() {
        HostMemory m = new HostMemory();
        Pages.Region r = Pages.fenced(4096);
        try {
            m.add(r.base(), r.size());
            m.writeLong(r.base() + 8, 42);
            assertEquals(42, m.readLong(r.base() + 8));
            HostException e = assertThrows(HostException.class, () -> m.readLong(r.top() - 4));
            assertTrue(e.getMessage().contains(String.format("0x%x", r.top() - 4)), e.getMessage());
            assertThrows(HostException.class, () -> m.writeLong(r.base() - 8, 1));
        } finally {
            r.unmap();
        }
    }
}
