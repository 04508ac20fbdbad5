package ctxlab.trace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.abi.Arm64Layout;
import ctxlab.asm.Assembly;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The AArch64 trace ({@link Arm64Tracer}) as one self-contained HTML page, with the x86-64 page's
 * look: the same template and stylesheet ({@link HtmlFormat}), its own script
 * ({@code arm64-trace.js}) for AArch64's registers (x0–x30, sp, pc, d8–d15, FPCR) and the 176-byte
 * Cem context. Like the x86-64 page it needs no network (the CSP forbids every fetch): the trace's
 * JSON, the sources and the script are inlined.
 */
public final class Arm64Html {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Arm64Html() {}

    /** The page of {@code r}, traced on {@code assembly}; {@code sources}: file name to its text, for the source view. */
    public static String page(Arm64Tracer.Result r, Assembly assembly, Map<String, String> sources) {
        String data;
        try {
            data = JSON.writeValueAsString(tree(r, assembly, sources));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String title = r.symbol() + " in " + r.file() + " (arm64)";
        return HtmlFormat.fill(title, data, HtmlFormat.resource("arm64-trace.js"));
    }

    /** The page of a convention trace ({@link Arm64ConventionTracer}): the frames as the contexts, and both arrivals' verdicts. */
    public static String page(Arm64ConventionTracer.Result r, Assembly assembly, Map<String, String> sources) {
        Arm64Tracer.Result t = r.trace();
        Map<String, Object> j = tree(t, assembly, sources);
        j.putAll(Arm64ConventionTracer.json(r));
        j.put("steps", tree(t, assembly, sources).get("steps"));
        j.put("title", t.symbol() + " in " + t.file() + " (arm64) under " + r.convention().name() + ": main → a fresh strand (made by "
                + r.madeBy() + ") → main");
        List<Map<String, Object>> contexts = new ArrayList<>();
        for (Arm64ConventionTracer.Frame f : r.frames()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", f.name());
            c.put("address", Arm64Tracer.hex(f.address()));
            c.put("bytes", HexFormat.of().formatHex(t.contexts().get(f.name())));
            c.put("where", f.where());
            contexts.add(c);
        }
        j.put("contexts", contexts);
        j.put("start", Arm64ConventionTracer.start(r));
        List<Map<String, Object>> slots = new ArrayList<>();
        for (var s : r.convention().slots()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("offset", s.offset());
            slots.add(m);
        }
        j.put("slots", slots);
        String word = r.convention().storage().kind() == ctxlab.abi.Convention.StorageKind.FRAME ? "frame" : "struct";
        j.put("layoutNote", "(" + r.convention().name() + "'s " + r.convention().storage().size() + "-byte " + word
                + ", labelled where it lies)");
        @SuppressWarnings("unchecked")
        Map<String, String> marks = new LinkedHashMap<>((Map<String, String>) j.get("marks"));
        marks.remove(Arm64Tracer.hex(Arm64Tracer.SAVE));
        marks.remove(Arm64Tracer.hex(Arm64Tracer.RESTORE));
        for (Arm64ConventionTracer.Frame f : r.frames()) marks.put(Arm64Tracer.hex(f.address()), "→ " + f.name());
        marks.put(Arm64Tracer.hex(Arm64ConventionTracer.DATA_TO_STRAND), "data main hands over");
        marks.put(Arm64Tracer.hex(Arm64ConventionTracer.DATA_TO_MAIN), "data the strand hands back");
        j.put("marks", marks);
        String data;
        try {
            data = JSON.writeValueAsString(j);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return HtmlFormat.fill(t.symbol() + " in " + t.file() + " (arm64, " + r.convention().name() + ")", data,
                HtmlFormat.resource("arm64-trace.js"));
    }

    /** The data the script renders: {@link Arm64Tracer#json}'s tree, with what a page needs besides. */
    static Map<String, Object> tree(Arm64Tracer.Result r, Assembly assembly, Map<String, String> sources) {
        Map<String, Object> j = new LinkedHashMap<>(Arm64Tracer.json(r));
        j.put("title", r.symbol() + " in " + r.file() + " (arm64): main → a fresh strand made by makecontext");
        // where each step's line is, for the source view
        List<Object> steps = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> raw = (List<Map<String, Object>>) j.get("steps");
        for (int i = 0; i < raw.size(); i++) {
            Map<String, Object> s = new LinkedHashMap<>(raw.get(i));
            Assembly.Line l = assembly.lineAt(r.steps().get(i).pc());
            s.put("file", l == null ? null : l.where().file());
            s.put("lineNumber", l == null ? 0 : l.where().line());
            steps.add(s);
        }
        j.put("steps", steps);
        List<String> names = new ArrayList<>(List.of(Arm64Tracer.NAMES));
        j.put("registerNames", names);
        Map<String, String> initial = new LinkedHashMap<>();
        r.initial().forEach((k, v) -> initial.put(k, Arm64Tracer.hex(v)));
        initial.put("pc", Arm64Tracer.hex(assembly.address(r.symbol())));
        j.put("initial", initial);
        List<Map<String, Object>> contexts = new ArrayList<>();
        for (var e : r.contexts().entrySet()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", e.getKey());
            c.put("address", Arm64Tracer.hex(e.getKey().equals("save") ? Arm64Tracer.SAVE : Arm64Tracer.RESTORE));
            c.put("bytes", HexFormat.of().formatHex(e.getValue()));
            contexts.add(c);
        }
        j.put("contexts", contexts);
        List<Map<String, Object>> slots = new ArrayList<>();
        for (Arm64Layout.Slot s : Arm64Layout.Slot.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.label());
            m.put("offset", s.offset);
            slots.add(m);
        }
        j.put("slots", slots);
        Map<String, String> marks = new LinkedHashMap<>();
        marks.put(Arm64Tracer.hex(Arm64Tracer.MAIN_RESUMES), "main resumes here (its lr)");
        marks.put(Arm64Tracer.hex(Arm64Tracer.STRAND_ENTRY), "the strand's entry");
        marks.put(Arm64Tracer.hex(Arm64Tracer.SAVE), "→ save context");
        marks.put(Arm64Tracer.hex(Arm64Tracer.RESTORE), "→ restore context");
        j.put("marks", marks);
        Map<String, String> stacks = new LinkedHashMap<>();
        stacks.put("main", Arm64Tracer.hex(Arm64Tracer.MAIN_STACK) + "-" + Arm64Tracer.hex(Arm64Tracer.MAIN_STACK + 0x1000));
        stacks.put("strand", Arm64Tracer.hex(Arm64Tracer.STRAND_STACK) + "-"
                + Arm64Tracer.hex(Arm64Tracer.STRAND_STACK + Arm64Tracer.STRAND_STACK_SIZE));
        j.put("stacks", stacks);
        j.put("sources", sources);
        return j;
    }
}
