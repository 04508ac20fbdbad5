package ctxlab.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.asm.AssemblyCache;
import ctxlab.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** --no-cache is accepted by every command that assembles, and turns the cache off for that run only. */
class CacheCliTest {
    static int run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        return Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void noCacheIsInheritedByTheCommands() {
        assertEquals(0, run("assemble", "--no-cache"));
        assertFalse(AssemblyCache.isEnabled());
        assertEquals(0, run("verify", "--no-cache", "--iterations", "20", "--seed", "1"));
        assertFalse(AssemblyCache.isEnabled());
        assertEquals(0, run("assemble"));
        assertTrue(AssemblyCache.isEnabled(), "the next run uses the cache again");
        assertEquals(2, run("assemble", "--no-cache", "--frobnicate"), "still a usage error");
    }
}
