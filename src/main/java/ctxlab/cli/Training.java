package ctxlab.cli;

import java.io.PrintWriter;
import java.io.Writer;

/**
 * The training run behind the launcher's JVM AOT cache ({@code target/ctxlab.aot}, made by
 * {@code scripts/setup} with {@code -XX:AOTCacheOutput}): the commands whose start-up matters, in one
 * JVM, with their output thrown away. The JVM records which classes they load and link and how
 * their methods behave, and the cache hands that to every later start (JEPs 483, 514, 515).
 * Both assembly paths are trained: through Keystone (cache off) and from the assembled-output cache.
 */
final class Training {
    private Training() {}

    public static void main(String[] args) {
        PrintWriter sink = new PrintWriter(Writer.nullWriter());
        String[][] runs = {
            {"--help"},
            {"assemble", "--no-cache"}, {"verify", "--no-cache"}, {"selftest", "--no-cache"}, {"trace", "--no-cache"},
            {"assemble"}, {"assemble", "--json"}, {"verify"}, {"verify", "--json"}, {"selftest"}, {"trace"},
            {"trace", "--format", "json"}, {"vectors"}, {"verify", "--help"},
        };
        for (String[] run : runs) Main.execute(run, sink, sink);
        System.exit(0);
    }
}
