package ctxlab.cli;

import ctxlab.asm.Assembly;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "assemble", mixinStandardHelpOptions = true,
        description = "Assemble a GNU-as file with Keystone and list symbols, size and every instruction.",
        footer = {"", "Exit codes: 0 assembled and listed; 2 bad input (no such file or symbol, cannot",
                "assemble, a malformed ELF file, bad option)."})
final class AssembleCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "GNU-as source, or an ELF file (.o, .so, executable) to disassemble (default: asm/context_x86_64.s)")
    Path file;

    @Option(names = "--symbol", paramLabel = "NAME",
            description = "with an ELF file: the routine to list (default: the file's only function)")
    String symbol;

    @Option(names = "--base", paramLabel = "ADDR", description = "address to assemble for (default: 0)", converter = Converters.Address.class)
    long base;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @picocli.CommandLine.Mixin
    DebugOption debugOption = new DebugOption();

    @picocli.CommandLine.Mixin
    AsmOptions asmOptions = new AsmOptions();

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** The last byte of x86-64 user space (47-bit canonical lower half). */
    static final long MAX_BASE = 0x7fff_ffff_ffffL;

    @Override
    public Integer call() {
        boolean arm64 = arch.arm64(file);
        Path path = file != null ? file : arm64 ? ArchOption.defaultFile(ArchOption.Arch.ARM64) : Common.defaultSwitchFile();
        // User code lives in the lower half of the 47-bit address space; beyond it addresses are
        // not canonical (or wrap past 2^64), which Keystone would take without a word.
        if (base < 0 || base > MAX_BASE) {
            throw new IllegalArgumentException(String.format("--base 0x%x is outside the user address space [0, 0x%x]", base, MAX_BASE));
        }
        if ((base & 0xfff) != 0 && ctxlab.asm.elf.ElfFile.isElf(path)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--base must be page-aligned for an ELF file");
        }
        if (arm64 && (base & 3) != 0) {
            // AArch64 fetches only 4-byte-aligned instructions: code at an odd base can never run
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), String.format(
                    "--base 0x%x: AArch64 code must start at a multiple of 4", base));
        }
        Input input = arm64 ? Arm64Commands.input(path, base, symbol, asmOptions)
                : Input.load(path, base, symbol, symbol != null, asmOptions.options());
        Assembly a = input.assembly();
        if (symbol != null) a.symbol(symbol);
        if (Long.compareUnsigned(base + a.size(), MAX_BASE + 1) > 0) {
            throw new IllegalArgumentException(String.format("--base 0x%x: the %d bytes of code would run past 0x%x, the end of the"
                    + " user address space", base, a.size(), MAX_BASE + 1));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (input.elf()) return elf(out, input);
        if (json) {
            out.println(Common.json(AssembleJson.Source.of(input.name(), arm64, a)));
            return Main.OK;
        }
        out.printf("%s: %d bytes, %d instructions, assembled at %s%n", input.name(), a.size(), a.instructionCount(), Common.hex(a.base()));
        out.println();
        out.println("symbols:");
        a.symbols().values().stream().sorted((x, y) -> Long.compare(x.offset(), y.offset())).forEach(s ->
                out.printf("  %-24s offset 0x%04x  %-6s %s%n", s.name(), s.offset(), s.global() ? "global" : "local",
                        s.size() >= 0 ? "size " + s.size() : ""));
        if (!a.relocations().isEmpty()) {
            out.println();
            out.println(arm64 ? "relocations (undefined symbols; the branch goes to a stop, brk #0xe0, after the code):"
                    : "relocations (undefined symbols; the field holds zeros, as GNU as leaves it):");
            a.relocations().forEach(r -> out.printf("  field 0x%04x  %d bytes  %-24s addend %d  %s  (instruction 0x%04x)%n",
                    r.offset(), r.width(), r.symbol(), r.addend(), r.kind().name().toLowerCase(java.util.Locale.ROOT), r.instruction()));
        }
        out.println();
        out.printf("%-8s  %-30s  %-28s  %s%n", "offset", "bytes", "line", "source");
        List<Assembly.Line> lines = a.lines();
        HexFormat hexf = HexFormat.ofDelimiter(" ");
        for (Assembly.Line l : lines) {
            out.printf("0x%04x    %-30s  %-28s  %s%n", l.offset(),
                    hexf.formatHex(a.code(), (int) l.offset(), (int) (l.offset() + l.length())), l.where(), l.text().strip());
        }
        return Main.OK;
    }

    /** An ELF routine: Capstone's disassembly, its symbols and the references that leave it. */
    private int elf(PrintWriter out, Input input) {
        Assembly a = input.assembly();
        String routine = input.symbol();
        long[] extent = a.extent(routine);
        byte[] bytes = a.bytesOf(routine);
        HexFormat hexf = HexFormat.ofDelimiter(" ");
        if (json) {
            out.println(Common.json(AssembleJson.Elf.of(input.name(), input.kind(), routine, bytes, extent[0], a)));
            return Main.OK;
        }
        out.printf("%s (%s): %s, %d bytes, %d instructions (Capstone's disassembly), code offset %s, at %s%n", input.name(),
                input.kind(), routine,
                bytes.length, a.instructionCount(), Common.hex(extent[0]), Common.hex(a.base() + extent[0]));
        out.println();
        out.printf("%-8s  %-30s  %-28s  %s%n", "offset", "bytes", "where", "instruction");
        byte[] code = a.code();
        for (Assembly.Line l : a.lines()) {
            out.printf("0x%04x    %-30s  %-28s  %s%n", l.offset(),
                    hexf.formatHex(code, (int) l.offset(), (int) (l.offset() + l.length())), l.where(), l.text());
        }
        if (!a.relocations().isEmpty()) {
            out.println();
            out.println("references out of the code (stops in emulation):");
            for (var r : a.relocations()) {
                out.printf("  0x%04x  %-5s %s%n", r.instruction(), r.kind().name().toLowerCase(java.util.Locale.ROOT), r.symbol());
            }
        }
        return Main.OK;
    }
}
