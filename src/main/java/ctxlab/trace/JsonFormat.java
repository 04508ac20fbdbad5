package ctxlab.trace;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trace as a JSON-ready tree of maps and lists (the command serialises it with Jackson; the
 * HTML page embeds the same tree). Addresses and register values are hex strings ("0x…"): 64-bit
 * values do not survive JavaScript numbers. The field names are a documented contract
 * (docs/trace.md): add fields, never rename.
 */
public final class JsonFormat {
    /** Bumped only when an existing field changes meaning. */
    public static final int FORMAT_VERSION = 1;

    private JsonFormat() {}

    public static Map<String, Object> tree(Trace t) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("format", "ctxlab-trace");
        j.put("version", FORMAT_VERSION);
        j.put("title", t.title());
        j.put("routine", t.routine());
        j.put("regions", t.regions().stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.name());
            m.put("kind", r.kind().name().toLowerCase());
            m.put("base", hex(r.base()));
            m.put("size", r.size());
            m.put("prot", r.protText().isEmpty() ? null : r.protText());
            return m;
        }).toList());
        Map<String, Object> regs = new LinkedHashMap<>();
        t.initialRegisters().forEach((k, v) -> regs.put(k, hex(v)));
        j.put("registers", regs);
        Long cw = t.initialRegisters().get("fpcw");
        j.put("fpcw", cw == null ? null : fpcw(new Fpcw(cw.intValue())));
        j.put("layout", layout(t.layout()));
        if (t.layout() instanceof ConventionLayout cl) {
            // only for conventions other than Cem's own trace, whose JSON stays as it was
            j.put("convention", convention(cl));
            j.put("frames", t.frames().stream().map(f -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", f.name());
                m.put("base", hex(f.base()));
                m.put("size", f.size());
                m.put("from", f.from());
                m.put("to", f.to());
                m.put("slots", cl.slots().stream().map(s -> {
                    Map<String, Object> y = new LinkedHashMap<>();
                    y.put("name", cl.slotName(f.name(), false, s.offset()));
                    y.put("address", hex(f.base() + s.offset()));
                    y.put("width", s.width());
                    return y;
                }).toList());
                return m;
            }).toList());
        }
        j.put("memory", t.windows().stream().map(w -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("region", w.region());
            m.put("address", hex(w.base()));
            m.put("bytes", HexFormat.of().formatHex(w.bytes()));
            return m;
        }).toList());
        j.put("symbols", t.symbols().entrySet().stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("address", hex(e.getKey()));
            m.put("name", e.getValue());
            return m;
        }).toList());
        j.put("sources", t.sources().entrySet().stream().map(e -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", e.getKey());
            m.put("text", e.getValue());
            return m;
        }).toList());
        j.put("steps", t.steps().stream().map(JsonFormat::step).toList());
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("reason", t.end().reason().label());
        end.put("ok", t.end().reason().ok());
        end.put("message", t.end().message());
        end.put("address", hex(t.end().address()));
        end.put("at", t.end().where());
        end.put("expected", t.end().expected());
        end.put("verdict", t.arrivedRight());
        j.put("end", end);
        j.put("switches", t.arrivals().stream().map(JsonFormat::arrival).toList());
        j.put("switchStarts", switchStarts(t));
        return j;
    }

    static Map<String, Object> step(Trace.Step s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", s.number());
        m.put("address", hex(s.address()));
        m.put("symbol", s.symbol());
        m.put("bytes", HexFormat.of().formatHex(s.bytes()));
        m.put("file", s.where() == null ? null : s.where().file());
        m.put("line", s.where() == null ? null : s.where().line());
        m.put("location", s.where() == null ? null : s.where().toString());
        m.put("source", s.source());
        m.put("sourceLine", s.sourceLine());
        m.put("registers", s.registers().stream().map(r -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", r.name());
            x.put("before", hex(r.before()));
            x.put("after", hex(r.after()));
            return x;
        }).toList());
        m.put("flags", s.flags().stream().map(f -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", f.name());
            x.put("before", f.before());
            x.put("after", f.after());
            return x;
        }).toList());
        m.put("writes", accesses(s.writes(), true));
        m.put("reads", accesses(s.reads(), false));
        m.put("mxcsr", s.mxcsr() == null ? null : pair(mxcsr(s.mxcsr().before()), mxcsr(s.mxcsr().after())));
        m.put("explanation", s.explanation());
        m.put("stack", s.stack() == null ? null : stack(s.stack()));
        m.put("next", hex(s.next()));
        m.put("bindings", s.bindings());
        m.put("warnings", s.warnings());
        m.put("switch", s.switchNumber() == 0 ? null : s.switchNumber());
        m.put("fpcw", s.registers().stream().filter(r -> r.name().equals("fpcw")).findFirst()
                .map(r -> pair(fpcw(new Fpcw((int) r.before())), fpcw(new Fpcw((int) r.after())))).orElse(null));
        return m;
    }

    private static List<Map<String, Object>> accesses(List<Trace.Access> list, boolean writes) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Trace.Access a : list) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("address", hex(a.address()));
            x.put("size", a.size());
            x.put("value", hex(a.value()));
            if (writes) x.put("before", hex(a.before()));
            x.put("name", a.name());
            out.add(x);
        }
        return out;
    }

    /** Every switch the routine was entered for, completed or not: number, first step, save, restore. */
    private static List<Map<String, Object>> switchStarts(Trace t) {
        List<Map<String, Object>> out = new ArrayList<>();
        int seen = 0;
        for (Trace.Step s : t.steps()) {
            if (s.switchNumber() == 0 || s.switchNumber() == seen) continue;
            seen = s.switchNumber();
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("number", seen);
            x.put("step", s.number());
            x.put("save", s.bindings().get("save"));
            x.put("restore", s.bindings().get("restore"));
            out.add(x);
        }
        return out;
    }

    private static Map<String, Object> arrival(Trace.Arrival a) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("number", a.number());
        x.put("firstStep", a.firstStep());
        x.put("lastStep", a.lastStep());
        x.put("save", a.save());
        x.put("restore", a.restore());
        x.put("ok", a.ok());
        x.put("checks", a.checks().stream().map(c -> {
            Map<String, Object> y = new LinkedHashMap<>();
            y.put("side", c.side());
            y.put("name", c.name());
            y.put("ok", c.ok());
            y.put("expected", hex(c.expected()));
            y.put("actual", hex(c.actual()));
            y.put("blame", c.blame() == 0 ? null : c.blame());
            y.put("text", c.text());
            return y;
        }).toList());
        return x;
    }

    private static Map<String, Object> layout(TraceLayout l) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("name", l.name());
        x.put("size", l.size());
        x.put("slots", l.slots().stream().map(s -> {
            Map<String, Object> y = new LinkedHashMap<>();
            y.put("name", s.name());
            y.put("offset", s.offset());
            y.put("width", s.width());
            y.put("register", s.register());
            return y;
        }).toList());
        x.put("preserved", l.preserved());
        x.put("stackPointer", l.slotFor("rsp").map(TraceLayout.Slot::name).orElse(null));
        return x;
    }

    private static Map<String, Object> convention(ConventionLayout cl) {
        var c = cl.convention();
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("name", c.name());
        x.put("runtime", c.runtime());
        x.put("summary", c.summary());
        x.put("storage", cl.word());
        x.put("frameAt", cl.frame() ? c.storage().at() : null);
        x.put("description", cl.describe());
        x.put("source", c.source());
        return x;
    }

    private static Map<String, Object> pair(Object before, Object after) {
        Map<String, Object> x = new LinkedHashMap<>();   // in this order on every run (Map.of's order is not fixed)
        x.put("before", before);
        x.put("after", after);
        return x;
    }

    static Map<String, Object> fpcw(Fpcw f) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("value", hex(f.value()));
        x.put("precision", f.precision());
        x.put("rounding", f.rounding());
        x.put("masked", f.masked());
        x.put("text", f.describe());
        return x;
    }

    static Map<String, Object> mxcsr(Mxcsr m) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("value", hex(m.value()));
        x.put("rounding", m.rounding());
        x.put("ftz", m.ftz());
        x.put("daz", m.daz());
        x.put("masked", m.masked());
        x.put("flags", m.flags());
        x.put("text", m.describe());
        return x;
    }

    private static Map<String, Object> stack(Trace.StackView v) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("region", v.region());
        x.put("rsp", hex(v.rsp()));
        x.put("slots", v.slots().stream().map(s -> {
            Map<String, Object> y = new LinkedHashMap<>();
            y.put("address", hex(s.address()));
            y.put("offset", s.offset());
            y.put("value", hex(s.value()));
            y.put("note", s.note());
            return y;
        }).toList());
        return x;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
