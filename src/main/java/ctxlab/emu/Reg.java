package ctxlab.emu;

/** The x86-64 registers {@link Machine} exposes, with their Unicorn id and width in bytes. */
public enum Reg {
    RAX(UcConst.UC_X86_REG_RAX, 8),
    RBX(UcConst.UC_X86_REG_RBX, 8),
    RCX(UcConst.UC_X86_REG_RCX, 8),
    RDX(UcConst.UC_X86_REG_RDX, 8),
    RSI(UcConst.UC_X86_REG_RSI, 8),
    RDI(UcConst.UC_X86_REG_RDI, 8),
    RBP(UcConst.UC_X86_REG_RBP, 8),
    RSP(UcConst.UC_X86_REG_RSP, 8),
    R8(UcConst.UC_X86_REG_R8, 8),
    R9(UcConst.UC_X86_REG_R9, 8),
    R10(UcConst.UC_X86_REG_R10, 8),
    R11(UcConst.UC_X86_REG_R11, 8),
    R12(UcConst.UC_X86_REG_R12, 8),
    R13(UcConst.UC_X86_REG_R13, 8),
    R14(UcConst.UC_X86_REG_R14, 8),
    R15(UcConst.UC_X86_REG_R15, 8),
    RIP(UcConst.UC_X86_REG_RIP, 8),
    /** The full 64-bit RFLAGS (Unicorn's {@code UC_X86_REG_RFLAGS}). */
    RFLAGS(UcConst.UC_X86_REG_RFLAGS, 8),
    /** SSE control/status register (32 bits). */
    MXCSR(UcConst.UC_X86_REG_MXCSR, 4),
    /** x87 control word (16 bits). */
    FPCW(UcConst.UC_X86_REG_FPCW, 2),
    FS_BASE(UcConst.UC_X86_REG_FS_BASE, 8),
    GS_BASE(UcConst.UC_X86_REG_GS_BASE, 8);

    private final int ucId;
    private final int width;

    Reg(int ucId, int width) {
        this.ucId = ucId;
        this.width = width;
    }

    /** Unicorn register id ({@code uc_x86_reg}). */
    public int ucId() {
        return ucId;
    }

    /** Width in bytes (8, 4 or 2). Values read are zero-extended; values written are truncated. */
    public int width() {
        return width;
    }

    /** The low {@code width()*8} bits set. */
    public long mask() {
        return width == 8 ? -1L : (1L << (width * 8)) - 1;
    }
}
