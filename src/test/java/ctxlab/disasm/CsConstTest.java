package ctxlab.disasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every constant and struct offset of {@link CsConst} against the installed Capstone headers
 * (libcapstone-dev): a C program generated from CsConst's field names is compiled with gcc against
 * {@code <capstone/capstone.h>} and prints what the compiler says, so a layout change of the headers
 * (another Capstone version) fails here instead of misreading memory.
 */
class CsConstTest {
    static final Path HEADER = Path.of("/usr/include/capstone/capstone.h");
    static Map<String, Long> compiled;

    /** Layout field name -> C expression. */
    static String expression(String field) {
        String[] parts = field.split("__");
        if (parts[0].equals("SIZEOF")) {
            return switch (parts[1]) {
                case "CS_INSN_MNEMONIC" -> "sizeof(((cs_insn*)0)->mnemonic)";
                case "CS_INSN_OP_STR" -> "sizeof(((cs_insn*)0)->op_str)";
                default -> "sizeof(" + parts[1].toLowerCase(Locale.ROOT) + ")";
            };
        }
        if (parts[0].equals("COUNTOF")) return "(sizeof(((cs_x86*)0)->operands)/sizeof(cs_x86_op))";
        return "offsetof(" + parts[0].toLowerCase(Locale.ROOT) + ", " + parts[1].toLowerCase(Locale.ROOT) + ")";
    }

    static List<Field> fields(Class<?> c) {
        List<Field> out = new ArrayList<>();
        for (Field f : c.getDeclaredFields()) {
            int m = f.getModifiers();
            if (Modifier.isStatic(m) && Modifier.isPublic(m) && f.getType() == int.class) out.add(f);
        }
        return out;
    }

    @BeforeAll
    static void compile() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(HEADER), "Capstone headers missing: install libcapstone-dev to check CsConst");
        Path dir = Files.createTempDirectory("csconst");
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <capstone/capstone.h>\nint main(void){\n");
        for (Field f : fields(CsConst.class)) {
            c.append("printf(\"%s %ld\\n\", \"").append(f.getName()).append("\", (long)(").append(f.getName()).append("));\n");
        }
        for (Field f : fields(CsConst.Layout.class)) {
            c.append("printf(\"%s %ld\\n\", \"").append(f.getName()).append("\", (long)(").append(expression(f.getName())).append("));\n");
        }
        c.append("return 0;}\n");
        Path src = dir.resolve("c.c"), exe = dir.resolve("c");
        Files.writeString(src, c);
        Process gcc = new ProcessBuilder("gcc", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes());
        assertTrue(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc failed:\n" + log);
        Process run = new ProcessBuilder(exe.toString()).start();
        String out = new String(run.getInputStream().readAllBytes());
        assertTrue(run.waitFor(10, TimeUnit.SECONDS) && run.exitValue() == 0);
        compiled = new HashMap<>();
        for (String line : out.split("\n")) {
            String[] w = line.split(" ");
            compiled.put(w[0], Long.parseLong(w[1]));
        }
    }

    @Test
    void everyConstantAndOffsetIsWhatTheCompilerSays() throws IllegalAccessException {
        List<String> wrong = new ArrayList<>();
        int checked = 0;
        for (Class<?> c : List.of(CsConst.class, CsConst.Layout.class)) {
            for (Field f : fields(c)) {
                long expected = compiled.get(f.getName());
                if (f.getInt(null) != expected) wrong.add(f.getName() + " = " + f.getInt(null) + ", headers say " + expected);
                checked++;
            }
        }
        assertEquals(List.of(), wrong);
        assertTrue(checked >= 45, "only " + checked + " checked");
    }

    @Test
    void theLoadedLibraryIsTheHeadersVersion() {
        assertTrue(Disassembler.version().startsWith(CsConst.CS_API_MAJOR + "."), Disassembler.version());
    }

    @Test
    void decodesWithOperandDetails() {
        try (Disassembler d = Disassembler.open()) {
            byte[] b = java.util.HexFormat.of().parseHex("64488b0c25280000004883e4f0");
            List<Instruction> i = d.disassemble(b, 0x1000);
            assertEquals(2, i.size());
            assertEquals("movq", i.get(0).mnemonic());
            assertEquals(new Instruction.Mem("fs", null, null, 1, 0x28, 8), i.get(0).operands().get(0));
            assertEquals(new Instruction.Reg("rcx", 8), i.get(0).operands().get(1));
            assertEquals(5, i.get(0).dispOffset());
            assertEquals(4, i.get(0).dispSize());
            assertEquals(0x1009, i.get(1).address());
            assertEquals(new Instruction.Imm(-16, 8), i.get(1).operands().get(0));
            assertEquals(3, i.get(1).immOffset());
            // an undecodable byte stops decoding; the caller sees the shortfall
            assertEquals(List.of(), d.disassemble(new byte[] {0x06}, 0));   // push %es: invalid in 64-bit mode
            assertEquals(1, d.disassemble(new byte[] {(byte) 0xc3, 0x06}, 0).size());
        }
    }

    @Test
    void aMissingLibraryIsANamedPrerequisiteNotACrash() throws Exception {
        // In a child JVM, so that this JVM's loaded library is not disturbed.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-D" + Capstone.LIBRARY_PROPERTY + "=libcapstone-none.so.9", "-cp", System.getProperty("java.class.path"),
                // --no-cache: a cache hit was cross-checked when it was stored, and needs no Capstone.
                "ctxlab.cli.Main", "assemble", "--no-cache", Path.of("asm/context_x86_64.s").toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("install the Debian package libcapstone4"), out);
        assertTrue(!out.contains("\tat "), out);
    }
}
