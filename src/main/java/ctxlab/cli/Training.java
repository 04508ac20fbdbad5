package ctxlab.cli;

import java.io.PrintWriter;
import java.io.Writer;

/**
 * The training run behind the launcher's JVM AOT cache ({@code target/ctxlab.aot}, made by
 * {@code scripts/setup} with {@code -XX:AOTCacheOutput}): the commands whose start-up matters, in one
 * JVM, with their output thrown away. The JVM records which classes they load and link and how
 * their methods behave, and the cache hands that to every later start (JEPs 483, 514, 515).
 * scripts/setup runs it twice: once plainly, which fills the assembled-output cache, then for the AOT
 * cache, when every assembly is a cache hit — so Keystone's classes (most of the bytes, and needed only
 * on a miss) are not archived and not loaded at every start: measured, that is cheaper than archiving them.
 */
final class Training {
    private Training() {}

    public static void main(String[] args) {
        PrintWriter sink = new PrintWriter(Writer.nullWriter());
        String[][] runs = {
            {"--help"},
            {"assemble"}, {"assemble", "--json"}, {"verify"}, {"verify", "--json"}, {"selftest"}, {"trace"},
            {"trace", "--format", "json"}, {"vectors"}, {"verify", "--help"},
        };
        for (String[] run : runs) Main.execute(run, sink, sink);
        System.exit(0);
    }
}
