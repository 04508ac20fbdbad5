package ctxlab.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Real-world constructs (issue 11) against GNU as / gcc -c, byte for byte and relocation for relocation. */
class FrontendTest {
    static final Path DIR = TestFiles.resource("gnu-as");
    static final SourceOptions CPP = new SourceOptions(false, List.of("GUARD_SLOT=0x28", "WITH_CET_NOTE"), List.of(),
            List.of(DIR.resolve("include").toString()));

    record Case(String file, SourceOptions options) {
        @Override
        public String toString() {
            return file;
        }
    }

    static Stream<Case> corpus() {
        return Stream.of(new Case("cpp_switch.S", CPP), new Case("fs_absolute.s", SourceOptions.DEFAULT),
                new Case("cet_shadow.s", SourceOptions.DEFAULT), new Case("intel_switch.s", SourceOptions.DEFAULT),
                new Case("externals.s", SourceOptions.DEFAULT));
    }

    /** GNU's object file for the case: gcc -c for .S (same -D/-I), as otherwise. */
    static Path gnuObject(Case c, Path dir) throws Exception {
        Path src = DIR.resolve(c.file()), obj = dir.resolve("x.o");
        List<String> cmd = new ArrayList<>();
        if (c.file().endsWith(".S")) {
            cmd.addAll(List.of("gcc", "-c"));
            c.options().defines().forEach(d -> cmd.add("-D" + d));
            c.options().includes().forEach(i -> cmd.add("-I" + i));
        } else {
            cmd.addAll(List.of("as", "--64"));
        }
        cmd.addAll(List.of("-o", obj.toString(), src.toString()));
        run(dir, cmd);
        return obj;
    }

    static String run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    static boolean haveGnu() {
        return TestFiles.haveGnuAs() && onPath("gcc") && onPath("readelf");
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) if (Files.isExecutable(Path.of(d, tool))) return true;
        return false;
    }

    /** .text of an unlinked object: relocated fields stay zero, as GNU as leaves them. */
    static String text(Path obj) throws Exception {
        Path bin = obj.resolveSibling("x.bin");
        run(obj.getParent(), List.of("objcopy", "-O", "binary", "-j", ".text", obj.toString(), bin.toString()));
        return HexFormat.of().formatHex(Files.readAllBytes(bin));
    }

    /** "offset symbol addend" for every .text relocation against an undefined symbol. */
    static List<String> undefinedRelocations(Path obj) throws Exception {
        String out = run(obj.getParent(), List.of("readelf", "-rW", obj.toString()));
        List<String> r = new ArrayList<>();
        boolean inText = false;
        for (String line : out.split("\n")) {
            if (line.startsWith("Relocation section")) inText = line.contains("'.rela.text'");
            String[] f = line.trim().split("\\s+");
            // offset info type value name+addend, the name not a section (".rodata")
            if (inText && f.length >= 7 && f[0].matches("[0-9a-f]{16}") && !f[4].startsWith(".")) {
                long addend = Long.parseLong(f[6]) * (f[5].equals("-") ? -1 : 1);
                r.add(Long.parseLong(f[0], 16) + " " + f[4] + " " + addend);
            }
        }
        r.sort(null);
        return r;
    }

    static Assembly ours(Case c) {
        return Assembler.assemble(SourceFile.read(DIR.resolve(c.file()), c.options()), 0);
    }

    @ParameterizedTest
    @MethodSource("corpus")
    void sameBytesAndRelocationsAsGnu(Case c) throws Exception {
        Assumptions.assumeTrue(haveGnu(), "binutils and gcc not installed: no reference to compare with");
        Path dir = Files.createTempDirectory("ctxlab-frontend");
        Path obj = gnuObject(c, dir);
        Assembly a = ours(c);
        assertEquals(text(obj), a.hex(), "bytes differ from GNU for " + c.file());
        List<String> mine = a.relocations().stream()
                .filter(r -> !a.symbols().containsKey(r.baseSymbol()) && !List.of("msg", "counter").contains(r.baseSymbol()))
                .map(r -> r.offset() + " " + r.baseSymbol() + " " + r.addend()).sorted().toList();
        assertEquals(undefinedRelocations(obj), mine, "relocations differ from GNU for " + c.file());
    }
}
