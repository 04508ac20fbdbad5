package ctxlab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * {@code --arch x86-64|arm64}, shared by the commands as a picocli mixin. Without the option the
 * architecture is inferred from the file: a {@code ctxlab-arch: arm64} comment, else the source
 * itself (AArch64 register operands such as {@code x19} or {@code [x0, #8]} and no AT&amp;T
 * {@code %} registers); x86-64 otherwise. An ELF file says it in its header: {@code e_machine} 183
 * (EM_AARCH64) is arm64, 62 (EM_X86_64) x86-64, anything else is refused naming the number.
 */
final class ArchOption {
    enum Arch {
        X86_64("x86-64"), ARM64("arm64");

        final String id;

        Arch(String id) {
            this.id = id;
        }
    }

    @Option(names = "--arch", paramLabel = "ARCH", converter = Converter.class,
            description = "x86-64 or arm64 (aarch64); default: inferred from the file (an ELF file's e_machine, a"
                    + " 'ctxlab-arch: arm64' comment or AArch64 registers in the source), else x86-64")
    Arch arch;

    static final class Converter implements picocli.CommandLine.ITypeConverter<Arch> {
        @Override
        public Arch convert(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "x86-64", "x86_64", "amd64", "x64" -> Arch.X86_64;
                case "arm64", "aarch64" -> Arch.ARM64;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "unknown architecture '" + value + "' (x86-64 or arm64)");
            };
        }
    }

    private static final Pattern MARKER = Pattern.compile("ctxlab-arch:\\s*([\\w-]+)");
    private static final Pattern A64_OPERAND = Pattern.compile("(?m)^\\s*[a-z][a-z0-9.]*\\s+.*(\\[\\s*(x\\d+|sp)\\b|\\b[xwd](1\\d|2\\d|30|[0-9])\\s*,)");
    private static final Pattern ATT_REGISTER = Pattern.compile("%(r(ax|bx|cx|dx|si|di|bp|sp|ip|\\d+)|e(ax|bx|cx|dx|si|di|bp|sp)|xmm\\d+)\\b");

    /** The option, or what the file says, or x86-64 (also when {@code file} is null). */
    Arch resolve(Path file) {
        if (arch != null) return arch;
        return file == null ? Arch.X86_64 : infer(file);
    }

    boolean arm64(Path file) {
        return resolve(file) == Arch.ARM64;
    }

    static Arch infer(Path file) {
        // Only a regular file within the input cap is looked into: a FIFO would be consumed (the
        // command opens it again), and /dev/zero never ends; the command reports either itself.
        if (!Files.isRegularFile(file)) return Arch.X86_64;
        byte[] head;
        try (var in = Files.newInputStream(file)) {
            head = in.readNBytes((int) Limits.MAX_INPUT + 1);
        } catch (IOException e) {
            return Arch.X86_64;   // the command reports the unreadable file itself
        }
        if (head.length > Limits.MAX_INPUT) return Arch.X86_64;   // refused by the command, with its size
        if (head.length >= 4 && head[0] == 0x7F && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
            // A header too short to hold e_machine is reported by the ELF reader ("truncated ELF header").
            if (head.length < 20) return Arch.X86_64;
            // Only little-endian files are read: any other one goes to the reader, which says so.
            if (head[5] != 1) return Arch.X86_64;
            int machine = (head[19] & 0xff) << 8 | (head[18] & 0xff);
            return switch (machine) {
                case ctxlab.asm.elf.ElfFile.EM_AARCH64 -> Arch.ARM64;
                case ctxlab.asm.elf.ElfFile.EM_X86_64 -> Arch.X86_64;
                default -> throw new IllegalArgumentException(Common.display(file) + ": an ELF file for e_machine " + machine
                        + ctxlab.asm.elf.ElfFile.machineName(machine) + "; ctxlab reads x86-64 (62) and AArch64 (183) code");
            };
        }
        String text = new String(head, java.nio.charset.StandardCharsets.UTF_8);
        var m = MARKER.matcher(text);
        if (m.find()) {
            return new Converter().convert(m.group(1));
        }
        return A64_OPERAND.matcher(text).find() && !ATT_REGISTER.matcher(text).find() ? Arch.ARM64 : Arch.X86_64;
    }

    /** Whether a vector path lies in (or is) a {@code testvectors-arm64} folder. */
    static boolean inArm64Vectors(Path p) {
        for (Path element : p.toAbsolutePath().normalize()) {
            if (element.toString().equals("testvectors-arm64")) return true;
        }
        return false;
    }

    /** The default switch routine for the architecture. */
    static Path defaultFile(Arch arch) {
        return Common.root().resolve(arch == Arch.ARM64 ? "asm/context_arm64.s" : "asm/context_x86_64.s");
    }
}
