package ctxlab.disasm;

import static ctxlab.disasm.CsConst.Layout.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An x86-64 Capstone handle with operand details on and AT&amp;T syntax, decoding into
 * {@link Instruction} records. Not thread-safe (one handle); cheap to open (microseconds).
 */
public final class Disassembler implements AutoCloseable {
    private final long handle;
    /** Register names are fixed per architecture: learnt once per process, not per handle. */
    private static final Map<Integer, String> REG_NAMES = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean closed;

    private Disassembler(long handle) {
        this.handle = handle;
    }

    /** Opens an x86-64 handle; {@link DisassemblerUnavailableException} when libcapstone is missing. */
    public static Disassembler open() {
        Capstone.ensureAvailable();
        long h;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.JAVA_LONG);
            int err = Capstone.cs_open(CsConst.CS_ARCH_X86, CsConst.CS_MODE_64, p);
            if (err != CsConst.CS_ERR_OK) throw new DisasmException("Capstone: cs_open: " + Capstone.cs_strerror(err));
            h = p.get(ValueLayout.JAVA_LONG, 0);
        }
        Disassembler d = new Disassembler(h);
        try {
            d.option(CsConst.CS_OPT_DETAIL, CsConst.CS_OPT_ON);
            d.option(CsConst.CS_OPT_SYNTAX, CsConst.CS_OPT_SYNTAX_ATT);
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /**
     * An AArch64 handle (little-endian), without operand details: the {@link Instruction}s carry
     * mnemonic, operand text and size only (the operand records are x86-64's).
     */
    public static Disassembler openArm64() {
        Capstone.ensureAvailable();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.JAVA_LONG);
            int err = Capstone.cs_open(CsConst.CS_ARCH_ARM64, CsConst.CS_MODE_LITTLE_ENDIAN, p);
            if (err != CsConst.CS_ERR_OK) throw new DisasmException("Capstone: cs_open (AArch64): " + Capstone.cs_strerror(err));
            return new Disassembler(p.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    private void option(int type, long value) {
        int err = Capstone.cs_option(handle, type, value);
        if (err != CsConst.CS_ERR_OK) {
            throw new DisasmException("Capstone: cs_option(" + type + ", " + value + "): " + Capstone.cs_strerror(err));
        }
    }

    /** Capstone's version as "major.minor". */
    public static String version() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment major = a.allocate(ValueLayout.JAVA_INT), minor = a.allocate(ValueLayout.JAVA_INT);
            Capstone.cs_version(major, minor);
            return major.get(ValueLayout.JAVA_INT, 0) + "." + minor.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** Decodes all of {@code code}, stopping early at the first byte sequence Capstone cannot decode. */
    public List<Instruction> disassemble(byte[] code, long address) {
        return disassemble(code, 0, code.length, address, 0);
    }

    /**
     * Decodes up to {@code max} instructions (0: no limit) from {@code code[from, from+length)}, the
     * first one at {@code address}. Decoding stops at the first invalid instruction: compare the
     * bytes covered with {@code length} to find it.
     */
    public List<Instruction> disassemble(byte[] code, int from, int length, long address, int max) {
        if (closed) throw new IllegalStateException("Capstone handle closed");
        java.util.Objects.checkFromIndexSize(from, length, code.length);
        List<Instruction> out = new ArrayList<>();
        if (length == 0) return out;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(length);
            MemorySegment.copy(code, from, buf, ValueLayout.JAVA_BYTE, 0, length);
            MemorySegment pp = a.allocate(ValueLayout.ADDRESS);
            long n = Capstone.cs_disasm(handle, buf, length, address, max, pp);
            if (n == 0) return out;
            MemorySegment insns = pp.get(ValueLayout.ADDRESS, 0).reinterpret(n * SIZEOF__CS_INSN);
            try {
                for (long i = 0; i < n; i++) out.add(read(insns.asSlice(i * SIZEOF__CS_INSN, SIZEOF__CS_INSN)));
            } finally {
                Capstone.cs_free(insns, n);
            }
        }
        return out;
    }

    private Instruction read(MemorySegment insn) {
        long address = insn.get(ValueLayout.JAVA_LONG, CS_INSN__ADDRESS);
        int size = Short.toUnsignedInt(insn.get(ValueLayout.JAVA_SHORT, CS_INSN__SIZE));
        byte[] bytes = insn.asSlice(CS_INSN__BYTES, Math.min(size, 16)).toArray(ValueLayout.JAVA_BYTE);
        String mnemonic = insn.asSlice(CS_INSN__MNEMONIC, SIZEOF__CS_INSN_MNEMONIC).getString(0);
        String opStr = insn.asSlice(CS_INSN__OP_STR, SIZEOF__CS_INSN_OP_STR).getString(0);
        MemorySegment detail = insn.get(ValueLayout.ADDRESS, CS_INSN__DETAIL);
        List<Instruction.Operand> ops = new ArrayList<>();
        int dispOffset = 0, dispSize = 0, immOffset = 0, immSize = 0;
        if (!detail.equals(MemorySegment.NULL)) {
            MemorySegment x86 = detail.reinterpret(SIZEOF__CS_DETAIL).asSlice(CS_DETAIL__X86);
            int count = Math.min(Byte.toUnsignedInt(x86.get(ValueLayout.JAVA_BYTE, CS_X86__OP_COUNT)),
                    COUNTOF__CS_X86_OPERANDS);
            for (int k = 0; k < count; k++) {
                MemorySegment op = x86.asSlice(CS_X86__OPERANDS + (long) k * SIZEOF__CS_X86_OP, SIZEOF__CS_X86_OP);
                int opSize = Byte.toUnsignedInt(op.get(ValueLayout.JAVA_BYTE, CS_X86_OP__SIZE));
                switch (op.get(ValueLayout.JAVA_INT, CS_X86_OP__TYPE)) {
                    case CsConst.X86_OP_REG -> ops.add(new Instruction.Reg(reg(op.get(ValueLayout.JAVA_INT, CS_X86_OP__REG)), opSize));
                    case CsConst.X86_OP_IMM -> ops.add(new Instruction.Imm(op.get(ValueLayout.JAVA_LONG, CS_X86_OP__IMM), opSize));
                    case CsConst.X86_OP_MEM -> {
                        MemorySegment m = op.asSlice(CS_X86_OP__MEM);
                        ops.add(new Instruction.Mem(reg(m.get(ValueLayout.JAVA_INT, X86_OP_MEM__SEGMENT)),
                                reg(m.get(ValueLayout.JAVA_INT, X86_OP_MEM__BASE)),
                                reg(m.get(ValueLayout.JAVA_INT, X86_OP_MEM__INDEX)),
                                m.get(ValueLayout.JAVA_INT, X86_OP_MEM__SCALE),
                                m.get(ValueLayout.JAVA_LONG, X86_OP_MEM__DISP), opSize));
                    }
                    default -> { } // X86_OP_INVALID: nothing to report
                }
            }
            MemorySegment enc = x86.asSlice(CS_X86__ENCODING);
            dispOffset = Byte.toUnsignedInt(enc.get(ValueLayout.JAVA_BYTE, CS_X86_ENCODING__DISP_OFFSET));
            dispSize = Byte.toUnsignedInt(enc.get(ValueLayout.JAVA_BYTE, CS_X86_ENCODING__DISP_SIZE));
            immOffset = Byte.toUnsignedInt(enc.get(ValueLayout.JAVA_BYTE, CS_X86_ENCODING__IMM_OFFSET));
            immSize = Byte.toUnsignedInt(enc.get(ValueLayout.JAVA_BYTE, CS_X86_ENCODING__IMM_SIZE));
        }
        return new Instruction(address, bytes, mnemonic, opStr, ops, dispOffset, dispSize, immOffset, immSize);
    }

    /** Capstone's name of a register id; null for X86_REG_INVALID. */
    public String reg(int id) {
        if (id == CsConst.X86_REG_INVALID) return null;
        String name = REG_NAMES.get(id);
        if (name == null) {
            String n = Capstone.cs_reg_name(handle, id);
            name = n == null ? "reg" + id : n;
            REG_NAMES.put(id, name);
        }
        return name;
    }

    /** The last error of this handle, as cs_errno/cs_strerror say it. */
    public String lastError() {
        return Capstone.cs_strerror(Capstone.cs_errno(handle));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ValueLayout.JAVA_LONG);
            p.set(ValueLayout.JAVA_LONG, 0, handle);
            Capstone.cs_close(p);
        }
    }
}
