package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C preprocessor is bounded in time even when it prints nothing (a hostile-input campaign found
 * {@code #include "/dev/zero"} hanging ctxlab for ever), and nothing it started outlives the refusal.
 */
class PreprocessorLimitsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void shortLimit() {
        Assumptions.assumeTrue(FrontendErrorsTest.haveCpp(), "no C preprocessor");
        Preprocessor.timeoutMillis(3000);
    }

    @AfterEach
    void defaultLimit() {
        Preprocessor.timeoutMillis(0);
    }

    static final SourceOptions CPP = new SourceOptions(true, List.of(), List.of(), List.of());

    void refusedInTime(String name, String text) throws Exception {
        Path s = dir.resolve(name);
        Files.writeString(s, text + ".globl f\nf:\n  ret\n");
        AsmException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(AsmException.class, () -> SourceFile.read(s, CPP)));
        // stopped by the clock, or by the memory limit when cc1 asks for more first
        assertTrue(e.getMessage().contains(s.toString()) && (e.getMessage().contains("did not finish within 3 s")
                || e.getMessage().contains("out of memory")), e.getMessage());
        // cc1 is the driver's child: it must be gone too, not left reading /dev/zero or growing
        Thread.sleep(200);
        List<String> left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(h -> h.info().command().orElse("?")).filter(c -> c.contains("cc1") || c.endsWith("cpp")).toList();
        assertEquals(List.of(), left, "preprocessor processes left running");
    }

    @Test
    void anIncludeOfDevZeroIsStopped() throws Exception {
        refusedInTime("zero.S", "#include \"/dev/zero\"\n");
    }

    @Test
    void aMacroThatDoublesThirtyTimesIsStopped() throws Exception {
        StringBuilder b = new StringBuilder("#define L0 nop;\n");
        for (int i = 1; i < 30; i++) b.append("#define L").append(i).append(" L").append(i - 1).append(" L").append(i - 1).append('\n');
        refusedInTime("bomb.S", b + "L29\n");
    }

    @Test
    void anOrdinaryFileStillPasses() throws Exception {
        Path s = dir.resolve("ok.S");
        Files.writeString(s, "#define RET ret\n.globl f\nf:\n  RET\n");
        assertTrue(SourceFile.read(s, CPP).text().contains("ret"));
    }
}
