package ctxlab.vectors;

import ctxlab.asm.Assembly;
import ctxlab.emu.Reg;
import ctxlab.vectors.Linked.ExpectedCell;
import ctxlab.vectors.Linked.Expected;
import ctxlab.vectors.Linked.Image;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Compares what a run left behind with a vector's expectations, engine-neutral: the host replay
 * uses it as well. Memory is compared in full: the listed cells, and every other byte unchanged.
 */
public final class Comparison {
    private Comparison() {}

    public static final String NO_EXPECT = "no expect block (write one by hand, or record one with ctxlab vectors --record FILE)";

    /**
     * Under {@code vectors --asm} with another implementation of the routine, the vector's picture is
     * held to the contract, not to the seed's instructions: registers, flags and every byte of
     * memory as before, but not the instruction count, and for a vector that expects a fault, its
     * kind, data address and memory, not the pc or registers at it (another routine may fault one
     * instruction later, e.g. reading the resume address with a jmp rather than a ret).
     */
    public static List<String> diffs(Linked linked, Observed o) {
        Expected x = linked.expect();
        if (x == null) return List.of(NO_EXPECT);
        boolean own = ownRoutine(linked);
        List<String> diffs = new ArrayList<>();
        fault(linked, x, o, diffs, own);
        for (Reg r : Vector.AFTER) {
            if (!own && x.fault() != null) break;
            Long want = x.registers().get(r);
            if (want == null) continue;
            long got = o.registers().get(r);
            if (want != got) diffs.add(Vector.label(r) + ": expected " + hex(want) + ", got " + hex(got));
        }
        for (Image image : linked.images()) {
            String region = image.region().name();
            byte[] after = o.memory().get(region);
            boolean[] listed = new boolean[image.bytes().length];
            for (ExpectedCell c : x.memory().getOrDefault(region, List.of())) {
                int off = (int) c.cell().offset();
                int w = c.cell().width();
                for (int i = 0; i < w; i++) listed[off + i] = true;
                byte[] got = java.util.Arrays.copyOfRange(after, off, off + w);
                if (!java.util.Arrays.equals(got, c.bytes())) {
                    String where = c.cell().label() + " (" + hex(c.address(image)) + ")";
                    diffs.add(c.cell().numeric()
                            ? where + ": expected " + hex(le(c.bytes(), 0, w)) + ", got " + hex(le(got, 0, w))
                            : where + ": expected bytes " + HexFormat.of().formatHex(c.bytes()) + ", got " + HexFormat.of().formatHex(got));
                }
            }
            // Everything not listed must be as it was; reported per 8-byte chunk of the region.
            byte[] before = image.bytes();
            for (int chunk = 0; chunk < before.length; chunk += 8) {
                boolean changed = false;
                for (int i = chunk; i < Math.min(chunk + 8, before.length); i++) {
                    if (!listed[i] && before[i] != after[i]) changed = true;
                }
                if (changed) {
                    int w = Math.min(8, before.length - chunk);
                    diffs.add(region + "+" + hex(chunk) + " (" + hex(image.base() + chunk) + "): expected unchanged "
                            + hex(le(before, chunk, w)) + ", got " + hex(le(after, chunk, w)) + " (not listed in expect.memory)");
                }
            }
        }
        if (own && x.instructions() != null && o.fault() == null && o.instructions() >= 0 && x.instructions() != o.instructions()) {
            diffs.add("instructions: expected " + x.instructions() + ", got " + o.instructions());
        }
        return diffs;
    }

    /** Whether the code the vector ran is its own {@code source} (not {@code vectors --asm FILE} with another file). */
    public static boolean ownRoutine(Linked linked) {
        Assembly a = linked.assembly();
        Assembly.Line first = a.lineAt(linked.entry());
        return first == null || first.where().file().equals(linked.vector().source());
    }

    private static void fault(Linked linked, Expected x, Observed o, List<String> diffs, boolean own) {
        Assembly a = linked.assembly();
        if (x.fault() == null && o.fault() == null) return;
        if (x.fault() == null) {
            diffs.add("fault: expected a stop at " + (linked.until() == null ? "(none)" : hex(linked.until())) + ", got "
                    + o.fault().label + " at " + hex(o.faultAddress()) + " (pc " + hex(o.faultPc()) + where(a, o.faultPc()) + ")");
            return;
        }
        if (o.fault() == null) {
            diffs.add("fault: expected " + x.fault().label + ", got a stop at " + hex(o.registers().get(Reg.RIP))
                    + (o.instructions() >= 0 ? " after " + o.instructions() + " instructions" : ""));
            return;
        }
        if (x.fault() != o.fault()) {
            diffs.add("fault: expected " + x.fault().label + ", got " + o.fault().label + " at " + hex(o.faultAddress())
                    + " (pc " + hex(o.faultPc()) + where(a, o.faultPc()) + ")");
        }
        if (x.faultAddress() != null && x.faultAddress() != o.faultAddress()) {
            diffs.add("fault address: expected " + hex(x.faultAddress()) + ", got " + hex(o.faultAddress()));
        }
        if (own && x.faultPc() != null && x.faultPc() != o.faultPc()) {
            diffs.add("fault pc: expected " + hex(x.faultPc()) + where(a, x.faultPc()) + ", got " + hex(o.faultPc()) + where(a, o.faultPc()));
        }
    }

    private static String where(Assembly a, long pc) {
        return a.lineAt(pc) == null ? "" : ", " + a.describe(pc);
    }

    /** Little-endian value of {@code width} (≤ 8) bytes. */
    static long le(byte[] b, int from, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) v = (v << 8) | (b[from + i] & 0xFF);
        return v;
    }

    static String hex(long v) {
        return Expr.hex(v);
    }
}
