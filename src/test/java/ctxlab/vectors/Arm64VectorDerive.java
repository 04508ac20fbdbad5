package ctxlab.vectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes {@code testvectors-arm64/*.json}: the AArch64 vectors with expectations derived from the
 * contract of {@code cem_swapcontext} by this model alone (no emulator, no ctxlab.abi code):
 *
 * <ul>
 * <li>the save context receives x19-x28, x29, x30, sp, d8-d15, FPCR at 0x00, 0x08, … 0xa8;</li>
 * <li>x19-x30, sp, d8-d15, FPCR then come from the restore context (the save context itself
 *     when both are the same); the routine's scratch registers end as x9 = restore->sp and
 *     x10 = restore->fpcr; everything else keeps its value; the call stops at restore->x30;</li>
 * <li>a fresh context (the makecontext contract): sp = stack end rounded down to 16, x30 = entry,
 *     x29 = 0, FPCR = 0, presets elsewhere;</li>
 * <li>faults: the first access outside a mapping, at the instruction the routine's order implies
 *     (saves first: stp x19 at +0x0 … str fpcr at +0x34, then loads from +0x38).</li>
 * </ul>
 *
 * Run: {@code java -cp target/classes:target/test-classes:… ctxlab.vectors.Arm64VectorDerive}.
 */
public final class Arm64VectorDerive {
    static final Path DIR = Path.of("testvectors-arm64");
    static final long CODE = 0x40_0000L, LR = 0x5e5e_0000_0100L, ENTRY = 0x5e5e_0000_0200L;
    static final long SAVE_ZONE = 0x7ffd_e000_0000L, RESTORE_ZONE = 0x7ffd_e001_0000L, STACK_ZONE = 0x7ffd_e002_0000L;
    static final long ZONE = 0x2000;
    static final int SIZE = 176;
    static final String[] SLOTS = {"x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30",
            "sp", "d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15", "fpcr"};

    /** One vector's inputs. */
    static final class V {
        String name, description;
        long save, restore;
        long saveZone = SAVE_ZONE, restoreZone = RESTORE_ZONE, saveZoneSize = ZONE, restoreZoneSize = ZONE;
        Map<String, Long> regs = new LinkedHashMap<>();
        long[] restoreCtx;            // null: same context as save
        Map<String, Object> fault;    // derived for fault vectors
    }

    public static void main(String[] args) throws Exception {
        Files.createDirectories(DIR);
        List<V> all = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(0xA64);

        // Fresh contexts (the makecontext contract).
        all.add(fresh(r, "fresh-context-aligned-top", "main -> a fresh strand whose stack ends 16-aligned", STACK_ZONE, 0x1000, 0, Map.of()));
        all.add(fresh(r, "fresh-context-unaligned-top", "the stack ends at 8 mod 16: sp is rounded down", STACK_ZONE + 8, 0x1000, 0, Map.of()));
        all.add(fresh(r, "fresh-context-presets", "x19-x28 and d8-d15 preset: a strand body's parameters", STACK_ZONE, 0x1800, 0,
                presets(r)));
        all.add(fresh(r, "fresh-context-from-round-down", "main rounds down (FPCR 0x800000): the strand starts at FPCR 0",
                STACK_ZONE, 0x1000, 0x80_0000L, Map.of()));
        // FPCR modes.
        long[][] modes = {{0x40_0000L, 0}, {0x80_0000L, 0xC0_0000L}, {0xC0_0000L, 0x40_0000L}, {0x0700_0000L, 0}, {0x0100_0000L, 0x0600_0000L}};
        String[] modeNames = {"fpcr-up-to-nearest", "fpcr-down-to-zero", "fpcr-zero-to-up", "fpcr-ahp-dn-fz-to-default",
                "fpcr-fz-to-ahp-dn"};
        for (int i = 0; i < modes.length; i++) {
            V v = random(r, modeNames[i], "FPCR " + hex(modes[i][0]) + " saved, " + hex(modes[i][1]) + " restored");
            v.regs.put("fpcr", modes[i][0]);
            v.restoreCtx[21] = modes[i][1];
            all.add(v);
        }
        // Boundary values in every callee-saved register.
        long[] fills = {0, -1L, 0x8000_0000_0000_0000L, 0x5555_5555_5555_5555L};
        String[] fillNames = {"values-zero", "values-all-ones", "values-sign-bit", "values-alternating"};
        for (int i = 0; i < fills.length; i++) {
            V v = random(r, fillNames[i], "every callee-saved register and slot " + hex(fills[i]) + " / its complement");
            for (String s : SLOTS) if (!s.equals("sp") && !s.equals("x30") && !s.equals("fpcr")) v.regs.put(s, fills[i]);
            for (int k = 0; k < 21; k++) if (k != 11 && k != 12) v.restoreCtx[k] = ~fills[i];
            all.add(v);
        }
        V nan = random(r, "d-registers-nan-inf", "d8-d15 hold NaNs, infinities and denormals: moved as bits, never as numbers");
        long[] specials = {0x7ff8_0000_0000_0001L, 0xfff0_0000_0000_0000L, 0x7ff0_0000_0000_0000L, 1L, 0x8000_0000_0000_0001L,
                0x7ff4_0000_0000_0000L, 0xffff_ffff_ffff_ffffL, 0x0010_0000_0000_0000L};
        for (int k = 0; k < 8; k++) {
            nan.regs.put("d" + (8 + k), specials[k]);
            nan.restoreCtx[13 + k] = specials[7 - k];
        }
        all.add(nan);
        // Placement.
        V same = random(r, "same-context", "save == restore: the routine saves, reloads the same and returns to its caller");
        same.restore = same.save;
        same.restoreCtx = null;
        same.regs.put("x1", same.save);
        all.add(same);
        V straddleS = random(r, "save-straddles-page", "the save context crosses the page boundary in the middle of its zone");
        straddleS.save = SAVE_ZONE + 0x1000 - 0x58;
        straddleS.regs.put("x0", straddleS.save);
        all.add(straddleS);
        V straddleR = random(r, "restore-straddles-page", "the restore context crosses the page boundary");
        straddleR.restore = RESTORE_ZONE + 0x1000 - 0x60;
        straddleR.regs.put("x1", straddleR.restore);
        all.add(straddleR);
        V endS = random(r, "save-ends-at-mapping-end", "the save context's last byte is its mapping's last byte");
        endS.save = SAVE_ZONE + ZONE - SIZE;
        endS.regs.put("x0", endS.save);
        all.add(endS);
        V startR = random(r, "restore-at-mapping-start", "the restore context is the first bytes of its mapping");
        startR.restore = RESTORE_ZONE;
        startR.regs.put("x1", startR.restore);
        all.add(startR);
        V top = random(r, "sp-at-stack-top", "restore->sp is the very end of a mapping (an empty full-descending stack)");
        top.restoreCtx[12] = STACK_ZONE + ZONE;
        all.add(top);
        V low = random(r, "contexts-below-4gib", "contexts and stacks below 4 GiB");
        low.saveZone = 0x1000_0000L;
        low.restoreZone = 0x1001_0000L;
        low.save = low.saveZone + 0x100;
        low.restore = low.restoreZone + 0x208;
        low.regs.put("x0", low.save);
        low.regs.put("x1", low.restore);
        all.add(low);
        // Faults.
        V f1 = random(r, "fault-save-unmapped", "save points at unmapped memory: the first stp faults");
        f1.save = 0x7ffd_e00f_0000L;
        f1.regs.put("x0", f1.save);
        f1.fault = fault("UNMAPPED_WRITE", f1.save, CODE);
        all.add(f1);
        V f2 = random(r, "fault-restore-unmapped", "restore points at unmapped memory: everything is saved, then the first ldp faults");
        f2.restore = 0x7ffd_e00f_0000L;
        f2.regs.put("x1", f2.restore);
        f2.fault = fault("UNMAPPED_READ", f2.restore, CODE + 0x38);
        all.add(f2);
        V f3 = random(r, "fault-save-ends-before-sp", "the save mapping ends at the sp slot: str x9 faults");
        f3.save = SAVE_ZONE + ZONE - 0x60;
        f3.regs.put("x0", f3.save);
        f3.fault = fault("UNMAPPED_WRITE", f3.save + 0x60, CODE + 0x1c);
        all.add(f3);
        V f4 = random(r, "fault-save-ends-before-fpcr", "the save mapping ends at the fpcr slot: str x10 faults");
        f4.save = SAVE_ZONE + ZONE - 0xa8;
        f4.regs.put("x0", f4.save);
        f4.fault = fault("UNMAPPED_WRITE", f4.save + 0xa8, CODE + 0x34);
        all.add(f4);
        V f5 = random(r, "fault-restore-ends-before-d8", "the restore mapping ends at the d8 slot: ldp d8, d9 faults");
        f5.restore = RESTORE_ZONE + ZONE - 0x68;
        f5.regs.put("x1", f5.restore);
        f5.fault = fault("UNMAPPED_READ", f5.restore + 0x68, CODE + 0x54);
        all.add(f5);

        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        for (V v : all) json.writeValue(DIR.resolve(v.name + ".json").toFile(), derive(v));
        System.out.println("wrote " + all.size() + " vectors to " + DIR);
    }

    static Map<String, Object> fault(String kind, long address, long pc) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("kind", kind);
        f.put("address", hex(address));
        f.put("pc", hex(pc));
        return f;
    }

    static Map<String, Long> presets(SplittableRandom r) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 19; i <= 28; i++) m.put("x" + i, r.nextLong());
        for (int i = 8; i <= 15; i++) m.put("d" + i, r.nextLong());
        return m;
    }

    /** A random entry state and a random restore context with a legal FPCR and an aligned sp. */
    static V random(SplittableRandom r, String name, String description) {
        V v = new V();
        v.name = name;
        v.description = description;
        v.save = SAVE_ZONE + 8L * r.nextInt((int) ((ZONE - SIZE) / 8));
        v.restore = RESTORE_ZONE + 8L * r.nextInt((int) ((ZONE - SIZE) / 8));
        for (int i = 0; i <= 30; i++) v.regs.put("x" + i, r.nextLong());
        v.regs.put("x0", v.save);
        v.regs.put("x1", v.restore);
        v.regs.put("x30", LR);
        v.regs.put("sp", STACK_ZONE + 0x800 + 16L * r.nextInt(64));
        for (int i = 0; i < 32; i++) v.regs.put("d" + i, r.nextLong());
        v.regs.put("fpcr", (r.nextLong() & 0x3L) << 22);
        v.regs.put("nzcv", (r.nextLong() & 0xFL) << 28);
        v.restoreCtx = new long[22];
        for (int k = 0; k < 22; k++) v.restoreCtx[k] = r.nextLong();
        v.restoreCtx[11] = ENTRY;
        v.restoreCtx[12] = STACK_ZONE + 0x1000 + 16L * r.nextInt(128);
        v.restoreCtx[21] = (r.nextLong() & 0x3L) << 22;
        return v;
    }

    /** A fresh context by the makecontext contract. */
    static V fresh(SplittableRandom r, String name, String description, long stackBase, long stackSize, long mainFpcr,
                   Map<String, Long> presets) {
        V v = random(r, name, description);
        v.regs.put("fpcr", mainFpcr);
        long[] c = new long[22];
        for (int k = 0; k < 22; k++) c[k] = presets.getOrDefault(SLOTS[k], 0L);
        c[10] = 0;
        c[11] = ENTRY;
        c[12] = (stackBase + stackSize) & ~15L;
        c[21] = 0;
        v.restoreCtx = c;
        return v;
    }

    static Map<String, Object> derive(V v) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", v.name);
        j.put("description", v.description);
        List<Map<String, Object>> regions = new ArrayList<>();
        regions.add(region("save-zone", v.saveZone, v.saveZoneSize));
        regions.add(region("restore-zone", v.restoreZone, v.restoreZoneSize));
        regions.add(region("stacks", STACK_ZONE, ZONE));
        j.put("regions", regions);
        List<Map<String, Object>> memory = new ArrayList<>();
        byte[] fill = new byte[SIZE];
        java.util.Arrays.fill(fill, (byte) 0xEE);
        // Initial contents, cut at the end of their mapping (nothing is written where nothing is mapped).
        long saveRoom = room(v.save, v.saveZone, v.saveZoneSize);
        if (saveRoom > 0) memory.add(bytes(v.save, java.util.Arrays.copyOf(fill, (int) Math.min(SIZE, saveRoom))));
        long restoreRoom = room(v.restore, v.restoreZone, v.restoreZoneSize);
        if (v.restoreCtx != null && restoreRoom > 0) {
            memory.add(bytes(v.restore, java.util.Arrays.copyOf(words(v.restoreCtx), (int) Math.min(SIZE, restoreRoom))));
        }
        j.put("memory", memory);
        Map<String, String> regs = new LinkedHashMap<>();
        v.regs.forEach((k, x) -> regs.put(k, hex(x)));
        j.put("registers", regs);
        Map<String, Object> expect = new LinkedHashMap<>();
        if (v.fault != null) {
            expect.put("fault", v.fault);
        } else {
            long[] saved = new long[22];
            for (int k = 0; k < 22; k++) saved[k] = v.regs.get(SLOTS[k]);
            long[] loaded = v.restoreCtx == null ? saved : v.restoreCtx;
            Map<String, String> after = new LinkedHashMap<>();
            for (int k = 0; k < 22; k++) after.put(SLOTS[k], hex(loaded[k]));
            after.put("x9", hex(loaded[12]));
            after.put("x10", hex(loaded[21]));
            expect.put("stop", hex(loaded[11]));
            expect.put("registers", after);
            expect.put("memory", List.of(bytes(v.save, words(saved))));
        }
        j.put("expect", expect);
        return j;
    }

    /** Bytes from {@code a} to the end of the zone, or 0 when {@code a} is outside it. */
    static long room(long a, long zone, long size) {
        return a >= zone && a < zone + size ? zone + size - a : 0;
    }

    static Map<String, Object> region(String name, long address, long size) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("address", hex(address));
        m.put("size", hex(size));
        return m;
    }

    static Map<String, Object> bytes(long address, byte[] b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", hex(address));
        m.put("hex", HexFormat.of().formatHex(b));
        return m;
    }

    static byte[] words(long[] w) {
        ByteBuffer bb = ByteBuffer.allocate(8 * w.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : w) bb.putLong(x);
        return bb.array();
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
