package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class Arm64VerifierTest {
    static final Path SWITCH = TestFiles.ROOT.resolve("asm/context_arm64.s");

    static Arm64Report verify(String name, String text, int iterations, long seed) {
        Assembly a = Arm64Assembler.assemble(new SourceFile(name, text), Arm64Verifier.CODE_BASE);
        try (Arm64Verifier v = new Arm64Verifier(a, name, Arm64Verifier.DEFAULT_SYMBOL)) {
            return v.run(iterations, seed);
        }
    }

    @Test
    void ourSwitchPassesEveryProperty() throws Exception {
        Arm64Report r = verify("asm/context_arm64.s", Files.readString(SWITCH), 2000, 1);
        assertEquals(List.of(), r.violations(), () -> r.violations().toString());
        assertTrue(r.switchesFpcr());
        for (Arm64Property p : Arm64Property.values()) assertTrue(r.evaluations().get(p) > 0, p.id());
        assertEquals(500, r.freshContexts());
        assertEquals(4000, r.switches());
        assertEquals(29, r.instructionCount());
        assertEquals(116, r.codeSize());
        assertEquals(List.of(Finding.CODE_SIZE), r.findings().stream().map(Finding::id).toList());
        assertTrue(r.findings().get(0).detail().contains("29 executed per switch"), r.findings().get(0).detail());
        assertTrue(r.passed(true));
    }
}
