package ctxlab.trace;

import java.util.ArrayList;
import java.util.List;

/** The status and control bits of RFLAGS that an instruction can visibly change. */
final class Flags {
    private static final String[] NAMES = {"CF", null, "PF", null, "AF", null, "ZF", "SF", "TF", "IF", "DF", "OF"};

    private Flags() {}

    /** The flags that differ between two RFLAGS values, in bit order. */
    static List<Trace.FlagChange> changes(long before, long after) {
        List<Trace.FlagChange> out = new ArrayList<>();
        for (int bit = 0; bit < NAMES.length; bit++) {
            if (NAMES[bit] == null) continue;
            int b = (int) (before >>> bit) & 1, a = (int) (after >>> bit) & 1;
            if (a != b) out.add(new Trace.FlagChange(NAMES[bit], b, a));
        }
        return out;
    }
}
