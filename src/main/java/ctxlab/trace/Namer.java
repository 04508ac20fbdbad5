package ctxlab.trace;

import ctxlab.asm.Assembly;
import ctxlab.trace.TraceLayout.Slot;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Names for addresses: code by symbol ({@code cem_swapcontext+0x3}, {@code strand entry}), context
 * slots by context and slot ({@code save.r13}, {@code main context.rsp}), stack slots relative to
 * rsp ({@code main stack [rsp+8]}), other regions by offset ({@code scenario block+0x100}).
 *
 * <p>While the switch routine runs, the contexts its arguments point to are called by the
 * parameter names {@code save} and {@code restore} ({@link #bind}).
 */
final class Namer {
    private final Assembly assembly;
    private final List<Region> regions;
    private final Map<Long, String> labels;
    private final Map<Long, String> aliases = new LinkedHashMap<>();
    private final TraceLayout layout;
    /** save and restore are the same context: a write names it save, a read restore. */
    private long shared = -1;

    Namer(Assembly assembly, List<Region> regions, Map<Long, String> labels) {
        this(assembly, regions, labels, CemLayout.INSTANCE);
    }

    Namer(Assembly assembly, List<Region> regions, Map<Long, String> labels, TraceLayout layout) {
        this.assembly = assembly;
        this.layout = layout;
        // Smallest first, so that a context inside a larger block is found before the block.
        this.regions = regions.stream().sorted(Comparator.comparingLong(Region::size)).toList();
        this.labels = labels;
    }

    /** Calls the context at {@code base} by {@code alias} ("save", "restore") until {@link #unbind}. */
    void bind(String alias, long base) {
        aliases.values().remove(alias);
        String had = aliases.put(base, alias);
        if (had != null && !had.equals(alias)) {
            shared = base;
            aliases.put(base, had);
        }
    }

    void unbind() {
        aliases.clear();
        shared = -1;
    }

    TraceLayout layout() {
        return layout;
    }

    /** The base of the context bound to {@code alias} ("save", "restore"), or -1. */
    long boundBase(String alias) {
        if (shared >= 0 && (alias.equals("save") || alias.equals("restore"))) return shared;
        for (var e : aliases.entrySet()) if (e.getValue().equals(alias)) return e.getKey();
        return -1;
    }

    /** alias -> the context's own name (or its address), for display. */
    Map<String, String> bindings() {
        Map<String, String> out = new LinkedHashMap<>();
        aliases.forEach((base, alias) -> {
            Optional<Region> r = region(base).filter(x -> x.kind() == Region.Kind.CONTEXT && x.base() == base);
            String name = r.map(Region::name).orElse(frameName(base));
            if (base == shared) {
                out.put("save", name);
                out.put("restore", name);
            } else {
                out.put(alias, name);
            }
        });
        return out;
    }

    /**
     * A frame on a stack (a frame convention's storage) is called after its stack: "main frame";
     * anything else by its address.
     */
    String frameName(long base) {
        if (layout instanceof ConventionLayout cl && cl.frame()) {
            Optional<Region> s = stack(base);
            if (s.isPresent()) return s.get().name().replaceFirst(" stack$", "") + " frame";
        }
        return String.format("0x%x", base);
    }

    Optional<String> aliasAt(long base) {
        return Optional.ofNullable(aliases.get(base));
    }

    /** The smallest named region containing the address. */
    Optional<Region> region(long address) {
        return regions.stream().filter(r -> r.contains(address)).findFirst();
    }

    Optional<Region> stack(long address) {
        return regions.stream().filter(r -> r.kind() == Region.Kind.STACK && r.contains(address)).findFirst();
    }

    /** An exact name for a code address (label or symbol), else symbol+offset, else null. */
    String code(long address) {
        String label = labels.get(address);
        if (label != null) return label;
        if (assembly == null) return null;
        long offset = address - assembly.base();
        if (offset < 0 || offset >= assembly.size()) return null;
        Assembly.Symbol best = null;
        for (Assembly.Symbol s : assembly.symbols().values()) {
            if (s.name().startsWith(".L") || s.offset() > offset) continue;
            if (best == null || s.offset() > best.offset() || (s.offset() == best.offset() && s.global() && !best.global())) {
                best = s;
            }
        }
        if (best == null) return String.format("0x%x", address);
        long d = offset - best.offset();
        return d == 0 ? best.name() : best.name() + "+0x" + Long.toHexString(d);
    }

    /** Whether the address is exactly a label or a symbol (not symbol+offset). */
    boolean isExactCode(long address) {
        String c = code(address);
        return c != null && !c.contains("+0x") && !c.startsWith("0x");
    }

    /** The context (alias or region) whose 64 bytes contain the address: its base. */
    private Optional<long[]> contextOf(long address) {
        for (long base : aliases.keySet()) {
            if (address - base >= 0 && address - base < layout.size()) return Optional.of(new long[] {base});
        }
        return region(address).filter(r -> r.kind() == Region.Kind.CONTEXT).map(r -> new long[] {r.base()});
    }

    /** The slot an access lands in, when it is inside a context. */
    Optional<Slot> slot(long address) {
        return contextOf(address).flatMap(b -> layout.slotAt(address - b[0]));
    }

    /** Offset within the context, when inside one. */
    long contextOffset(long address) {
        return contextOf(address).map(b -> address - b[0]).orElse(-1L);
    }

    /**
     * A name for a data address: {@code save.r13}, {@code main stack [rsp+8]}, or null.
     *
     * @param rsp rsp at the time, for stack-relative names
     */
    String data(long address, long rsp) {
        return data(address, rsp, false);
    }

    /** @param write whether the access writes (names a context shared by save and restore "save") */
    String data(long address, long rsp, boolean write) {
        Optional<long[]> ctx = contextOf(address);
        if (ctx.isPresent()) {
            long base = ctx.get()[0];
            String owner = base == shared ? (write ? "save" : "restore")
                    : aliases.getOrDefault(base, region(base).map(Region::name).orElse(String.format("0x%x", base)));
            long off = address - base;
            if (layout instanceof ConventionLayout cl) return cl.slotName(owner, aliases.containsKey(base) || base == shared, off);
            Optional<Slot> s = layout.slotAt(off);
            if (s.isEmpty()) {
                // bytes no slot covers (Cem's 4 spare bytes): named after the last slot before them
                Slot last = layout.slots().stream().filter(x -> x.offset() + x.width() <= off)
                        .max(java.util.Comparator.comparingInt(Slot::offset)).orElse(null);
                long spare = last == null ? 0 : last.offset() + last.width();
                return owner + ".spare" + (off == spare ? "" : "+" + (off - spare));
            }
            long within = off - s.get().offset();
            return owner + "." + s.get().name() + (within == 0 ? "" : "+" + within);
        }
        Optional<Region> r = region(address);
        if (r.isEmpty()) return null;
        Region region = r.get();
        return switch (region.kind()) {
            case STACK -> region.name() + " " + stackOffset(region, address, rsp);
            case CODE -> code(address);
            default -> region.name() + (address == region.base() ? "" : "+0x" + Long.toHexString(address - region.base()));
        };
    }

    /** "[rsp+8]" when rsp is in the same stack, else "[top-0x10]". */
    static String stackOffset(Region stack, long address, long rsp) {
        if (stack.contains(rsp)) return "[" + relative(address, rsp) + "]";
        return "[top-0x" + Long.toHexString(stack.end() - address) + "]";
    }

    /** "rsp", "rsp+8", "rsp-16". */
    static String relative(long address, long rsp) {
        long d = address - rsp;
        return d == 0 ? "rsp" : d > 0 ? "rsp+" + d : "rsp-" + (-d);
    }

    /** What a value is, when it is an address we can name: a code label, or a pointer into a region. */
    String valueNote(long value) {
        if (labels.containsKey(value)) return labels.get(value);
        if (assembly != null && value - assembly.base() >= 0 && value - assembly.base() < assembly.size()) {
            String c = code(value);
            var line = assembly.lineAt(value);
            return line == null ? c : c + " (" + shortWhere(line.where()) + ")";
        }
        Optional<Region> r = region(value);
        if (r.isEmpty()) return null;
        Region region = r.get();
        if (region.kind() == Region.Kind.CONTEXT && value == region.base()) {
            return aliases.containsKey(value) ? region.name() + " (" + aliases.get(value) + ")" : region.name();
        }
        if (region.kind() == Region.Kind.STACK) return "points into " + region.name();
        if (region.kind() == Region.Kind.CODE) return region.name();
        return "points into " + region.name() + (value == region.base() ? "" : " (+0x" + Long.toHexString(value - region.base()) + ")");
    }

    /** Whether the address is inside a context bound to {@code alias} (or the shared one). */
    boolean inBound(long address, String alias) {
        long base = boundBase(alias);
        return base >= 0 && address - base >= 0 && address - base < layout.size();
    }

    /** "pingpong.s:23": the file's last path element, to keep lines short. */
    static String shortWhere(ctxlab.asm.SourceLocation where) {
        String f = where.file();
        int slash = f.lastIndexOf('/');
        return (slash >= 0 ? f.substring(slash + 1) : f) + ":" + where.line();
    }
}
