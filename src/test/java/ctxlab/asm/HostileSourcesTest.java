package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sources from a hostile-input campaign that hung ctxlab or took it minutes and gigabytes, each now
 * refused in seconds with the file and line: nested {@code .rept} loops, data directives past the
 * 1 MiB output limit, AArch64 files without any limit, a search for the bad statement that was
 * quadratic, a FIFO nobody writes, and errors that quoted a whole megabyte-long line.
 */
class HostileSourcesTest {
    @TempDir
    Path dir;

    static final String X86 = ".globl f\nf:\n";
    static final String A64 = "// ctxlab-arch: arm64\n.globl f\nf:\n";

    /** Assembles {@code body} (x86-64 unless it says arm64) and returns the refusal, which must come in time. */
    static AsmException refused(String name, String body, int seconds) {
        SourceFile f = new SourceFile(name, body);
        boolean arm64 = body.startsWith("// ctxlab-arch: arm64");
        return assertTimeoutPreemptively(Duration.ofSeconds(seconds), () -> assertThrows(AsmException.class,
                () -> {
                    if (arm64) Arm64Assembler.assemble(f, 0);
                    else Assembler.assemble(f, 0);
                }));
    }

    static void says(AsmException e, String... words) {
        for (String w : words) assertTrue(e.getMessage().contains(w), e.getMessage());
    }

    @Test
    void nestedLoopsWithEmptyBodiesAreBoundedByTheirWork() {
        // 4000^3 passes and not one statement: it ran for hours
        AsmException e = refused("t.s", X86 + ".rept 4000\n.rept 4000\n.rept 4000\n.endr\n.endr\n.endr\nret\n", 20);
        says(e, "t.s:", "steps to expand");
    }

    @Test
    void deeplyNestedLoopsAreRefusedQuickly() {
        // 5000 nested .rept 1 took 41 s (each level searched for its .endr again)
        AsmException e = refused("t.s", X86 + ".rept 1\n".repeat(5000) + "nop\n" + ".endr\n".repeat(5000) + "ret\n", 20);
        says(e, "t.s:", "nested more than");
        // nesting that real files use still expands
        Assembly a = Assembler.assemble(new SourceFile("ok.s", X86 + ".rept 2\n.rept 3\nnop\n.endr\n.endr\nret\n"), 0);
        assertEquals("909090909090c3", a.hex());
    }

    @Test
    void everyDataDirectiveCountsAgainstTheOutputLimit() {
        // a 3 MB string was assembled whole (and broke the tracer's memory layout)
        says(refused("t.s", X86 + ".ascii \"" + "A".repeat(3_000_000) + "\"\nret\n", 30), "t.s:3", "1 MiB of output");
        // an 8 KB file of 19,000 x 2,000 quads: over a minute and 640 MB before
        says(refused("t.s", X86 + ".rept 19000\n.quad " + "0,".repeat(1999) + "0\n.endr\nret\n", 20), "t.s:4", "1 MiB of output");
    }

    @Test
    void arm64HasTheSameOutputAndStatementLimits() {
        // Keystone spent 8 s twice and 900 MB on each of these
        says(refused("a.s", A64 + ".skip 2147483648\nret\n", 10), "a.s:4", "1 MiB of output");
        says(refused("a.s", A64 + ".fill 0x100000, 8, 0\nret\n", 10), "a.s:4", "1 MiB of output");
        // 200,000 statements on one line: still running after 100 s
        says(refused("a.s", A64 + "nop;".repeat(200_000) + "\nret\n", 20), "a.s:4", "statements");
    }

    @Test
    void theSearchForTheBadStatementIsBounded() {
        // 19,000 good lines then a bad one: the in-order search ran for over 200 s
        KeystoneFrontEnd.locateSeconds(2);
        try {
            AsmException e = refused("a.s", A64 + "nop\n".repeat(19_000) + "mov x0, x99\nret\n", 40);
            says(e, "a.s", "stopped looking");
        } finally {
            KeystoneFrontEnd.locateSeconds(0);
        }
    }

    @Test
    void anErrorQuotesOnlyTheStartOfAHugeLine() {
        AsmException e = refused("t.s", X86 + ".byte " + "0x90,".repeat(2_999_999) + "0x90\nret\n", 30);
        says(e, "t.s:3", "1 MiB of output", "characters)");
        assertTrue(e.getMessage().length() < 2000, e.getMessage().length() + " characters");
    }

    @Test
    void aFifoNobodyWritesIsRefusedInTime() throws Exception {
        Path fifo = dir.resolve("fifo.s");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "no mkfifo");
        SourceFile.pipeMillis(1500);
        try {
            AsmException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThrows(AsmException.class, () -> SourceFile.read(fifo, SourceOptions.DEFAULT)));
            says(e, fifo.toString(), "did not give its text within 1500 ms");
        } finally {
            SourceFile.pipeMillis(0);
            try (OutputStream o = Files.newOutputStream(fifo)) {
                o.flush();   // lets the reader thread, still blocked in open(), finish
            }
        }
        // a pipe that is written still reads, as before
        assertTrue(SourceFile.read(TestFiles.SWITCH, SourceOptions.DEFAULT).text().contains("cem_swapcontext"));
    }
}
