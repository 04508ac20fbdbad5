package ctxlab.cli;

import java.io.PrintWriter;
import java.io.Writer;

/**
 * The training runs behind the launcher's JVM AOT caches (made by {@code scripts/setup} with
 * {@code -XX:AOTCacheOutput}): the commands whose start-up matters, with their output thrown away.
 * The JVM records which classes they load and link and how their methods behave, and the cache hands
 * that to every later start (JEPs 483, 514, 515).
 * <p>
 * With no argument, every command in one JVM: {@code target/ctxlab.aot}, for any command. With a
 * command's name, that command alone: {@code target/aot/NAME.aot}, which the launcher prefers for it.
 * A cache's classes are all loaded at every start, used or not, so a cache of one command's classes
 * starts that command sooner (cold {@code verify}, 7 runs each interleaved: median wall 0.51 s with
 * the cache of everything, 0.47 s with verify's own; CPU 0.88 and 0.79 s).
 * <p>
 * scripts/setup runs the plain training first, which fills the assembled-output cache, so that in the
 * training runs for the AOT caches every assembly is a cache hit — Keystone's classes (most of the
 * bytes, and needed only on a miss) are not archived and not loaded at every start: measured, that is
 * cheaper than archiving them.
 */
final class Training {
    private Training() {}

    /** The commands with an AOT cache of their own (scripts/setup and the launcher list the same; TrainingTest). */
    static final java.util.List<String> OWN_CACHE = java.util.List.of("assemble", "verify", "selftest", "trace", "vectors");

    public static void main(String[] args) {
        PrintWriter sink = new PrintWriter(Writer.nullWriter());
        java.util.List<String[]> runs = new java.util.ArrayList<>();
        if (args.length > 0) {
            runs.addAll(java.util.List.of(runs(args[0])));
        } else {
            runs.add(new String[] {"--help"});
            for (String command : OWN_CACHE) runs.addAll(java.util.List.of(runs(command)));
            runs.add(new String[] {"verify", "--help"});
        }
        for (String[] run : runs) Main.execute(run, sink, sink);
        System.exit(0);
    }

    /** A command's own training runs. */
    static String[][] runs(String command) {
        // A switch, not a static map: see Main (a static map of method references crashed the AOT dump).
        return switch (command) {
            case "assemble" -> new String[][] {{"assemble"}, {"assemble", "--json"}};
            case "verify" -> new String[][] {{"verify"}, {"verify", "--json"}};
            case "selftest" -> new String[][] {{"selftest"}};
            case "trace" -> new String[][] {{"trace"}, {"trace", "--format", "json"}};
            case "vectors" -> new String[][] {{"vectors"}};
            default -> throw new IllegalArgumentException("no training for " + command);
        };
    }
}
