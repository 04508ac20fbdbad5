package ctxlab.disasm;

/**
 * Constants and struct layouts of the Capstone 4 C API ({@code capstone/capstone.h},
 * {@code capstone/x86.h}) used by this package. {@code CsConstTest} checks every value against the
 * installed headers by compiling a small C program that prints them (offsets cannot be read from a
 * header with confidence; the compiler that lays the structs out can).
 */
public final class CsConst {
    private CsConst() {}

    public static final int CS_API_MAJOR = 4;

    // cs_arch, cs_mode
    public static final int CS_ARCH_X86 = 3;
    public static final int CS_ARCH_ARM64 = 1;
    public static final int CS_MODE_LITTLE_ENDIAN = 0;
    public static final int CS_MODE_64 = 1 << 3;

    // cs_opt_type, cs_opt_value
    public static final int CS_OPT_SYNTAX = 1;
    public static final int CS_OPT_DETAIL = 2;
    public static final int CS_OPT_OFF = 0;
    public static final int CS_OPT_ON = 3;
    public static final int CS_OPT_SYNTAX_INTEL = 1;
    public static final int CS_OPT_SYNTAX_ATT = 2;

    // cs_err
    public static final int CS_ERR_OK = 0;
    public static final int CS_ERR_MEM = 1;
    public static final int CS_ERR_ARCH = 2;
    public static final int CS_ERR_HANDLE = 3;
    public static final int CS_ERR_CSH = 4;
    public static final int CS_ERR_MODE = 5;
    public static final int CS_ERR_OPTION = 6;
    public static final int CS_ERR_DETAIL = 7;

    // x86_op_type
    public static final int X86_OP_INVALID = 0;
    public static final int X86_OP_REG = 1;
    public static final int X86_OP_IMM = 2;
    public static final int X86_OP_MEM = 3;

    // x86_reg (only those the code names; the rest by cs_reg_name)
    public static final int X86_REG_INVALID = 0;
    public static final int X86_REG_RIP = 41;

    /**
     * Byte offsets and sizes of the structs, named {@code STRUCT__FIELD} (offsetof) or
     * {@code SIZEOF__STRUCT}, for x86-64 Linux.
     */
    public static final class Layout {
        private Layout() {}

        public static final int CS_INSN__ID = 0;
        public static final int CS_INSN__ADDRESS = 8;
        public static final int CS_INSN__SIZE = 16;
        public static final int CS_INSN__BYTES = 18;
        public static final int CS_INSN__MNEMONIC = 34;
        public static final int CS_INSN__OP_STR = 66;
        public static final int CS_INSN__DETAIL = 232;
        public static final int SIZEOF__CS_INSN = 240;
        public static final int SIZEOF__CS_INSN_MNEMONIC = 32;
        public static final int SIZEOF__CS_INSN_OP_STR = 160;

        public static final int CS_DETAIL__X86 = 80;
        public static final int SIZEOF__CS_DETAIL = 1848;

        public static final int CS_X86__DISP = 16;
        public static final int CS_X86__OP_COUNT = 64;
        public static final int CS_X86__OPERANDS = 72;
        public static final int CS_X86__ENCODING = 456;
        public static final int SIZEOF__CS_X86_OP = 48;
        /** Capacity of {@code cs_x86.operands}. */
        public static final int COUNTOF__CS_X86_OPERANDS = 8;

        public static final int CS_X86_OP__TYPE = 0;
        public static final int CS_X86_OP__REG = 8;
        public static final int CS_X86_OP__IMM = 8;
        public static final int CS_X86_OP__MEM = 8;
        public static final int CS_X86_OP__SIZE = 32;

        public static final int X86_OP_MEM__SEGMENT = 0;
        public static final int X86_OP_MEM__BASE = 4;
        public static final int X86_OP_MEM__INDEX = 8;
        public static final int X86_OP_MEM__SCALE = 12;
        public static final int X86_OP_MEM__DISP = 16;

        public static final int CS_X86_ENCODING__DISP_OFFSET = 1;
        public static final int CS_X86_ENCODING__DISP_SIZE = 2;
        public static final int CS_X86_ENCODING__IMM_OFFSET = 3;
        public static final int CS_X86_ENCODING__IMM_SIZE = 4;
    }
}
