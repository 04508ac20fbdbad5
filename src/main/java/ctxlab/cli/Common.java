package ctxlab.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Path;

/** What every command shares: where the project is, and JSON output. */
final class Common {
    /** Made on first JSON output only: an ObjectMapper costs ~55 ms at start-up, which text output never needs. */
    private static final class Mapper {
        static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private Common() {}

    /** The project root: set by the launcher, else the working directory. */
    static Path root() {
        String r = System.getProperty("ctxlab.root");
        return Path.of(r == null ? "." : r);
    }

    static Path defaultSwitchFile() {
        return root().resolve("asm/context_x86_64.s");
    }

    /** A path as the user should read it: relative to the working directory when inside it. */
    static String display(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        Path abs = p.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }

    static String json(Object value) {
        try {
            return Mapper.JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A native command's --timeout, checked. */
    static java.time.Duration timeout(long seconds) {
        if (seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("--timeout must be between 1 and 3600 seconds, got " + seconds);
        }
        return java.time.Duration.ofSeconds(seconds);
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
