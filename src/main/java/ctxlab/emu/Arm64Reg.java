package ctxlab.emu;

/**
 * The AArch64 registers {@link Arm64Machine} exposes, named as in Unicorn's {@code arm64.h}
 * ({@code UC_ARM64_REG_<name>}), with their id and width in bytes. Every id is checked against the
 * installed header by {@code Arm64ConstTest}. The d registers are the low 64 bits of v0-v31.
 */
public enum Arm64Reg {
    X0(199, 8),
    X1(200, 8),
    X2(201, 8),
    X3(202, 8),
    X4(203, 8),
    X5(204, 8),
    X6(205, 8),
    X7(206, 8),
    X8(207, 8),
    X9(208, 8),
    X10(209, 8),
    X11(210, 8),
    X12(211, 8),
    X13(212, 8),
    X14(213, 8),
    X15(214, 8),
    X16(215, 8),
    X17(216, 8),
    X18(217, 8),
    X19(218, 8),
    X20(219, 8),
    X21(220, 8),
    X22(221, 8),
    X23(222, 8),
    X24(223, 8),
    X25(224, 8),
    X26(225, 8),
    X27(226, 8),
    X28(227, 8),
    X29(1, 8),
    X30(2, 8),
    SP(4, 8),
    PC(260, 8),
    NZCV(3, 8),
    FPCR(291, 8),
    FPSR(292, 8),
    D0(40, 8),
    D1(41, 8),
    D2(42, 8),
    D3(43, 8),
    D4(44, 8),
    D5(45, 8),
    D6(46, 8),
    D7(47, 8),
    D8(48, 8),
    D9(49, 8),
    D10(50, 8),
    D11(51, 8),
    D12(52, 8),
    D13(53, 8),
    D14(54, 8),
    D15(55, 8),
    D16(56, 8),
    D17(57, 8),
    D18(58, 8),
    D19(59, 8),
    D20(60, 8),
    D21(61, 8),
    D22(62, 8),
    D23(63, 8),
    D24(64, 8),
    D25(65, 8),
    D26(66, 8),
    D27(67, 8),
    D28(68, 8),
    D29(69, 8),
    D30(70, 8),
    D31(71, 8);

    private final int ucId;
    private final int width;

    Arm64Reg(int ucId, int width) {
        this.ucId = ucId;
        this.width = width;
    }

    /** Unicorn register id ({@code uc_arm64_reg}). */
    public int ucId() {
        return ucId;
    }

    public int width() {
        return width;
    }

    /** x0..x30 by number. */
    public static Arm64Reg x(int n) {
        if (n < 0 || n > 30) throw new IllegalArgumentException("no register x" + n);
        return n == 29 ? X29 : n == 30 ? X30 : values()[n];
    }

    /** d0..d31 by number. */
    public static Arm64Reg d(int n) {
        if (n < 0 || n > 31) throw new IllegalArgumentException("no register d" + n);
        return valueOf("D" + n);
    }
}
