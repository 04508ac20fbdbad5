package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which hosts may run native code (runs anywhere: no native code here). */
class HostGatingTest {
    @Test
    void hostGating() {
        assertEquals(Optional.empty(), Host.unsupported("Linux", "amd64"));
        assertEquals(Optional.empty(), Host.unsupported("Linux", "x86_64"));
        String mac = Host.unsupported("Mac OS X", "aarch64").orElseThrow();
        assertEquals("host execution needs x86-64 Linux; this is Mac OS X on aarch64 (the emulated commands work here: drop --host)", mac);
        assertTrue(Host.unsupported("Linux", "aarch64").isPresent());
        assertTrue(Host.unsupported("Windows 11", "amd64").isPresent());
    }
}
