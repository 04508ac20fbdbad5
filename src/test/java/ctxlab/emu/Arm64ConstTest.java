package ctxlab.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every {@link Arm64Const} value and every {@link Arm64Reg} id against the installed Unicorn headers. */
class Arm64ConstTest {
    static final Path ARM64_H = UcConstTest.INCLUDE.resolve("arm64.h");
    static UcConstTest.Header header;

    @BeforeAll
    static void parse() throws IOException {
        assumeTrue(Files.isRegularFile(UcConstTest.UNICORN_H) && Files.isRegularFile(ARM64_H),
                "Unicorn headers not found: install libunicorn-dev");
        header = new UcConstTest.Header();
        header.parse(Files.readString(UcConstTest.UNICORN_H));
        header.parse(Files.readString(ARM64_H));
    }

    @Test
    void constantsMatchTheHeaders() throws IllegalAccessException {
        int n = 0;
        for (Field f : Arm64Const.class.getDeclaredFields()) {
            if (f.getType() != int.class) continue;
            Long v = header.value(f.getName());
            assertNotNull(v, f.getName() + " not in the headers");
            assertEquals(v.intValue(), f.getInt(null), f.getName());
            n++;
        }
        assertEquals(3, n);
    }

    @Test
    void registerIdsMatchArm64H() {
        for (Arm64Reg r : Arm64Reg.values()) {
            Long v = header.value("UC_ARM64_REG_" + r.name());
            assertNotNull(v, "UC_ARM64_REG_" + r.name() + " not in arm64.h");
            assertEquals(v.intValue(), r.ucId(), r.name());
        }
        // Measured independently (C compiled against the same headers): the ids are not in x order.
        assertEquals(1, header.value("UC_ARM64_REG_X29"));
        assertEquals(199, header.value("UC_ARM64_REG_X0"));
        assertEquals(291, header.value("UC_ARM64_REG_FPCR"));
        assertEquals(Arm64Reg.X29, Arm64Reg.x(29));
        assertEquals(Arm64Reg.X7, Arm64Reg.x(7));
        assertEquals(Arm64Reg.D15, Arm64Reg.d(15));
    }
}
