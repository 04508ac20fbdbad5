package ctxlab.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * asm/context_x86_64_fast.s is a drop-in for the seed: verify's seven properties, the six scenarios
 * and every applicable test vector, emulated and on the host. Speed is measured by bench, not here.
 */
class FastRoutineTest {
    static final String FAST = "asm/context_x86_64_fast.s";

    record Result(int exit, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void verifyProvesIt() {
        Result r = run("verify", FAST, "--iterations", "3000", "--seed", "13");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("verdict: PASS"), r.out());
    }

    @Test
    void theSixScenariosPass() {
        Result r = run("selftest", "--asm", FAST);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("6 passed, 0 failed"), r.out());
    }

    @Test
    void everyVectorThatDoesNotPinTheSeedsInstructionCountPasses() {
        Result r = run("vectors", "--asm", FAST);
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("58 passed, 0 failed"), r.out());
        assertTrue(r.err().contains("skipping 2 vector(s)") && r.err().contains("budget-exactly-17"), r.err());
    }

    /** The contract comparison of vectors --asm still has teeth: a clobbered rcx, a missing save. */
    @Test
    void vectorsAsmStillRejectsWhatBreaksTheContract() {
        Result popJmp = run("vectors", "--asm", "asm/variants/ok-pop-jmp.s");
        assertEquals(1, popJmp.exit(), popJmp.out());
        assertTrue(popJmp.out().contains("rcx: expected 0xcccccccccccc0001"), popJmp.out());
        Result broken = run("vectors", "--asm", "asm/variants/broken-missing-save-r13.s");
        assertEquals(1, broken.exit(), broken.out());
        assertTrue(broken.out().contains("save.r13"), broken.out());
        Result offBy8 = run("vectors", "--asm", "asm/variants/broken-rsp-saved-off-by-8.s");
        assertEquals(1, offBy8.exit(), offBy8.out());
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void onTheHostToo() {
        Result s = run("selftest", "--host", "--asm", FAST);
        assertEquals(0, s.exit(), s.out() + s.err());
        Result v = run("vectors", "--host", "--asm", FAST);
        assertEquals(0, v.exit(), v.out() + v.err());
        assertTrue(v.out().contains("58 passed, 0 failed"), v.out());
    }
}
