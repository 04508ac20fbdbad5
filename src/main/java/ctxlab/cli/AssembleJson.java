package ctxlab.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import ctxlab.asm.Assembly;
import ctxlab.asm.Relocation;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code assemble --json} prints, as types: Jackson writes the records' components in
 * declaration order, so each record is its JSON's field order (the field names and their order are
 * the output's contract; docs/elf.md lists them).
 */
final class AssembleJson {
    private AssembleJson() {}

    /** An assembled source. {@code arch} only for AArch64. */
    record Source(String file, @JsonInclude(JsonInclude.Include.NON_NULL) String arch, int size, long instructions,
                  String bytes, Map<String, Long> symbols, long base, List<RelocationJson> relocations, List<LineJson> lines) {
        static Source of(String file, boolean arm64, Assembly a) {
            return new Source(file, arm64 ? "arm64" : null, a.size(), a.instructionCount(), a.hex(), symbolsOf(a), a.base(),
                    relocationsOf(a), linesOf(a));
        }
    }

    /** A routine of an ELF file: {@code size} and {@code bytes} are the routine's, {@code offset} where it starts in the code. */
    record Elf(String file, String format, String type, String symbol, int size, long instructions, String bytes, long offset,
               Map<String, Long> symbols, long base, List<LineJson> lines, List<RelocationJson> relocations) {
        static Elf of(String file, String type, String symbol, byte[] bytes, long offset, Assembly a) {
            return new Elf(file, "elf", type, symbol, bytes.length, a.instructionCount(), HexFormat.of().formatHex(bytes), offset,
                    symbolsOf(a), a.base(), linesOf(a), relocationsOf(a));
        }
    }

    record RelocationJson(long offset, int width, String symbol, long addend, long instruction, String kind) {}

    /** One statement or instruction; {@code source} is its text as written (a source) or Capstone's (an ELF file). */
    record LineJson(long offset, int length, String bytes, String line, String source, boolean instruction) {}

    /** The symbols by offset (name to code offset). */
    private static Map<String, Long> symbolsOf(Assembly a) {
        Map<String, Long> symbols = new LinkedHashMap<>();
        a.symbols().values().stream().sorted((x, y) -> Long.compare(x.offset(), y.offset()))
                .forEach(s -> symbols.put(s.name(), s.offset()));
        return symbols;
    }

    private static List<RelocationJson> relocationsOf(Assembly a) {
        return a.relocations().stream().map(r -> new RelocationJson(r.offset(), r.width(), r.symbol(), r.addend(),
                r.instruction(), r.kind().name().toLowerCase(Locale.ROOT))).toList();
    }

    private static List<LineJson> linesOf(Assembly a) {
        return a.lines().stream().map(l -> new LineJson(l.offset(), l.length(),
                HexFormat.of().formatHex(a.code(), (int) l.offset(), (int) (l.offset() + l.length())),
                l.where().toString(), l.text().strip(), l.instruction())).toList();
    }
}
