package ctxlab.disasm;

import java.util.HexFormat;
import java.util.List;

/**
 * One instruction as Capstone decodes it (AT&amp;T syntax, operands in AT&amp;T order: source first).
 *
 * @param address    where it was decoded
 * @param bytes      its encoding
 * @param mnemonic   e.g. "movq"
 * @param operands   the explicit operands, typed
 * @param dispOffset offset of the displacement field within {@code bytes}, 0 when there is none
 * @param dispSize   its width in bytes
 * @param immOffset  offset of the immediate field, 0 when there is none
 * @param immSize    its width in bytes
 */
public record Instruction(long address, byte[] bytes, String mnemonic, String opStr, List<Operand> operands,
                          int dispOffset, int dispSize, int immOffset, int immSize) {

    public Instruction {
        bytes = bytes.clone();
        operands = List.copyOf(operands);
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    /** "mnemonic op_str", as a listing shows it. */
    public String text() {
        return opStr.isEmpty() ? mnemonic : mnemonic + "\t" + opStr;
    }

    public String hex() {
        return HexFormat.ofDelimiter(" ").formatHex(bytes);
    }

    /** An explicit operand; {@code size} is its width in bytes (0 when Capstone does not say). */
    public sealed interface Operand permits Reg, Imm, Mem {
        int size();
    }

    /** A register, by Capstone's name ("rax", "xmm0", "fs"). */
    public record Reg(String name, int size) implements Operand {}

    /** An immediate; for a branch, the target address. */
    public record Imm(long value, int size) implements Operand {}

    /**
     * A memory operand; absent registers are null.
     *
     * @param segment an explicit segment override ("fs"), or null
     */
    public record Mem(String segment, String base, String index, int scale, long disp, int size) implements Operand {
        public boolean ripRelative() {
            return "rip".equals(base);
        }
    }
}
