package ctxlab.emu;

/**
 * The AArch64 registers {@link Arm64Machine} exposes, named as in Unicorn's {@code arm64.h}
 * ({@code UC_ARM64_REG_<name>}), with their id. Every id is checked against the
 * installed header by {@code Arm64ConstTest}. The d registers are the low 64 bits of v0-v31.
 */
public enum Arm64Reg {
    X0(199),
    X1(200),
    X2(201),
    X3(202),
    X4(203),
    X5(204),
    X6(205),
    X7(206),
    X8(207),
    X9(208),
    X10(209),
    X11(210),
    X12(211),
    X13(212),
    X14(213),
    X15(214),
    X16(215),
    X17(216),
    X18(217),
    X19(218),
    X20(219),
    X21(220),
    X22(221),
    X23(222),
    X24(223),
    X25(224),
    X26(225),
    X27(226),
    X28(227),
    X29(1),
    X30(2),
    SP(4),
    PC(260),
    NZCV(3),
    FPCR(291),
    FPSR(292),
    D0(40),
    D1(41),
    D2(42),
    D3(43),
    D4(44),
    D5(45),
    D6(46),
    D7(47),
    D8(48),
    D9(49),
    D10(50),
    D11(51),
    D12(52),
    D13(53),
    D14(54),
    D15(55),
    D16(56),
    D17(57),
    D18(58),
    D19(59),
    D20(60),
    D21(61),
    D22(62),
    D23(63),
    D24(64),
    D25(65),
    D26(66),
    D27(67),
    D28(68),
    D29(69),
    D30(70),
    D31(71);

    private final int ucId;

    Arm64Reg(int ucId) {
        this.ucId = ucId;
    }

    /** Unicorn register id ({@code uc_arm64_reg}). */
    public int ucId() {
        return ucId;
    }

    /**
     * Width in bytes: 8 for every register here (x, sp, pc, the d halves; FPCR and NZCV are 32-bit
     * system registers read zero-extended). Unlike {@link Reg}, so no per-register column.
     */
    public int width() {
        return 8;
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
