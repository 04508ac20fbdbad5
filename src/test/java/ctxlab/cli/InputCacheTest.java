package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ctxlab.TestFiles;
import ctxlab.asm.AssemblyCache;
import ctxlab.asm.SourceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command's input goes through the assembled-output cache when it is a source, never when it is ELF. */
class InputCacheTest {
    @Test
    void sourcesUseTheCacheAndElfInputDoesNot(@TempDir Path dir) throws Exception {
        assumeTrue(TestFiles.haveGnuAs(), "GNU as makes the ELF object");
        AssemblyCache.setEnabled(true);
        int before = AssemblyCache.sharedLookups();
        Input source = Input.load(TestFiles.SWITCH, 0, "cem_swapcontext", true, SourceOptions.DEFAULT);
        assertEquals(before + 1, AssemblyCache.sharedLookups(), "a source is looked up in the cache");

        Path object = dir.resolve("context.o");
        Process p = new ProcessBuilder("as", "-o", object.toString(), TestFiles.SWITCH.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, log);
        Input elf = Input.load(object, 0, "cem_swapcontext", true, SourceOptions.DEFAULT);
        assertTrue(elf.elf());
        assertEquals(before + 1, AssemblyCache.sharedLookups(), "ELF input never goes through the cache");
        assertArrayEquals(source.assembly().code(), elf.assembly().code());
    }
}
