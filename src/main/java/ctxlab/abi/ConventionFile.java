package ctxlab.abi;

import com.fasterxml.jackson.databind.JsonNode;
import ctxlab.abi.Convention.Entry;
import ctxlab.abi.Convention.Fresh;
import ctxlab.abi.Convention.Holds;
import ctxlab.abi.Convention.Layout;
import ctxlab.abi.Convention.Maker;
import ctxlab.abi.Convention.Resume;
import ctxlab.abi.Convention.ResumePc;
import ctxlab.abi.Convention.ResumeRsp;
import ctxlab.abi.Convention.Role;
import ctxlab.abi.Convention.Slot;
import ctxlab.abi.Convention.Storage;
import ctxlab.abi.Convention.StorageKind;
import ctxlab.abi.Convention.Value;
import ctxlab.emu.Reg;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a convention's JSON (format: {@code convention.schema.json} beside the shipped files, and
 * the README). Every mistake is reported with the file and the field ("libfoo.json: slots[3].width
 * must be 2, 4 or 8, got 3"); unknown fields are errors, so a typo never silently weakens a check.
 */
public final class ConventionFile {
    /** A convention file larger than this is not a convention. */
    public static final int MAX_BYTES = 256 * 1024;

    private static final Set<String> LAYOUT_NAMES = Set.of("top", "entry", "exit", "arg0", "arg1");
    private static final Set<String> STRUCT_SLOT_NAMES = Set.of("top", "entry", "exit", "arg0", "arg1", "rsp");
    private static final Set<String> FRAME_SLOT_NAMES = Set.of("top", "entry", "exit", "arg0", "arg1", "frame");

    /** The fields of each object of the format (convention.schema.json lists the same; a test keeps them equal). */
    public static final String[] TOP = {"$schema", "name", "arch", "runtime", "summary", "symbols", "arguments", "storage", "slots",
            "resume", "arrival", "preserved", "fresh", "notes"};
    public static final String[] STORAGE = {"kind", "size", "at"};
    public static final String[] SLOT = {"name", "offset", "width", "holds", "saved"};
    public static final String[] RESUME = {"pc", "rsp", "rspPlus", "pushes"};
    public static final String[] FRESH = {"layout", "maker", "entry"};
    public static final String[] LAYOUT = {"rsp", "sp", "frame", "stack", "slots"};
    public static final String[] MAKER = {"symbol", "arguments", "returns"};
    public static final String[] ENTRY = {"rspMod16", "controlWords", "arguments"};

    private final String source;
    /** The file's architecture: every register name is read as one of its registers. */
    private Arch arch = Arch.X86_64;

    private ConventionFile(String source) {
        this.source = source;
    }

    /** Parses and checks one convention; {@code source} names it in messages. */
    public static Convention parse(String source, byte[] bytes) {
        if (bytes.length > MAX_BYTES) throw new ConventionException(source, "larger than " + MAX_BYTES + " bytes: not a convention file");
        JsonNode root;
        try {
            root = JsonTree.read(bytes);
        } catch (JsonTree.SyntaxException e) {
            throw new ConventionException(source, "not valid JSON at line " + e.line() + ", column " + e.column() + ": " + e.reason());
        }
        if (root == null || !root.isObject()) throw new ConventionException(source, "must be a JSON object");
        return new ConventionFile(source).convention(root);
    }

    private Convention convention(JsonNode o) {
        fields(o, "", TOP);
        String name = text(o, "name", true);
        String archText = text(o, "arch", false);
        if (archText != null) {
            arch = Arch.byId(archText).orElseThrow(() -> error("arch must be one of " + String.join(", ", Arch.ids())
                    + ", got '" + archText + "'"));
        }
        List<String> symbols = new ArrayList<>();
        for (JsonNode s : array(o, "symbols", false)) symbols.add(string(s, "symbols[]"));
        Map<Enum<?>, Role> arguments = new LinkedHashMap<>();
        each(object(o, "arguments", true), "arguments", (k, v) -> {
            Enum<?> r = gpr(k, "arguments");
            arguments.put(r, enumOf(Role.class, string(v, "arguments." + k), "arguments." + k));
        });
        JsonNode st = object(o, "storage", true);
        fields(st, "storage.", STORAGE);
        StorageKind kind = enumOf(StorageKind.class, text(st, "kind", true), "storage.kind");
        Storage storage = new Storage(kind, integer(st, "size", true, 0, "storage."), integer(st, "at", false, 0, "storage."));
        List<Slot> slots = new ArrayList<>();
        int i = 0;
        for (JsonNode s : array(o, "slots", true)) {
            String where = "slots[" + i++ + "].";
            if (!s.isObject()) throw error(where + " must be an object");
            fields(s, where, SLOT);
            String slotName = text(s, "name", true, where);
            int width = integer(s, "width", false, 8, where);
            if (width != 2 && width != 4 && width != 8) throw error(where + "width must be 2, 4 or 8, got " + width);
            String holdsText = text(s, "holds", true, where).toLowerCase(Locale.ROOT);
            Holds holds;
            Enum<?> reg = null;
            boolean x86 = arch == Arch.X86_64;
            switch (holdsText) {
                case "resume" -> holds = Holds.RESUME;
                case "opaque" -> holds = Holds.OPAQUE;
                default -> {
                    if (holdsText.equals(arch.spName())) {
                        holds = Holds.RSP;
                    } else if (x86 && holdsText.equals("tls-guard")) {
                        holds = Holds.TLS_GUARD;
                    } else if (x86 && holdsText.equals("mxcsr")) {
                        holds = Holds.MXCSR;
                        reg = Reg.MXCSR;
                    } else if (x86 && (holdsText.equals("fpcw") || holdsText.equals("x87cw"))) {
                        holds = Holds.FPCW;
                        reg = Reg.FPCW;
                    } else if (!x86 && holdsText.equals("fpcr")) {
                        holds = Holds.FPCR;
                        reg = ctxlab.emu.Arm64Reg.FPCR;
                    } else {
                        holds = Holds.REGISTER;
                        reg = saved(holdsText, where + "holds");
                    }
                }
            }
            if (holds == Holds.MXCSR && width < 4) throw error(where + "an mxcsr slot is 4 or 8 bytes wide");
            if (holds != Holds.FPCW && holds != Holds.MXCSR && holds != Holds.OPAQUE && width != 8) {
                throw error(where + "a " + holdsText + " slot is 8 bytes wide, got " + width);
            }
            int rspAdjust = 0;
            boolean savedRet = false;
            JsonNode saved = s.get("saved");
            if (saved != null) {
                if (holds == Holds.RSP) {
                    if (!saved.canConvertToInt()) throw error(where + "saved: for an rsp slot, the number added to the entry rsp");
                    rspAdjust = saved.asInt();
                } else if (holds == Holds.RESUME) {
                    String sv = string(saved, where + "saved");
                    if (!sv.equals("return-address") && !sv.equals("any")) {
                        throw error(where + "saved: 'return-address' or 'any' for a resume slot, got '" + sv + "'");
                    }
                    savedRet = sv.equals("return-address");
                } else {
                    throw error(where + "saved: only rsp and resume slots take it");
                }
            }
            slots.add(new Slot(slotName, integer(s, "offset", true, 0, where), width, holds, reg, rspAdjust, savedRet));
        }
        JsonNode rs = object(o, "resume", true);
        fields(rs, "resume.", RESUME);
        Resume resume = new Resume(enumOf(ResumePc.class, text(rs, "pc", true, "resume."), "resume.pc"),
                enumOf(ResumeRsp.class, text(rs, "rsp", true, "resume."), "resume.rsp"),
                integer(rs, "rspPlus", false, 0, "resume."), bool(rs, "pushes", "resume."));
        Map<Enum<?>, Value> arrival = new LinkedHashMap<>();
        JsonNode ar = o.get("arrival");
        if (ar != null) each(objectNode(ar, "arrival"), "arrival", (k, v) -> arrival.put(gpr(k, "arrival"), value(v, "arrival." + k, false)));
        List<Enum<?>> preserved = new ArrayList<>();
        for (JsonNode p : array(o, "preserved", true)) {
            String r = string(p, "preserved[]").toLowerCase(Locale.ROOT);
            if (r.equals(arch.spName())) {
                preserved.add(arch.sp());
            } else if (arch == Arch.X86_64 && r.equals("mxcsr")) {
                preserved.add(Reg.MXCSR);
            } else if (arch == Arch.X86_64 && (r.equals("fpcw") || r.equals("x87cw"))) {
                preserved.add(Reg.FPCW);
            } else if (arch == Arch.ARM64 && r.equals("fpcr")) {
                preserved.add(ctxlab.emu.Arm64Reg.FPCR);
            } else {
                preserved.add(saved(r, "preserved"));
            }
        }
        Fresh fresh = null;
        JsonNode fr = o.get("fresh");
        if (fr != null && !fr.isNull()) fresh = fresh(objectNode(fr, "fresh"), kind);
        return Convention.checked(new Convention(name, arch, text(o, "runtime", false), text(o, "summary", false), symbols,
                arguments, storage, slots, resume, arrival, preserved, fresh, source));
    }

    private Fresh fresh(JsonNode fr, StorageKind kind) {
        fields(fr, "fresh.", FRESH);
        Layout layout = null;
        JsonNode ly = fr.get("layout");
        if (ly != null && !ly.isNull()) {
            objectNode(ly, "fresh.layout");
            fields(ly, "fresh.layout.", LAYOUT);
            String anchor = kind == StorageKind.FRAME ? "frame" : arch.spName();
            Set<String> SLOT_NAMES = kind == StorageKind.FRAME ? FRAME_SLOT_NAMES
                    : arch == Arch.ARM64 ? Set.of("top", "entry", "exit", "arg0", "arg1", "sp") : STRUCT_SLOT_NAMES;
            for (String other : new String[] {"rsp", "sp", "frame"}) {
                if (!other.equals(anchor) && ly.has(other)) throw error("fresh.layout." + other + ": this " + arch.id() + " "
                        + kind.name().toLowerCase(Locale.ROOT) + " convention's layout gives '" + anchor + "'");
            }
            LayoutExpr rsp = expr(text(ly, anchor, true, "fresh.layout."), "fresh.layout." + anchor, LAYOUT_NAMES);
            List<LayoutExpr> stack = new ArrayList<>();
            for (JsonNode w : array(ly, "stack", false)) stack.add(expr(string(w, "fresh.layout.stack[]"), "fresh.layout.stack", SLOT_NAMES));
            Map<String, LayoutExpr> slots = new LinkedHashMap<>();
            JsonNode sl = ly.get("slots");
            if (sl != null) each(objectNode(sl, "fresh.layout.slots"), "fresh.layout.slots",
                    (k, v) -> slots.put(k, expr(string(v, "fresh.layout.slots." + k), "fresh.layout.slots." + k, SLOT_NAMES)));
            layout = new Layout(rsp, stack, slots);
        }
        Maker maker = null;
        JsonNode mk = fr.get("maker");
        if (mk != null && !mk.isNull()) {
            objectNode(mk, "fresh.maker");
            fields(mk, "fresh.maker.", MAKER);
            Map<Enum<?>, String> args = new LinkedHashMap<>();
            each(object(mk, "arguments", true), "fresh.maker.arguments", (k, v) -> {
                Enum<?> r = gpr(k, "fresh.maker.arguments");
                if (!arch.argumentRegisters().contains(r)) {
                    throw error("fresh.maker.arguments: " + k + " is not an argument register ("
                            + String.join(", ", arch.argumentRegisters().stream().map(Arch::name).toList()) + ")");
                }
                args.put(r, string(v, "fresh.maker.arguments." + k));
            });
            String ret = text(mk, "returns", false, "fresh.maker.");
            maker = new Maker(text(mk, "symbol", false, "fresh.maker."), args, ret == null ? null : gpr(ret, "fresh.maker.returns"));
        }
        JsonNode en = object(fr, "entry", true);
        fields(en, "fresh.entry.", ENTRY);
        Map<Enum<?>, Value> entryArgs = new LinkedHashMap<>();
        JsonNode ea = en.get("arguments");
        if (ea != null) each(objectNode(ea, "fresh.entry.arguments"), "fresh.entry.arguments",
                (k, v) -> entryArgs.put(gpr(k, "fresh.entry.arguments"), value(v, "fresh.entry.arguments." + k, true)));
        Entry entry = new Entry(integer(en, "rspMod16", false, 8, "fresh.entry."), bool(en, "controlWords", "fresh.entry."), entryArgs);
        return new Fresh(layout, maker, entry);
    }

    // ------------------------------------------------------------------ small readers

    private Value value(JsonNode v, String where, boolean args) {
        if (v.isIntegralNumber()) return new Value.Constant(v.asLong());
        String s = string(v, where);
        return switch (s) {
            case "from" -> new Value.From();
            case "data" -> new Value.Data();
            case "arg0" -> new Value.Arg(0);
            case "arg1" -> new Value.Arg(1);
            default -> {
                try {
                    yield new Value.Constant(s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s));
                } catch (NumberFormatException e) {
                    throw error(where + ": 'from', 'data'" + (args ? ", 'arg0', 'arg1'" : "") + " or a number, got '" + s + "'");
                }
            }
        };
    }

    private LayoutExpr expr(String text, String where, Set<String> names) {
        try {
            return LayoutExpr.parse(text, names);
        } catch (IllegalArgumentException e) {
            throw error(where + ": " + e.getMessage());
        }
    }

    private Enum<?> gpr(String name, String where) {
        return arch.gpr(name).orElseThrow(() -> error(where + ": '" + name + "' is not a general-purpose register of "
                + arch.id() + " (" + arch.gprList() + ")"));
    }

    /** A register a slot may hold or a round trip preserve (arm64: also d0-d31). */
    private Enum<?> saved(String name, String where) {
        if (arch == Arch.X86_64) return gpr(name, where);
        return arch.saved(name).orElseThrow(() -> error(where + ": '" + name + "' is not a register of " + arch.id() + " ("
                + "x0-x30 (fp, lr), sp, d0-d31, fpcr" + ")"));
    }

    private <E extends Enum<E>> E enumOf(Class<E> type, String text, String where) {
        String n = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) if (e.name().equals(n)) return e;
        List<String> ok = new ArrayList<>();
        for (E e : type.getEnumConstants()) ok.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        throw error(where + " must be one of " + String.join(", ", ok) + ", got '" + text + "'");
    }

    private void fields(JsonNode o, String where, String... known) {
        Set<String> k = Set.of(known);
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!k.contains(f)) throw error("unknown field '" + where + f + "' (known: " + String.join(", ", known) + ")");
        }
    }

    private JsonNode object(JsonNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) throw error("missing field '" + field + "'");
            return JsonTree.emptyObject();
        }
        return objectNode(v, field);
    }

    private JsonNode objectNode(JsonNode v, String where) {
        if (!v.isObject()) throw error(where + " must be an object");
        return v;
    }

    private Iterable<JsonNode> array(JsonNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) throw error("missing field '" + field + "'");
            return List.of();
        }
        if (!v.isArray()) throw error(field + " must be an array");
        if (v.size() > 256) throw error(field + ": more than 256 entries");
        return v;
    }

    private void each(JsonNode o, String where, java.util.function.BiConsumer<String, JsonNode> f) {
        if (o.size() > 64) throw error(where + ": more than 64 entries");
        for (var it = o.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            f.accept(e.getKey(), e.getValue());
        }
    }

    private String text(JsonNode o, String field, boolean required) {
        return text(o, field, required, "");
    }

    private String text(JsonNode o, String field, boolean required, String where) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) throw error("missing field '" + where + field + "'");
            return null;
        }
        return string(v, where + field);
    }

    private String string(JsonNode v, String where) {
        if (!v.isTextual()) throw error(where + " must be a string");
        String s = v.asText();
        if (s.length() > 1000) throw error(where + ": longer than 1000 characters");
        return s;
    }

    private int integer(JsonNode o, String field, boolean required, int dflt, String where) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) throw error("missing field '" + where + field + "'");
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw error(where + field + " must be an integer");
        return v.asInt();
    }

    private boolean bool(JsonNode o, String field, String where) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw error(where + field + " must be true or false");
        return v.asBoolean();
    }

    private ConventionException error(String message) {
        return new ConventionException(source, message);
    }
}
