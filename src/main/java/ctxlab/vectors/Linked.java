package ctxlab.vectors;

import ctxlab.abi.Convention;
import ctxlab.asm.AsmException;
import ctxlab.asm.Assembly;
import ctxlab.emu.Reg;
import ctxlab.vectors.Vector.Cell;
import ctxlab.vectors.Vector.Region;
import ctxlab.vectors.Vector.Until;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A vector with every name resolved against an assembly placed at its base: plain numbers, ready
 * for any engine. Everything a run needs, and everything it is compared against, is here.
 *
 * @param entry     where the call starts (the called symbol's address)
 * @param registers the complete state at entry ({@link Vector#BEFORE}), arguments included
 * @param images    every region with its initial bytes
 * @param until     the stop address, or null when there is none ("none", or a symbolic form whose
 *                  memory is not readable before the call)
 * @param expect    null when the vector has no expect block
 */
public record Linked(Vector vector, Assembly assembly, long entry, Map<Reg, Long> registers, List<Image> images,
                     Long until, long budget, Expected expect) {

    /** A region and its content before the call. */
    public record Image(Region region, byte[] bytes) {
        public long base() {
            return region.base();
        }

        public boolean contains(long address, int length) {
            return address >= region.base() && address - region.base() + length <= region.size();
        }

        public long readLong(long address) {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong((int) (address - region.base()));
        }
    }

    /** An expected cell with its bytes. */
    public record ExpectedCell(Cell cell, byte[] bytes) {
        public long address(Image image) {
            return image.base() + cell.offset();
        }
    }

    /** {@link Vector.Expect} with numbers. */
    public record Expected(Map<Reg, Long> registers, Map<String, List<ExpectedCell>> memory, Long instructions,
                           FaultKind fault, Long faultAddress, Long faultPc) {}

    public Image image(String region) {
        for (Image i : images) if (i.region().name().equals(region)) return i;
        throw new IllegalArgumentException("no region " + region);
    }

    /** The image holding {@code [address, address+length)}, or null. */
    public Image imageAt(long address, int length) {
        for (Image i : images) if (i.contains(address, length)) return i;
        return null;
    }

    /**
     * Resolves the vector's names: region names stand for their bases, other names for symbols of
     * {@code assembly}.
     *
     * @throws VectorException naming the file and JSON path of a name that is neither, or of a value
     *                         that does not fit where it goes
     */
    public static Linked link(Vector v, Assembly assembly) {
        String file = v.display();
        for (Region r : v.regions().values()) {
            if (assembly.symbols().containsKey(r.name())) {
                throw new VectorException(file, "$.memory." + VectorParser.key(r.name()),
                        "region name '" + r.name() + "' is also a symbol of the code; rename the region");
            }
        }
        Resolver names = new Resolver(v, assembly);
        long entry = symbol(assembly, v.calledSymbol(), file, v.call().symbol() != null ? "$.call.symbol" : "$.symbol");
        symbol(assembly, v.symbol(), file, "$.symbol");

        Map<Reg, Long> regs = new EnumMap<>(Reg.class);
        v.registers().forEach((r, e) -> regs.put(r, names.resolve(e, "$.registers." + Vector.label(r), r.width())));
        for (int i = 0; i < v.call().args().size(); i++) {
            regs.put(Vector.ARGS.get(i), names.resolve(v.call().args().get(i), "$.call.args[" + i + "]", 8));
        }

        List<Image> images = new ArrayList<>();
        for (Region r : v.regions().values()) {
            byte[] bytes = new byte[(int) r.size()];
            for (Cell c : r.cells()) {
                byte[] b = cellBytes(c, names);
                System.arraycopy(b, 0, bytes, (int) c.offset(), b.length);
            }
            images.add(new Image(r, bytes));
        }

        Linked partial = new Linked(v, assembly, entry, Map.copyOf(regs), List.copyOf(images), null, v.call().budget(), null);
        Long until = switch (v.until()) {
            case Until.At at -> names.resolve(at.address(), "$.call.until", 8);
            case Until.None none -> null;
            case Until.Return ret -> partial.qword(regs.get(Reg.RSP));
            case Until.Resume res -> {
                Long cell = partial.resumeCell();
                yield cell == null ? null : partial.qword(cell);
            }
        };

        Expected expected = null;
        if (v.expect() != null) {
            Vector.Expect x = v.expect();
            Map<Reg, Long> xr = new EnumMap<>(Reg.class);
            x.registers().forEach((r, e) -> xr.put(r, names.resolve(e, "$.expect.registers." + Vector.label(r), r.width())));
            Map<String, List<ExpectedCell>> mem = new LinkedHashMap<>();
            x.memory().forEach((region, cells) -> mem.put(region,
                    cells.stream().map(c -> new ExpectedCell(c, cellBytes(c, names))).toList()));
            Long address = null, pc = null;
            FaultKind kind = null;
            if (x.fault() != null) {
                kind = x.fault().kind();
                if (x.fault().address() != null) address = names.resolve(x.fault().address(), "$.expect.address", 8);
                if (x.fault().pc() != null) pc = names.resolve(x.fault().pc(), "$.expect.pc", 8);
            }
            expected = new Expected(Map.copyOf(xr), mem, x.instructions(), kind, address, pc);
        }
        return new Linked(v, assembly, entry, partial.registers(), partial.images(), until, v.call().budget(), expected);
    }

    /**
     * Where the initial memory holds the address the switch resumes the restored side at, or null
     * when that is not in any region: the restore storage's resume slot when the convention has
     * one (libaco's retaddr, Boost's frame rip, minicoro's rip, libco's ret), else (Cem: {@code ret}
     * on the restored stack) the qword the storage's rsp slot points at.
     */
    public Long resumeCell() {
        Convention c = vector.convention();
        Reg restoreArg = c.argument(Convention.Role.RESTORE).orElseThrow();
        long restore = registers.get(restoreArg);
        if (c.resume().pc() == Convention.ResumePc.SLOT) {
            Convention.Slot slot = c.slotHolding(Convention.Holds.RESUME).orElseThrow();
            return imageAt(restore + slot.offset(), 8) == null ? null : restore + slot.offset();
        }
        Convention.Slot rspSlot = c.slotHolding(Convention.Holds.RSP).orElseThrow();
        Long rsp = qword(restore + rspSlot.offset());
        return rsp == null || imageAt(rsp, 8) == null ? null : rsp;
    }

    /** The 8 bytes at {@code address} in the initial memory, or null when not all of them are mapped. */
    public Long qword(long address) {
        Image i = imageAt(address, 8);
        return i == null ? null : i.readLong(address);
    }

    private static long symbol(Assembly assembly, String name, String file, String path) {
        try {
            return assembly.address(name);
        } catch (AsmException e) {
            throw new VectorException(file, path, e.getMessage());
        }
    }

    static byte[] cellBytes(Cell c, Resolver names) {
        if (!c.numeric()) return c.raw().clone();
        long value = names.resolve(c.value(), c.path(), c.width());
        byte[] b = new byte[c.width()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (value >>> (8 * i));
        return b;
    }

    /** Names of one vector: its regions, then the symbols of the code. */
    static final class Resolver {
        private final Vector vector;
        private final Assembly assembly;

        Resolver(Vector vector, Assembly assembly) {
            this.vector = vector;
            this.assembly = assembly;
        }

        long resolve(Expr e, String path, int width) {
            long value;
            try {
                value = e.resolve(this::valueOf);
            } catch (IllegalArgumentException ex) {
                throw new VectorException(vector.display(), path, ex.getMessage());
            }
            if (width < 8 && (value >>> (width * 8)) != 0) {
                throw new VectorException(vector.display(), path, e.text() + " = " + Expr.hex(value) + " does not fit " + width * 8 + " bits");
            }
            return value;
        }

        private long valueOf(String name) {
            Region r = vector.regions().get(name);
            if (r != null) return r.base();
            Assembly.Symbol s = assembly.symbols().get(name);
            if (s != null) return assembly.base() + s.offset();
            throw new IllegalArgumentException("unknown name '" + name + "': not a region of $.memory ("
                    + String.join(", ", vector.regions().keySet()) + ") nor a symbol of the code ("
                    + String.join(", ", assembly.symbols().values().stream().filter(Assembly.Symbol::global)
                            .map(Assembly.Symbol::name).sorted().toList()) + ")");
        }
    }

    @Override
    public String toString() {
        return "Linked[" + vector.id() + ", entry " + Expr.hex(entry) + ", until " + (until == null ? "none" : Expr.hex(until))
                + ", " + images.size() + " regions " + Arrays.toString(images.stream().map(i -> i.region().name()).toArray()) + "]";
    }
}
