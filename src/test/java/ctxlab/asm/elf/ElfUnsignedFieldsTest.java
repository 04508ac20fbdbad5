package ctxlab.asm.elf;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.asm.AsmException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ELF fields are unsigned: a corrupt file's message gives them as the file holds them, never negative. */
class ElfUnsignedFieldsTest {
    @TempDir
    Path dir;

    @Test
    void aHugeSectionOffsetIsNotShownNegative() throws Exception {
        byte[] elf = Files.readAllBytes(ElfInputTest.compileObject(dir));
        ByteBuffer bb = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = bb.getLong(40);
        bb.putLong((int) shoff + 64 + 24, 0x8000000000000000L);   // section 1's sh_offset: 2^63
        AsmException e = assertThrows(AsmException.class, () -> ElfFile.parse("x.o", elf));
        assertTrue(e.getMessage().contains("offset 9223372036854775808"), e.getMessage());
        assertFalse(e.getMessage().contains("-"), e.getMessage());
        elf[4] = (byte) 0xfe;   // EI_CLASS
        AsmException c = assertThrows(AsmException.class, () -> ElfFile.parse("x.o", elf));
        assertTrue(c.getMessage().contains("class 254"), c.getMessage());
    }
}
