package ctxlab.cli;

import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An ELF file's routine as GNU-as source, for the commands that assemble the routine together
 * with other code ({@code selftest}'s strand bodies call it by name, a vector's further files sit
 * after it): its code as the bytes it is, at the same offsets, with the routine's label (AArch64:
 * and {@code cem_swapcontext}, the name the strand bodies call). Each instruction keeps its
 * disassembly as a comment; the file is named after the ELF file. Assembled at the base the ELF
 * file was loaded at, as the unit's first file, every byte is where it was.
 */
final class ElfWords {
    private ElfWords() {}

    /** GNU-as symbol names only: an ELF symbol may be any string. */
    private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("[A-Za-z_.$][A-Za-z0-9_.$]*");

    /**
     * An x86-64 routine as {@code .byte} lines, one per instruction, with a label for every global
     * symbol of its code (the routines vectors call by name) and no other: as with its source,
     * selftest needs it to define cem_swapcontext.
     *
     * @throws IllegalArgumentException when the routine refers to code or data outside it (a
     *                                  relocation): its bytes alone would run differently
     */
    static SourceFile x86(Input input) {
        Assembly a = input.assembly();
        if (!a.relocations().isEmpty()) {
            ctxlab.asm.Relocation r = a.relocations().getFirst();
            throw new IllegalArgumentException(input.name() + ": " + input.symbol() + " refers to " + r.symbol() + " outside its code"
                    + " (at +0x" + Long.toHexString(r.instruction() - a.symbol(input.symbol()).offset()) + "): assembled with other"
                    + " code here, its bytes alone would not reach it; give its GNU-as source");
        }
        byte[] code = a.code();
        java.util.Map<Long, java.util.List<String>> labels = new java.util.TreeMap<>();
        for (Assembly.Symbol s : a.symbols().values()) {
            if ((s.global() || s.name().equals(input.symbol())) && LABEL.matcher(s.name()).matches()) {
                labels.computeIfAbsent(s.offset(), k -> new java.util.ArrayList<>()).add(s.name());
            }
        }
        StringBuilder sb = new StringBuilder("# ").append(input.name()).append(": ").append(input.kind()).append('\n');
        sb.append("        .text\n");
        int off = 0;
        while (off < code.length) {
            for (String l : labels.getOrDefault((long) off, java.util.List.of())) {
                sb.append("        .globl ").append(l).append('\n').append(l).append(":\n");
            }
            Assembly.Line line = a.lineAt(a.base() + off);
            int n;
            if (line != null && line.offset() == off) {
                n = line.length();
                sb.append("        # ").append(line.where()).append(": ").append(line.text()).append('\n');
            } else {   // bytes between instructions (padding, other code of the section): up to the next label or line
                n = 1;
                while (n < 16 && off + n < code.length && !labels.containsKey((long) off + n)) {
                    Assembly.Line next = a.lineAt(a.base() + off + n);
                    if (next != null && next.offset() == off + n) break;
                    n++;
                }
            }
            sb.append("        .byte ");
            for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ", ").append(String.format("0x%02x", code[off + i]));
            sb.append('\n');
            off += n;
        }
        return new SourceFile(input.name(), sb.toString());
    }

    /** An AArch64 routine as {@code .inst} words. */
    static SourceFile source(Input input) {
        Assembly a = input.assembly();
        byte[] code = a.code();
        ByteBuffer bb = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        long entry = a.symbol(input.symbol()).offset();
        StringBuilder sb = new StringBuilder("// ").append(input.name()).append(": ").append(input.kind()).append('\n');
        sb.append("        .text\n");
        for (int off = 0; off < code.length; off += 4) {
            if (off == entry) {
                sb.append("        .globl ").append(input.symbol()).append('\n').append(input.symbol()).append(":\n");
                if (!input.symbol().equals(ctxlab.verify.Arm64Verifier.DEFAULT_SYMBOL)) {
                    sb.append(ctxlab.verify.Arm64Verifier.DEFAULT_SYMBOL).append(":\n");
                }
            }
            if (off + 4 > code.length) {
                for (int i = off; i < code.length; i++) sb.append(String.format("        .byte 0x%02x%n", code[i]));
                break;
            }
            Assembly.Line l = a.lineAt(a.base() + off);
            sb.append(String.format("        .inst 0x%08x", bb.getInt(off)));
            if (l != null && l.offset() == off) sb.append("    // ").append(l.where()).append(": ").append(l.text());
            sb.append('\n');
        }
        return new SourceFile(input.name(), sb.toString());
    }
}
