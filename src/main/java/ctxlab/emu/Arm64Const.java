package ctxlab.emu;

/**
 * Unicorn constants for AArch64 ({@code unicorn/unicorn.h}, {@code unicorn/arm64.h}), kept apart
 * from the x86-64 {@link UcConst}. Checked against the installed headers by {@code Arm64ConstTest}.
 */
public final class Arm64Const {
    private Arm64Const() {}

    public static final int UC_ARCH_ARM64 = 2;
    public static final int UC_MODE_ARM = 0;
    public static final int UC_MODE_LITTLE_ENDIAN = 0;
}
