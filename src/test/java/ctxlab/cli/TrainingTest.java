package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The launcher, scripts/setup and Training agree on which commands have an AOT cache of their own. */
class TrainingTest {

    @Test
    void setupTrainsExactlyTheCachesTheLauncherLooksFor() throws Exception {
        Path root = TestFiles.ROOT;
        String launcher = Files.readString(root.resolve("ctxlab"));
        String setup = Files.readString(root.resolve("scripts/setup"));
        Matcher l = Pattern.compile("\\n\\s*([a-z|]+)\\) \\[ -r \"\\$ctxlab_root/target/aot/\\$1\\.aot\" \\]").matcher(launcher);
        assertTrue(l.find(), "the launcher's case of commands with their own cache");
        Matcher s = Pattern.compile("for command in ([a-z ]+); do train \"target/aot/\\$command\\.aot\"").matcher(setup);
        assertTrue(s.find(), "setup's loop over commands with their own cache");
        List<String> fromLauncher = List.of(l.group(1).split("\\|"));
        List<String> fromSetup = List.of(s.group(1).strip().split(" +"));
        assertEquals(fromSetup, fromLauncher);
        assertEquals(Training.OWN_CACHE, fromSetup);
        for (String command : fromSetup) {
            String[][] runs = Training.runs(command);
            assertTrue(runs.length > 0, command);
            for (String[] run : runs) assertEquals(command, run[0], "a cache of " + command + " trains only " + command);
        }
        assertThrows(IllegalArgumentException.class, () -> Training.runs("strands"));
    }
}
