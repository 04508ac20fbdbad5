package ctxlab.asm;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Machine code with everything needed to talk about it in source terms.
 *
 * @param code    the bytes, to be placed at {@code base}
 * @param base    the address the code was assembled for (branches and labels assume it)
 * @param symbols every label, by name
 * @param lines   every statement that produced bytes, in address order
 * @param relocations references to symbols the code does not define (empty for self-contained code)
 */
public record Assembly(byte[] code, long base, Map<String, Symbol> symbols, List<Line> lines,
                       List<Relocation> relocations) {

    /** A label. {@code size} is from {@code .size} when the source gives one, else -1. */
    public record Symbol(String name, long offset, boolean global, long size) {}

    /**
     * One source statement placed in the code.
     *
     * @param instruction false for data and alignment padding
     */
    public record Line(long offset, int length, SourceLocation where, String text, boolean instruction) {}

    public Assembly {
        code = code.clone();
        symbols = Map.copyOf(symbols);
        lines = List.copyOf(lines);
        relocations = List.copyOf(relocations);
    }

    /** Self-contained code: no references to undefined symbols. */
    public Assembly(byte[] code, long base, Map<String, Symbol> symbols, List<Line> lines) {
        this(code, base, symbols, lines, List.of());
    }

    @Override
    public byte[] code() {
        return code.clone();
    }

    public int size() {
        return code.length;
    }

    public long instructionCount() {
        return lines.stream().filter(Line::instruction).count();
    }

    /** The symbol, or an {@link AsmException} listing the global ones there are. */
    public Symbol symbol(String name) {
        Symbol s = symbols.get(name);
        if (s == null) {
            List<String> globals = symbols.values().stream().filter(Symbol::global).map(Symbol::name).sorted().toList();
            throw new AsmException("no symbol '" + name + "' in the assembled code"
                    + (globals.isEmpty() ? "" : " (global symbols: " + String.join(", ", globals) + ")"));
        }
        return s;
    }

    public long address(String symbol) {
        return base + symbol(symbol).offset();
    }

    /** The statement whose bytes contain {@code address}, or null. */
    public Line lineAt(long address) {
        long offset = address - base;
        for (Line l : lines) {
            if (offset >= l.offset() && offset < l.offset() + l.length()) return l;
        }
        return null;
    }

    /** "file:line: text" for an address, or the bare address outside the code. */
    public String describe(long address) {
        Line l = lineAt(address);
        return l == null ? String.format("0x%x", address) : l.where() + ": " + l.text().strip();
    }

    /**
     * The extent of a routine: from its label to its {@code .size} end, else to the next global
     * label, else to the end of the code.
     */
    public long[] extent(String name) {
        Symbol s = symbol(name);
        long end = code.length;
        if (s.size() >= 0) {
            end = s.offset() + s.size();
        } else {
            for (Symbol o : symbols.values()) {
                if (o.global() && o.offset() > s.offset() && o.offset() < end) end = o.offset();
            }
        }
        return new long[] {s.offset(), end};
    }

    /** Statements of a routine (see {@link #extent}). */
    public List<Line> linesOf(String name) {
        long[] e = extent(name);
        return lines.stream().filter(l -> l.offset() >= e[0] && l.offset() < e[1]).toList();
    }

    public byte[] bytesOf(String name) {
        long[] e = extent(name);
        return java.util.Arrays.copyOfRange(code, (int) e[0], (int) e[1]);
    }

    public String hex() {
        return HexFormat.of().formatHex(code);
    }
}
