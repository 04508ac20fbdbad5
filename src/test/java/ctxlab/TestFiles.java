package ctxlab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Paths of the project's files, and GNU as as a reference assembler when it is installed. */
public final class TestFiles {
    private TestFiles() {}

    /** Maven runs tests in the project root. */
    public static final Path ROOT = Path.of("").toAbsolutePath();
    public static final Path SWITCH = ROOT.resolve("asm/context_x86_64.s");

    public static Path resource(String name) {
        return ROOT.resolve("src/test/resources").resolve(name);
    }

    /** Whether GNU as, ld and objcopy (binutils) are on the PATH. */
    public static boolean haveGnuAs() {
        return onPath("as") && onPath("ld") && onPath("objcopy");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** The .text bytes GNU as makes of the files (assembled as one unit), as hex. */
    public static Optional<String> gnuAs(List<Path> files) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("ctxlab-gas");
        Path obj = dir.resolve("x.o"), elf = dir.resolve("x.elf"), bin = dir.resolve("x.bin");
        run(dir, concat("as", "--64", "-o", obj.toString(), files));
        // Link at address 0 so that calls between global symbols are resolved as Keystone resolves them.
        run(dir, List.of("ld", "-static", "-nostdlib", "-Ttext=0", "-e", "0", "-o", elf.toString(), obj.toString()));
        run(dir, List.of("objcopy", "-O", "binary", "-j", ".text", elf.toString(), bin.toString()));
        return Optional.of(HexFormat.of().formatHex(Files.readAllBytes(bin)));
    }

    private static List<String> concat(String a, String b, String c, String d, List<Path> files) {
        List<String> cmd = new java.util.ArrayList<>(List.of(a, b, c, d));
        files.forEach(f -> cmd.add(f.toString()));
        return cmd;
    }

    private static void run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
