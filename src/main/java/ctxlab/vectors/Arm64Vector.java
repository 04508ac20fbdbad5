package ctxlab.vectors;

import com.fasterxml.jackson.databind.JsonNode;
import ctxlab.emu.Arm64Machine;
import ctxlab.emu.Arm64Reg;
import ctxlab.emu.EmulationException;
import ctxlab.emu.UcConst;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An AArch64 test vector ({@code testvectors-arm64/*.json}): one call of the switch routine from an
 * exact machine state, with the exact state expected after it (every x register, sp, d0-d31,
 * FPCR, NZCV, the stop address, every byte of every mapped region) or the exact fault.
 *
 * <pre>
 * { "name", "description",
 *   "regions":   [{"name", "address", "size"}],           mapped read-write, zero-filled
 *   "memory":    [{"address", "hex"}],                    written before the call
 *   "registers": {"x0": "0x…", …, "sp", "fpcr", "nzcv", "d0" … "d31"},   unnamed ones are 0
 *   "expect":    {"stop": "0x…", "registers": {…}, "memory": [{"address", "hex"}]}
 *             or {"fault": {"kind": "UNMAPPED_WRITE", "address": "0x…", "pc": "0x…"}} }
 * </pre>
 *
 * Expected memory lists the bytes that change; every other byte of every region must keep its
 * value. Expectations are derived from the routine's contract by an independent model (see
 * {@code testvectors-arm64/README.md}), never recorded from the emulator.
 */
public record Arm64Vector(String name, String description, List<Region> regions, List<Bytes> memory,
                          Map<String, Long> registers, Expect expect) {
    public record Region(String name, long address, long size) {}

    public record Bytes(long address, byte[] bytes) {}

    public record Fault(String kind, long address, long pc) {}

    /** Either {@code fault} (non-null) or a stop address, registers and memory. */
    public record Expect(long stop, Map<String, Long> registers, List<Bytes> memory, Fault fault) {}

    static final long CODE = 0x40_0000L;

    public static Arm64Vector read(Path file) {
        JsonNode j;
        try {
            // the same reading as x86-64 vectors: at most 16 MiB, strict UTF-8, a pipe against the clock
            j = ctxlab.abi.JsonTree.read(ctxlab.asm.SourceFile.readText(file).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (ctxlab.abi.JsonTree.SyntaxException e) {
            throw new IllegalArgumentException(file + ": not readable JSON: line " + e.line() + ", column " + e.column() + ": " + e.reason());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not readable: " + e.getMessage());
        }
        if (j == null) throw new IllegalArgumentException(file + ": empty file");
        try {
            List<Region> regions = new ArrayList<>();
            for (JsonNode r : j.required("regions")) {
                regions.add(new Region(r.required("name").asText(), num(r.required("address")), num(r.required("size"))));
            }
            JsonNode e = j.required("expect");
            Expect expect;
            if (e.has("fault")) {
                JsonNode f = e.get("fault");
                expect = new Expect(0, Map.of(), List.of(), new Fault(f.required("kind").asText(), num(f.required("address")),
                        num(f.required("pc"))));
            } else {
                expect = new Expect(num(e.required("stop")), regs(e.required("registers")), bytes(e.path("memory")), null);
            }
            Arm64Vector v = new Arm64Vector(j.required("name").asText(), j.path("description").asText(""), regions,
                    bytes(j.path("memory")), regs(j.required("registers")), expect);
            v.checkMemory();
            return v;
        } catch (IllegalArgumentException | NullPointerException ex) {
            throw new IllegalArgumentException(file + ": malformed vector: " + ex.getMessage());
        }
    }

    /** Limits of the x86-64 vectors' regions (VectorParser): each, all together, and the user address space. */
    static final long MAX_REGION = 16L << 20, MAX_REGIONS = 64L << 20, USER_TOP = 1L << 47;

    /**
     * Regions page-aligned, within the limits, apart from each other and from the code page; every
     * byte written or expected inside a region. Unicorn would otherwise refuse the mapping or the
     * write halfway through a run, with no word of which vector asked for it.
     */
    private void checkMemory() {
        long total = 0;
        List<long[]> taken = new ArrayList<>();
        taken.add(new long[] {CODE, CODE + 0x1000});
        for (Region r : regions) {
            String what = "region '" + r.name() + "' (address 0x" + Long.toHexString(r.address()) + ", size 0x" + Long.toHexString(r.size()) + ")";
            if ((r.address() & 0xfff) != 0 || (r.size() & 0xfff) != 0 || r.size() <= 0) {
                throw new IllegalArgumentException(what + ": address and size must be non-zero multiples of 4 KiB");
            }
            if (r.size() > MAX_REGION || Long.compareUnsigned(r.address(), USER_TOP - r.size()) > 0) {
                throw new IllegalArgumentException(what + ": a region is at most 16 MiB and ends below 2^47");
            }
            total += r.size();
            if (total > MAX_REGIONS) throw new IllegalArgumentException(what + ": the regions take more than 64 MiB together");
            for (long[] t : taken) {
                if (r.address() < t[1] && t[0] < r.address() + r.size()) {
                    throw new IllegalArgumentException(what + " overlaps " + (t[0] == CODE ? "the code page at 0x400000" : "another region"));
                }
            }
            taken.add(new long[] {r.address(), r.address() + r.size()});
        }
        List<Bytes> all = new ArrayList<>(memory);
        if (expect.memory() != null) all.addAll(expect.memory());
        for (Bytes b : all) {
            boolean inside = regions.stream().anyMatch(r -> Long.compareUnsigned(b.address(), r.address()) >= 0
                    && Long.compareUnsigned(b.address() - r.address(), r.size()) < 0 && b.bytes().length <= r.size() - (b.address() - r.address()));
            if (!inside) {
                throw new IllegalArgumentException("memory at 0x" + Long.toHexString(b.address()) + " (" + b.bytes().length
                        + " bytes) lies outside every region");
            }
        }
    }

    private static Map<String, Long> regs(JsonNode n) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            var e = it.next();
            reg(e.getKey());
            m.put(e.getKey(), num(e.getValue()));
        }
        return m;
    }

    private static List<Bytes> bytes(JsonNode n) {
        List<Bytes> out = new ArrayList<>();
        for (JsonNode b : n) out.add(new Bytes(num(b.required("address")), HexFormat.of().parseHex(b.required("hex").asText())));
        return out;
    }

    private static long num(JsonNode n) {
        String s = n.asText();
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    /** The register a JSON name means ("x19", "sp", "d8", "fpcr", "nzcv"). */
    static Arm64Reg reg(String name) {
        try {
            return Arm64Reg.valueOf(name.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown register '" + name + "'");
        }
    }

    /** Every register a vector compares: x0-x30, sp, d0-d31, FPCR, NZCV. */
    public static List<String> compared() {
        List<String> r = new ArrayList<>();
        for (int i = 0; i <= 30; i++) r.add("x" + i);
        r.add("sp");
        for (int i = 0; i < 32; i++) r.add("d" + i);
        r.add("fpcr");
        r.add("nzcv");
        return r;
    }

    /**
     * Runs the vector with {@code code} (assembled at 0x400000, {@code entry} the routine's address)
     * and returns the differences from what it expects, empty when it passes. {@code describe} names
     * an address by its source line.
     */
    public List<String> run(byte[] code, long entry, java.util.function.LongFunction<String> describe) {
        List<String> diffs = new ArrayList<>();
        try (Arm64Machine m = Arm64Machine.create()) {
            m.map(CODE, Math.max(0x1000, (code.length + 0xFFF) & -0x1000L), UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(CODE, code);
            for (Region r : regions) m.map(r.address(), r.size(), UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
            for (Bytes b : memory) m.write(b.address(), b.bytes());
            List<String> names = compared();
            Arm64Reg[] regs = names.stream().map(Arm64Vector::reg).toArray(Arm64Reg[]::new);
            long[] values = names.stream().mapToLong(n -> registers.getOrDefault(n, 0L)).toArray();
            m.set(regs, values);
            EmulationException fault = null;
            try {
                m.run(entry, expect.fault() == null ? expect.stop() : 0xdead_0000_0000L, 200);
            } catch (EmulationException e) {
                fault = e;
            }
            if (expect.fault() != null) {
                Fault f = expect.fault();
                if (fault == null) {
                    diffs.add("expected a " + f.kind() + " fault at " + hex(f.address()) + ", but the call completed");
                } else {
                    if (!fault.kind().name().equals(f.kind())) diffs.add("fault: expected " + f.kind() + ", got " + fault.kind());
                    if (fault.address() != f.address()) diffs.add("fault address: expected " + hex(f.address()) + ", got " + hex(fault.address()));
                    if (fault.pc() != f.pc()) diffs.add("fault pc: expected " + hex(f.pc()) + " (" + describe.apply(f.pc())
                            + "), got " + hex(fault.pc()) + " (" + describe.apply(fault.pc()) + ")");
                }
                return diffs;
            }
            if (fault != null) {
                diffs.add("unexpected fault: " + fault.getMessage() + " (" + describe.apply(fault.pc()) + ")");
                return diffs;
            }
            long[] after = m.get(regs);
            for (int i = 0; i < regs.length; i++) {
                long want = expect.registers().getOrDefault(names.get(i), values[i]);
                if (after[i] != want) diffs.add(names.get(i) + ": expected " + hex(want) + ", got " + hex(after[i]));
            }
            for (Region r : regions) {
                byte[] want = new byte[(int) r.size()];
                for (List<Bytes> layer : List.of(memory, expect.memory())) {
                    for (Bytes b : layer) {
                        for (int k = 0; k < b.bytes().length; k++) {
                            long a = b.address() + k;
                            if (a >= r.address() && a < r.address() + r.size()) want[(int) (a - r.address())] = b.bytes()[k];
                        }
                    }
                }
                byte[] got = m.read(r.address(), (int) r.size());
                for (int k = 0; k < got.length; k++) {
                    if (got[k] != want[k]) {
                        diffs.add(String.format("%s+0x%x (%s): expected 0x%02x, got 0x%02x", r.name(), k, hex(r.address() + k),
                                want[k] & 0xFF, got[k] & 0xFF));
                        if (diffs.size() > 20) return diffs;
                    }
                }
            }
        }
        return diffs;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
