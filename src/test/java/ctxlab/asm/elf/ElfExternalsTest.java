package ctxlab.asm.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ctxlab.asm.Assembly;
import ctxlab.emu.EmulationException;
import ctxlab.emu.Externals;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Compiled code's calls out of the routine (an object's zero field, a library's PLT stub or GOT slot) stop named. */
class ElfExternalsTest {
    @TempDir
    Path dir;

    /** Runs {@code bye(void) { _exit(3); }} from the file; the stop. */
    static EmulationException runBye(Path file) {
        Assembly a = ElfInput.load(ElfFile.read(file, file.getFileName().toString()), "bye", true, 0x400000).assembly();
        try (Machine m = Machine.x86_64()) {
            Externals.load(m, a);
            m.map(0x7000_0000L, 0x1000, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            EmulationException e = assertThrows(EmulationException.class, () -> m.call(a.address("bye"), 0x7000_0800L));
            assertEquals(3, m.get(Reg.RDI), "stopped at the call, with its argument set");
            return e;
        }
    }

    @Test
    void objectLibraryAndNoPltLibraryAllStopAtExit() throws Exception {
        assumeTrue(ElfInputTest.onPath("gcc"), "gcc not installed: the ELF inputs are compiled at test time");
        Path c = dir.resolve("bye.c");
        Files.writeString(c, ElfInputTest.C_FUNCTIONS);
        for (String[] flags : new String[][] {{"-O1", "-c"}, {"-O1", "-shared", "-fPIC"}, {"-O1", "-shared", "-fPIC", "-fno-plt"}}) {
            Path out = dir.resolve("bye" + flags.length + (flags.length == 2 ? ".o" : ".so"));
            ElfInputTest.gcc(c, out, flags);
            EmulationException e = runBye(out);
            String sym = flags.length == 4 ? "_exit@GOTPCREL" : "_exit@PLT";
            assertEquals(EmulationException.Kind.EXTERNAL, e.kind(), String.join(" ", flags) + ": " + e.getMessage());
            assertEquals("calls " + sym + " (from " + out.getFileName() + ":bye+0x", e.getMessage().substring(0,
                    e.getMessage().indexOf("+0x") + 3), String.join(" ", flags));
        }
    }
}
