package ctxlab.trace;

import ctxlab.asm.Assembly;
import java.util.Map;

/** The AArch64 trace as one self-contained HTML page (placeholder). */
public final class Arm64Html {
    private Arm64Html() {}

    public static String page(Arm64Tracer.Result r, Assembly assembly, Map<String, String> sources) {
        throw new UnsupportedOperationException("not yet");
    }
}
