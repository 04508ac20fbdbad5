package ctxlab.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.vectors.Arm64Vector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generated program's text and the run's folder, without running qemu. */
class ProgramTest {
    static final Arm64Vector ZERO = Arm64Vector.read(TestFiles.ROOT.resolve("testvectors-arm64/values-zero.json"));

    /** Names come from vector files: a newline in one must not end the comment it is written into. */
    @Test
    void aVectorNameCannotBecomeCode() {
        Arm64Vector v = new Arm64Vector("x\n        svc #0\n", "", List.of(new Arm64Vector.Region("r\nsvc #1", 0x10000000L, 0x1000)),
                List.of(), Map.of(), new Arm64Vector.Expect(0x5e5e00000100L, Map.of(), List.of(), null));
        String s = Program.source(v, "cem_swapcontext", 1, 4);
        assertFalse(s.lines().anyMatch(l -> l.strip().startsWith("svc #")), s);
        assertTrue(s.contains("vector x?        svc #0?: calls"), s);
    }

    @Test
    void theVectorsStateIsLoadedFromItsOwnTable() {
        String s = Program.source(ZERO, "cem_swapcontext", 1, 4);
        // x0-x30, sp, d0-d31, fpcr, nzcv in Arm64Vector.compared() order: d0 at 8 * 32, fpcr at 8 * 64
        assertTrue(s.contains("ldr     d0, [x0, #256]"), s);
        assertTrue(s.contains("ldr     x1, [x0, #512]\n        msr     fpcr, x1"), s);
        assertTrue(s.contains("ldr     x1, [x0, #248]\n        mov     sp, x1"), s);
        assertTrue(s.contains("b       cem_swapcontext"), s);
        assertEquals(Arm64Vector.compared().size(), s.lines().dropWhile(l -> !l.startsWith("ctxq_state:")).skip(1)
                .takeWhile(l -> l.strip().startsWith(".quad")).count());
    }

    @Test
    void foldersOfDeadRunsAreDeleted() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Path stale = Files.createDirectory(Path.of(System.getProperty("java.io.tmpdir"), "ctxlab-qemu-" + p.pid() + "-test"));
        Files.writeString(stale.resolve("v000.s"), "x");
        Path mine = Workdir.create();
        try {
            assertFalse(Files.exists(stale), stale + " left behind");
            assertTrue(mine.getFileName().toString().startsWith("ctxlab-qemu-" + ProcessHandle.current().pid() + "-"));
        } finally {
            Workdir.delete(mine);
            Workdir.delete(stale);
        }
        assertFalse(Files.exists(mine));
    }
}
