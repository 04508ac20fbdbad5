package ctxlab.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * MXCSR, the SSE control/status register, in words.
 *
 * <pre>
 *   bits 0-5   exception flags  IE DE ZE OE UE PE (sticky: set when the exception happened)
 *   bit  6     DAZ  denormals are zero (inputs)
 *   bits 7-12  exception masks  IM DM ZM OM UM PM (set = masked = no trap)
 *   bits 13-14 rounding control 00 nearest, 01 down, 10 up, 11 toward zero
 *   bit  15    FTZ  flush to zero (outputs)
 * </pre>
 */
public record Mxcsr(int value) {
    static final String[] EXCEPTIONS = {"invalid", "denormal", "divide-by-zero", "overflow", "underflow", "precision"};
    static final String[] ROUNDING = {"nearest", "down", "up", "toward zero"};
    static final int DEFAULT = 0x1F80;

    /** "nearest", "down" (toward −∞), "up" (toward +∞) or "toward zero". */
    public String rounding() {
        return ROUNDING[(value >>> 13) & 3];
    }

    public boolean ftz() {
        return (value & (1 << 15)) != 0;
    }

    public boolean daz() {
        return (value & (1 << 6)) != 0;
    }

    /** Names of the exceptions that are masked (do not trap). */
    public List<String> masked() {
        List<String> m = new ArrayList<>();
        for (int i = 0; i < 6; i++) if ((value & (1 << (7 + i))) != 0) m.add(EXCEPTIONS[i]);
        return m;
    }

    /** Names of the exception flags that are set. */
    public List<String> flags() {
        List<String> f = new ArrayList<>();
        for (int i = 0; i < 6; i++) if ((value & (1 << i)) != 0) f.add(EXCEPTIONS[i]);
        return f;
    }

    /** Bits outside the 16 defined ones: setting them makes ldmxcsr fault (#GP). */
    public boolean reservedBitsSet() {
        return (value & 0xFFFF0000) != 0;
    }

    /** "round to nearest", "round down", "round up", "round toward zero". */
    public String roundingText() {
        return switch (rounding()) {
            case "nearest" -> "round to nearest";
            case "toward zero" -> "round toward zero";
            default -> "round " + rounding();
        };
    }

    /**
     * The one wording of a mask set, used by the text, the JSON and (mirrored) the HTML page:
     * "all exceptions masked", "no exception masked" or "masked: invalid, denormal".
     */
    static String maskText(List<String> m) {
        return m.size() == 6 ? "all exceptions masked" : m.isEmpty() ? "no exception masked" : "masked: " + String.join(", ", m);
    }

    /** "round up, all exceptions masked" (plus FTZ, DAZ and the flags when set). */
    public String brief() {
        String extra = (ftz() ? ", FTZ" : "") + (daz() ? ", DAZ" : "");
        String f = flags().isEmpty() ? "" : ", flags: " + String.join(" ", flags());
        return roundingText() + extra + ", " + maskText(masked()) + f;
    }

    /** "0x5f80: round up, all exceptions masked, FTZ off, DAZ off, no flags set". */
    public String describe() {
        String masks = maskText(masked());
        List<String> f = flags();
        return String.format("0x%04x: %s, %s, FTZ %s, DAZ %s, %s", value, roundingText(), masks,
                ftz() ? "on" : "off", daz() ? "on" : "off",
                f.isEmpty() ? "no flags set" : "flags set: " + String.join(", ", f));
    }
}
