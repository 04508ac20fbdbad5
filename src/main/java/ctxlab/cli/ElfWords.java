package ctxlab.cli;

import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An ELF file's AArch64 routine as GNU-as source, for the commands that assemble the routine
 * together with other code ({@code selftest}'s strand bodies call it by name): its code as the
 * {@code .inst} words it is, at the same offsets, with the routine's label (and
 * {@code cem_swapcontext}, the name the strand bodies call). Each line keeps the disassembly as a
 * comment; the file is named after the ELF file.
 */
final class ElfWords {
    private ElfWords() {}

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
