package ctxlab.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * The x87 FPU control word, in words. Only the x87 unit reads it (fld/fist, and libm code that
 * still uses the x87), but it is per-thread state like MXCSR: a switch that does not keep it
 * hands one strand's precision and rounding to another.
 *
 * <pre>
 *   bits 0-5   exception masks  IM DM ZM OM UM PM (set = masked)
 *   bits 8-9   precision control 00 single (24 bits), 10 double (53), 11 extended (64)
 *   bits 10-11 rounding control  00 nearest, 01 down, 10 up, 11 toward zero
 * </pre>
 */
public record Fpcw(int value) {
    static final int DEFAULT = 0x037F;
    private static final String[] PRECISION = {"single", "reserved", "double", "extended"};

    /** "single" (24-bit mantissa), "double" (53), "extended" (64), or "reserved". */
    public String precision() {
        return PRECISION[(value >>> 8) & 3];
    }

    /** Same words as {@link Mxcsr#rounding()}: "nearest", "down", "up", "toward zero". */
    public String rounding() {
        return Mxcsr.ROUNDING[(value >>> 10) & 3];
    }

    public List<String> masked() {
        List<String> m = new ArrayList<>();
        for (int i = 0; i < 6; i++) if ((value & (1 << i)) != 0) m.add(Mxcsr.EXCEPTIONS[i]);
        return m;
    }

    public String roundingText() {
        return new Mxcsr(((value >>> 10) & 3) << 13).roundingText();
    }

    /** "extended precision, round to nearest, all exceptions masked". */
    public String brief() {
        return precision() + " precision, " + roundingText() + ", " + Mxcsr.maskText(masked());
    }

    /** "0x037f: extended precision, round to nearest, all exceptions masked". */
    public String describe() {
        return String.format("0x%04x: %s", value, brief());
    }
}
