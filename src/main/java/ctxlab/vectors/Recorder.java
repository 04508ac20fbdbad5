package ctxlab.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.abi.ContextLayout;
import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.asm.Assembly;
import ctxlab.emu.Reg;
import ctxlab.vectors.Linked.Image;

/**
 * Writes an {@code expect} block from what a run did, for a human to review: every register of
 * {@link Vector#AFTER}, every context the vector gives (all slots and the spare bytes), every storage
 * of another convention it gives or the switch saves into (all slots), every other
 * changed qword, the instruction count or the fault. Addresses are written by name where one fits
 * (a code symbol, a region), so the recording reads like a hand-written vector and does not tie it
 * to where this runner placed the code.
 */
public final class Recorder {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Recorder() {}

    public static ObjectNode expect(Linked l, Observed o) {
        ObjectNode x = F.objectNode();
        if (o.fault() != null) {
            x.put("fault", o.fault().label);
            x.put("address", name(l, o.faultAddress()));
            x.put("pc", name(l, o.faultPc()));
        }
        ObjectNode regs = x.putObject("registers");
        for (Reg r : Vector.AFTER) {
            long v = o.registers().get(r);
            regs.put(Vector.label(r), r == Reg.RFLAGS || r == Reg.MXCSR || r == Reg.FPCW ? Expr.hex(v) : name(l, v));
        }
        ObjectNode memory = F.objectNode();
        for (Image i : l.images()) {
            ObjectNode region = region(l, i, o.memory().get(i.region().name()));
            if (!region.isEmpty()) memory.set(i.region().name(), region);
        }
        x.set("memory", memory);
        if (o.fault() == null && o.instructions() >= 0) x.put("instructions", o.instructions());
        return x;
    }

    private static ObjectNode region(Linked l, Image image, byte[] after) {
        ObjectNode out = F.objectNode();
        boolean[] covered = new boolean[after.length];
        ObjectNode contexts = F.objectNode();
        for (long ctx : image.region().contexts()) {
            ObjectNode slots = F.objectNode();
            for (Slot s : Slot.values()) {
                long off = ctx + s.offset;
                if (off + s.width > after.length) continue;
                long v = Comparison.le(after, (int) off, s.width);
                slots.put(s.label(), s.width == 8 ? name(l, v) : Expr.hex(v));
                cover(covered, off, s.width);
            }
            long spare = ctx + ContextLayout.SPARE_OFFSET;
            if (spare + ContextLayout.SPARE_SIZE <= after.length) {
                slots.put(VectorParser.SPARE, Expr.hex(Comparison.le(after, (int) spare, ContextLayout.SPARE_SIZE)));
                cover(covered, spare, ContextLayout.SPARE_SIZE);
            }
            contexts.set(Expr.hex(ctx), slots);
        }
        if (!contexts.isEmpty()) out.set("contexts", contexts);
        ObjectNode storages = storages(l, image, after, covered);
        if (!storages.isEmpty()) out.set("slots", storages);
        ObjectNode qwords = F.objectNode();
        byte[] before = image.bytes();
        for (int chunk = 0; chunk < after.length; chunk += 8) {
            boolean changed = false;
            for (int k = chunk; k < chunk + 8; k++) changed |= !covered[k] && before[k] != after[k];
            if (!changed) continue;
            // A chunk partly inside a listed context is written as its uncovered bytes.
            boolean partial = false;
            for (int k = chunk; k < chunk + 8; k++) partial |= covered[k];
            if (partial) {
                for (int k = chunk; k < chunk + 8; k++) {
                    if (!covered[k] && before[k] != after[k]) {
                        out.withObject("bytes").put(Expr.hex(k), String.format("%02x", after[k] & 0xFF));
                    }
                }
            } else {
                qwords.put(Expr.hex(chunk), name(l, Comparison.le(after, chunk, 8)));
            }
        }
        if (!qwords.isEmpty()) out.set("qwords", qwords);
        return out;
    }

    /**
     * Another convention's storages in this region, slot by slot: those the vector gives, and the
     * one the switch saves into (the struct at the save argument, or the frame at entry rsp +
     * {@code storage.at}). Cem's are its {@code contexts}.
     */
    private static ObjectNode storages(Linked l, Image image, byte[] after, boolean[] covered) {
        ObjectNode out = F.objectNode();
        Convention c = l.vector().convention();
        if (c.name().equals(Conventions.DEFAULT)) return out;
        java.util.TreeSet<Long> offsets = new java.util.TreeSet<>(image.region().storages());
        Long saved = c.storage().kind() == Convention.StorageKind.FRAME ? l.registers().get(Reg.RSP) + c.storage().at()
                : c.argument(Convention.Role.SAVE).map(r -> l.registers().get(r)).orElse(null);
        if (saved != null && image.contains(saved, c.storage().size())) offsets.add(saved - image.base());
        for (long at : offsets) {
            if (at + c.storage().size() > after.length) continue;
            boolean overlaps = false;
            for (int k = 0; k < c.storage().size(); k++) overlaps |= covered[(int) at + k];
            if (overlaps) continue;           // a storage overlapping another is written as qwords
            ObjectNode slots = F.objectNode();
            for (Convention.Slot s : c.slots()) {
                long v = Comparison.le(after, (int) (at + s.offset()), s.width());
                slots.put(s.name(), s.width() == 8 ? name(l, v) : Expr.hex(v));
                cover(covered, at + s.offset(), s.width());
            }
            out.set(Expr.hex(at), slots);
        }
        return out;
    }

    private static void cover(boolean[] covered, long off, int width) {
        for (int k = 0; k < width; k++) covered[(int) off + k] = true;
    }

    /** A value as a vector would write it: {@code symbol+0x…} inside the code, {@code region+0x…} inside (or at the end of) a region, else hex. */
    static String name(Linked l, long v) {
        Assembly a = l.assembly();
        if (v >= a.base() && v < a.base() + a.size()) {
            Assembly.Symbol best = null;
            for (Assembly.Symbol s : a.symbols().values()) {
                if (s.name().startsWith(".L") || a.base() + s.offset() > v) continue;
                if (best == null || s.offset() > best.offset() || (s.offset() == best.offset() && s.global() && !best.global())) best = s;
            }
            if (best != null) return plus(best.name(), v - a.base() - best.offset());
        }
        for (Image i : l.images()) {
            if (v >= i.base() && v <= i.region().end()) return plus(i.region().name(), v - i.base());
        }
        return Expr.hex(v);
    }

    private static String plus(String name, long off) {
        return off == 0 ? name : name + "+" + Expr.hex(off);
    }

    /** The vector file's tree with {@code expect} replaced (or added at the end). */
    public static String withExpect(JsonNode root, ObjectNode expect) {
        ObjectNode copy = ((ObjectNode) root).deepCopy();
        copy.set("expect", expect);
        return JsonStyle.write(copy);
    }

    /** For messages: the block as it will appear in the file. */
    public static String show(ObjectNode expect) {
        return JsonStyle.write(expect).stripTrailing();
    }
}
