package ctxlab.cli;

import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "assemble", mixinStandardHelpOptions = true,
        description = "Assemble a GNU-as file with Keystone and list symbols, size and every instruction.")
final class AssembleCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "GNU-as source (default: asm/context_x86_64.s)")
    Path file;

    @Option(names = "--base", paramLabel = "ADDR", description = "address to assemble for (default: 0)", converter = Converters.Address.class)
    long base;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Option(names = "--debug", description = "show stack traces of internal errors", hidden = true)
    boolean debug;

    @picocli.CommandLine.Mixin
    ArchOption arch = new ArchOption();

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean arm64 = arch.arm64(file);
        Path path = file != null ? file : ArchOption.defaultFile(arch.resolve(file));
        SourceFile source = SourceFile.read(path);
        source = new SourceFile(Common.display(path), source.text());
        Assembly a = arm64 ? ctxlab.asm.Arm64Assembler.assemble(source, base) : Assembler.assemble(source, base);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("file", source.name());
            if (arm64) j.put("arch", "arm64");
            j.put("size", a.size());
            j.put("instructions", a.instructionCount());
            j.put("bytes", a.hex());
            Map<String, Long> symbols = new LinkedHashMap<>();
            a.symbols().values().stream().sorted((x, y) -> Long.compare(x.offset(), y.offset()))
                    .forEach(s -> symbols.put(s.name(), s.offset()));
            j.put("symbols", symbols);
            j.put("base", a.base());
            j.put("lines", a.lines().stream().map(l -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("offset", l.offset());
                m.put("length", l.length());
                m.put("bytes", HexFormat.of().formatHex(a.code(), (int) l.offset(), (int) (l.offset() + l.length())));
                m.put("line", l.where().toString());
                m.put("source", l.text().strip());
                m.put("instruction", l.instruction());
                return m;
            }).toList());
            out.println(Common.json(j));
            return Main.OK;
        }
        out.printf("%s: %d bytes, %d instructions, assembled at %s%n", source.name(), a.size(), a.instructionCount(), Common.hex(a.base()));
        out.println();
        out.println("symbols:");
        a.symbols().values().stream().sorted((x, y) -> Long.compare(x.offset(), y.offset())).forEach(s ->
                out.printf("  %-24s offset 0x%04x  %-6s %s%n", s.name(), s.offset(), s.global() ? "global" : "local",
                        s.size() >= 0 ? "size " + s.size() : ""));
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
}
