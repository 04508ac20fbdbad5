package ctxlab.vectors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import ctxlab.abi.ContextLayout;
import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import ctxlab.vectors.Vector.Call;
import ctxlab.vectors.Vector.Cell;
import ctxlab.vectors.Vector.Expect;
import ctxlab.vectors.Vector.Fault;
import ctxlab.vectors.Vector.Region;
import ctxlab.vectors.Vector.Until;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads vector files with Jackson's tree model, so that every unknown field and wrong type is
 * reported with the file and the JSON path of the offending value. The format is described in
 * {@code testvectors/README.md} and {@code testvectors/vector.schema.json}.
 */
public final class VectorParser {

    /** Field names per object, kept in step with the schema by a test. */
    public static final Set<String> TOP = Set.of("$schema", "name", "description", "convention", "source", "symbol", "asm",
            "memory", "registers", "call", "expect");
    public static final Set<String> REGION = Set.of("base", "size", "prot", "contexts", "slots", "qwords", "dwords", "bytes");
    public static final Set<String> CONTENT = Set.of("contexts", "slots", "qwords", "dwords", "bytes");
    public static final Set<String> CALL = Set.of("symbol", "args", "until", "budget");
    public static final Set<String> EXPECT = Set.of("registers", "memory", "instructions", "fault", "address", "pc");
    /** Context keys: the {@link ContextLayout} slots plus the 4 spare bytes. */
    public static final String SPARE = "spare";

    /** Largest region: vectors are small pictures, and this keeps a typo from mapping gigabytes. */
    static final long MAX_REGION = 16L << 20;
    /** All regions of one vector together: the runners copy every byte of them, before and after. */
    static final long MAX_TOTAL = 64L << 20;
    /** Regions must sit in the lower canonical half (user space). */
    static final long USER_END = 0x0000_8000_0000_0000L;

    private static final Pattern REGION_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z0-9_$-]+");
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final String file;
    /** The vector's convention: names its storage's slots ({@code slots}) and its resume rule. */
    private Convention convention;

    private VectorParser(String file) {
        this.file = file;
    }

    /**
     * Reads and checks a vector file.
     *
     * @param display how messages name the file ({@code testvectors/x.json})
     * @param id      the vector's id in reports (its path under the corpus root)
     */
    public static Vector read(Path path, String display, String id) {
        String text;
        try {
            text = ctxlab.asm.SourceFile.readText(path);
        } catch (NoSuchFileException e) {
            throw new VectorException(display + ": no such file");
        } catch (ctxlab.asm.SourceFile.InputTooLargeException e) {
            throw new VectorException(display + ": larger than 16 MiB; refused");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new VectorException(display + ": not a UTF-8 text file");
        } catch (IOException e) {
            throw new VectorException(display + ": cannot read: " + e.getMessage());
        }
        return parse(tree(text, display), path, display, id);
    }

    /** The JSON tree of a vector file, or a message with the line and column of the syntax error. */
    public static JsonNode tree(String text, String display) {
        try {
            JsonNode root = MAPPER.readTree(text);
            if (root == null || root.isMissingNode()) throw new VectorException(display + ": empty file");
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
            String msg = e.getOriginalMessage().lines().findFirst().orElse("malformed JSON");
            if (msg.startsWith("Trailing token")) msg = "more after the JSON value (only one is read)";
            throw new VectorException(display + ": " + where + "malformed JSON: " + msg);
        }
    }

    /** Checks a JSON tree as a vector (used by the recorder, which edits trees). */
    public static Vector parse(JsonNode root, Path path, String display, String id) {
        return new VectorParser(display).vector(root, path, id);
    }

    // ---------------------------------------------------------------- the vector

    /**
     * A code file named by a vector: relative, inside the project tree, an assembly file. Anything
     * else (an absolute path, {@code ..} out of the tree, {@code /etc/passwd}) is refused here, before
     * any file is opened, so that no vector can make ctxlab read, or quote from, a file elsewhere.
     */
    private String sourcePath(String name, String at) {
        if (name.isEmpty() || name.indexOf('\0') >= 0) throw new VectorException(file, at, "empty or malformed file name");
        Path p;
        try {
            p = Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw new VectorException(file, at, "malformed file name");
        }
        if (p.isAbsolute() || name.startsWith("~")) {
            throw new VectorException(file, at, "must be a path relative to the project root, not an absolute one");
        }
        Path n = p.normalize();
        if (n.startsWith("..") || n.toString().isEmpty()) {
            throw new VectorException(file, at, "must stay inside the project tree (no '..' out of it)");
        }
        if (!Sources.isAssemblyName(name)) {
            throw new VectorException(file, at, "must name an assembly file (.s, .S or .asm)");
        }
        return name;
    }

    private Vector vector(JsonNode root, Path path, String id) {
        object(root, "$");
        fields(root, "$", TOP);
        String name = text(required(root, "$", "name"), "$.name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
                // A name is printed on a line of its own in reports: no escape sequences, no line breaks.
                throw new VectorException(file, "$.name", String.format("control character U+%04X is not allowed in a name", (int) c));
            }
        }
        String description = text(required(root, "$", "description"), "$.description");
        if (root.has("$schema")) text(root.get("$schema"), "$['$schema']");
        convention = convention(root);
        boolean cem = convention.name().equals(Conventions.DEFAULT);
        // Only Cem's routine has a default file: another convention's vector names the routine it pins down.
        if (!cem && !root.has("source")) {
            throw error("$", "missing field 'source': a vector of convention '" + convention.name()
                    + "' names its routine's file (e.g. asm/conventions/" + convention.name() + "/ok-….s)");
        }
        String source = root.has("source") ? sourcePath(text(root.get("source"), "$.source"), "$.source") : Vector.DEFAULT_SOURCE;
        String symbol = root.has("symbol") ? symbolName(root.get("symbol"), "$.symbol")
                : cem ? Vector.DEFAULT_SYMBOL : convention.symbols().getFirst();
        List<String> asm = new ArrayList<>();
        if (root.has("asm")) {
            JsonNode a = root.get("asm");
            array(a, "$.asm");
            for (int i = 0; i < a.size(); i++) asm.add(sourcePath(text(a.get(i), "$.asm[" + i + "]"), "$.asm[" + i + "]"));
        }
        Map<String, Region> regions = regions(required(root, "$", "memory"));
        Call call = call(required(root, "$", "call"));
        Map<Reg, Expr> registers = registersBefore(required(root, "$", "registers"), call);
        Expect expect = root.has("expect") ? expect(root.get("expect"), regions) : null;
        return new Vector(path, file, id, name, description, convention, source, symbol, asm, regions, registers, call, expect);
    }

    /** {@code convention}: a shipped convention's name (a vector is self-contained: no paths). */
    private Convention convention(JsonNode root) {
        if (!root.has("convention")) return Conventions.byName(Conventions.DEFAULT).orElseThrow();
        String n = text(root.get("convention"), "$.convention");
        return Conventions.byName(n).orElseThrow(() -> error("$.convention", "unknown convention '" + n
                + "' (shipped: " + String.join(", ", Conventions.names()) + ")"));
    }

    // ---------------------------------------------------------------- memory

    private Map<String, Region> regions(JsonNode memory) {
        object(memory, "$.memory");
        Map<String, Region> regions = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, JsonNode> e : entries(memory)) {
            String name = e.getKey();
            String path = "$.memory." + key(name);
            if (!REGION_NAME.matcher(name).matches()) {
                throw error(path, "a region name is letters, digits and '_', starting with a letter or '_'");
            }
            JsonNode r = e.getValue();
            object(r, path);
            fields(r, path, REGION);
            long base = number(required(r, path, "base"), path + ".base");
            long size = number(required(r, path, "size"), path + ".size");
            if (base % Machine.PAGE_SIZE != 0) throw error(path + ".base", hex(base) + " is not 4 KiB aligned (regions are mappings)");
            if (size <= 0 || size % Machine.PAGE_SIZE != 0) throw error(path + ".size", hex(size) + " is not a positive multiple of 4 KiB");
            if (size > MAX_REGION) throw error(path + ".size", hex(size) + " is larger than the limit of " + hex(MAX_REGION));
            total += size;
            if (total > MAX_TOTAL) {
                throw error(path + ".size", "the regions add up to more than " + hex(MAX_TOTAL) + " (64 MiB), the limit for one vector");
            }
            if (Long.compareUnsigned(base, USER_END) >= 0 || Long.compareUnsigned(base + size, USER_END) > 0) {
                throw error(path + ".base", "region [" + hex(base) + ", " + hex(base + size) + ") is not below " + hex(USER_END) + " (user space)");
            }
            for (Region o : regions.values()) {
                if (base < o.end() && o.base() < base + size) {
                    throw error(path, "region [" + hex(base) + ", " + hex(base + size) + ") overlaps region '" + o.name()
                            + "' [" + hex(o.base()) + ", " + hex(o.end()) + ")");
                }
            }
            String protText = r.has("prot") ? text(r.get("prot"), path + ".prot") : "rw";
            int prot = prot(protText, path + ".prot");
            List<Cell> cells = content(r, path, name, size);
            List<Long> contexts = new ArrayList<>();
            if (r.has("contexts")) r.get("contexts").fieldNames().forEachRemaining(k -> contexts.add(Expr.hexValue(k, k)));
            List<Long> storages = new ArrayList<>();
            if (r.has("slots")) r.get("slots").fieldNames().forEachRemaining(k -> storages.add(Expr.hexValue(k, k)));
            regions.put(name, new Region(name, base, size, prot, protText, cells, contexts, storages));
        }
        return regions;
    }

    private int prot(String text, String path) {
        if (text.equals("none")) return UcConst.UC_PROT_NONE;
        if (!text.matches("r?w?x?") || text.isEmpty()) {
            throw error(path, "'" + text + "' is not a protection: r, w, x in that order (\"rw\", \"r\", \"rx\", \"rwx\"…) or \"none\"");
        }
        int p = 0;
        if (text.contains("r")) p |= UcConst.UC_PROT_READ;
        if (text.contains("w")) p |= UcConst.UC_PROT_WRITE;
        if (text.contains("x")) p |= UcConst.UC_PROT_EXEC;
        return p;
    }

    /** The content fields of a region (initial) or of an expected region: contexts, qwords, dwords, bytes. */
    private List<Cell> content(JsonNode r, String path, String region, long size) {
        List<Cell> cells = new ArrayList<>();
        if (r.has("contexts") && !convention.name().equals(Conventions.DEFAULT)) {
            throw error(path + ".contexts", "contexts are Cem's 64-byte contexts; this vector's convention is '"
                    + convention.name() + "': give its storage with \"slots\" (" + convention.describeSlots() + ")");
        }
        if (r.has("slots")) {
            JsonNode cs = r.get("slots");
            String cp = path + ".slots";
            object(cs, cp);
            for (Map.Entry<String, JsonNode> c : entries(cs)) {
                String at = cp + "." + key(c.getKey());
                long off = offset(c.getKey(), at);
                JsonNode slots = c.getValue();
                object(slots, at);
                String where = region + (off == 0 ? "" : "+" + hex(off));
                for (Map.Entry<String, JsonNode> s : entries(slots)) {
                    String sp = at + "." + key(s.getKey());
                    Convention.Slot slot = convention.slot(s.getKey()).orElseThrow(() -> error(sp, "no slot '" + s.getKey()
                            + "' in convention '" + convention.name() + "' (slots: " + convention.describeSlots() + ")"));
                    cells.add(new Cell(region, where + "." + slot.name(), off + slot.offset(), slot.width(),
                            expr(s.getValue(), sp, slot.width()), null, sp));
                }
            }
        }
        if (r.has("contexts")) {
            JsonNode cs = r.get("contexts");
            String cp = path + ".contexts";
            object(cs, cp);
            for (Map.Entry<String, JsonNode> c : entries(cs)) {
                String at = cp + "." + key(c.getKey());
                long off = offset(c.getKey(), at);
                JsonNode slots = c.getValue();
                object(slots, at);
                String ctx = region + (off == 0 ? "" : "+" + hex(off));
                for (Map.Entry<String, JsonNode> s : entries(slots)) {
                    String sp = at + "." + key(s.getKey());
                    long slotOffset;
                    int width;
                    if (s.getKey().equals(SPARE)) {
                        slotOffset = ContextLayout.SPARE_OFFSET;
                        width = ContextLayout.SPARE_SIZE;
                    } else {
                        Slot slot = Slot.byName(s.getKey()).filter(x -> x.label().equals(s.getKey()))
                                .orElseThrow(() -> error(sp, "unknown context slot (slots: "
                                        + String.join(", ", Arrays.stream(Slot.values()).map(Slot::label).toList()) + ", " + SPARE + ")"));
                        slotOffset = slot.offset;
                        width = slot.width;
                    }
                    cells.add(new Cell(region, ctx + "." + s.getKey(), off + slotOffset, width, expr(s.getValue(), sp, width), null, sp));
                }
            }
        }
        for (String kind : List.of("qwords", "dwords")) {
            if (!r.has(kind)) continue;
            int width = kind.equals("qwords") ? 8 : 4;
            JsonNode q = r.get(kind);
            String qp = path + "." + kind;
            object(q, qp);
            for (Map.Entry<String, JsonNode> e : entries(q)) {
                String at = qp + "." + key(e.getKey());
                long off = offset(e.getKey(), at);
                cells.add(new Cell(region, region + "+" + hex(off), off, width, expr(e.getValue(), at, width), null, at));
            }
        }
        if (r.has("bytes")) {
            JsonNode b = r.get("bytes");
            String bp = path + ".bytes";
            object(b, bp);
            for (Map.Entry<String, JsonNode> e : entries(b)) {
                String at = bp + "." + key(e.getKey());
                long off = offset(e.getKey(), at);
                String hexText = text(e.getValue(), at).replace(" ", "").replace("_", "");
                byte[] raw;
                try {
                    raw = HexFormat.of().parseHex(hexText);
                } catch (IllegalArgumentException ex) {
                    throw error(at, "'" + e.getValue().asText() + "' is not a string of hex byte pairs (\"deadbeef\")");
                }
                if (raw.length == 0) throw error(at, "no bytes");
                cells.add(new Cell(region, region + "+" + hex(off), off, raw.length, null, raw, at));
            }
        }
        // Every cell inside the region, no byte given twice.
        cells.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            if (c.offset() + c.width() > size) {
                throw error(c.path(), "offset " + hex(c.offset()) + " + " + c.width() + " bytes is past the end of region '"
                        + region + "' (size " + hex(size) + ")");
            }
            if (i > 0) {
                Cell p = cells.get(i - 1);
                if (p.offset() + p.width() > c.offset()) throw error(c.path(), "overlaps " + p.path());
            }
        }
        return cells;
    }

    private long offset(String key, String path) {
        try {
            return Expr.hexValue(key, key);
        } catch (IllegalArgumentException e) {
            throw error(path, "an offset is a hex number (\"0x40\"): " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- registers and call

    private Map<Reg, Expr> registersBefore(JsonNode regs, Call call) {
        object(regs, "$.registers");
        Map<Reg, Expr> out = new EnumMap<>(Reg.class);
        for (Map.Entry<String, JsonNode> e : entries(regs)) {
            String path = "$.registers." + key(e.getKey());
            if (e.getKey().equals("rip")) throw error(path, "rip is not given: the call starts at call.symbol");
            Reg reg = Vector.register(e.getKey()).filter(Vector.BEFORE::contains)
                    .orElseThrow(() -> error(path, "unknown register"));
            int argIndex = Vector.ARGS.indexOf(reg);
            if (argIndex >= 0 && argIndex < call.args().size()) {
                throw error(path, e.getKey() + " is also set by $.call.args[" + argIndex + "]");
            }
            out.put(reg, expr(e.getValue(), path, reg.width()));
        }
        for (Reg r : Vector.BEFORE) {
            int argIndex = Vector.ARGS.indexOf(r);
            if (!out.containsKey(r) && !(argIndex >= 0 && argIndex < call.args().size())) {
                throw error("$.registers", "missing " + Vector.label(r)
                        + " (a vector gives the whole state: all 16 general registers, rflags, mxcsr and fpcw)");
            }
        }
        return out;
    }

    private Call call(JsonNode c) {
        object(c, "$.call");
        fields(c, "$.call", CALL);
        String symbol = c.has("symbol") ? symbolName(c.get("symbol"), "$.call.symbol") : null;
        JsonNode a = required(c, "$.call", "args");
        array(a, "$.call.args");
        if (a.size() > Vector.ARGS.size()) throw error("$.call.args", "at most 6 register arguments (rdi, rsi, rdx, rcx, r8, r9)");
        List<Expr> args = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) args.add(expr(a.get(i), "$.call.args[" + i + "]", 8));
        Until until = null;
        if (c.has("until")) {
            String u = text(c.get("until"), "$.call.until").strip();
            until = switch (u) {
                case "[rsp]" -> new Until.Return();
                case "[restore.rsp]" -> {
                    if (!convention.name().equals(Conventions.DEFAULT)) {
                        throw error("$.call.until", "\"[restore.rsp]\" is Cem's form; a vector of convention '" + convention.name()
                                + "' says \"[restore.resume]\" (where its restore side resumes)");
                    }
                    yield new Until.Resume();
                }
                case "[restore.resume]" -> new Until.Resume();
                case "none" -> new Until.None();
                default -> {
                    if (u.startsWith("[")) {
                        throw error("$.call.until", "'" + u + "': the forms in brackets are \"[rsp]\", \"[restore.resume]\" and (Cem) \"[restore.rsp]\"");
                    }
                    yield new Until.At(expr(c.get("until"), "$.call.until", 8));
                }
            };
        }
        long budget = Vector.DEFAULT_BUDGET;
        if (c.has("budget")) {
            budget = count(c.get("budget"), "$.call.budget");
            if (budget <= 0) throw error("$.call.budget", "must be at least 1");
        }
        return new Call(symbol, args, until, budget);
    }

    // ---------------------------------------------------------------- expect

    private Expect expect(JsonNode x, Map<String, Region> regions) {
        object(x, "$.expect");
        fields(x, "$.expect", EXPECT);
        Map<Reg, Expr> registers = new EnumMap<>(Reg.class);
        if (x.has("registers")) {
            JsonNode regs = x.get("registers");
            object(regs, "$.expect.registers");
            for (Map.Entry<String, JsonNode> e : entries(regs)) {
                String path = "$.expect.registers." + key(e.getKey());
                Reg reg = Vector.register(e.getKey()).orElseThrow(() -> error(path, "unknown register"));
                registers.put(reg, expr(e.getValue(), path, reg.width()));
            }
        }
        Map<String, List<Cell>> memory = new LinkedHashMap<>();
        if (x.has("memory")) {
            JsonNode mem = x.get("memory");
            object(mem, "$.expect.memory");
            for (Map.Entry<String, JsonNode> e : entries(mem)) {
                String path = "$.expect.memory." + key(e.getKey());
                Region r = regions.get(e.getKey());
                if (r == null) throw error(path, "no region '" + e.getKey() + "' in $.memory");
                object(e.getValue(), path);
                fields(e.getValue(), path, CONTENT);
                memory.put(r.name(), content(e.getValue(), path, r.name(), r.size()));
            }
        }
        Long instructions = x.has("instructions") ? count(x.get("instructions"), "$.expect.instructions") : null;
        Fault fault = null;
        if (x.has("fault")) {
            String k = text(x.get("fault"), "$.expect.fault");
            FaultKind kind = FaultKind.byLabel(k).orElseThrow(() -> error("$.expect.fault",
                    "unknown fault '" + k + "' (faults: " + FaultKind.labels() + ")"));
            Expr address = x.has("address") ? expr(x.get("address"), "$.expect.address", 8) : null;
            Expr pc = x.has("pc") ? expr(x.get("pc"), "$.expect.pc", 8) : null;
            fault = new Fault(kind, address, pc);
        } else {
            for (String f : List.of("address", "pc")) {
                if (x.has(f)) throw error("$.expect." + f, "only with \"fault\" (the faulting address and instruction)");
            }
        }
        return new Expect(registers, memory, instructions, fault);
    }

    // ---------------------------------------------------------------- values and types

    private Expr expr(JsonNode v, String path, int width) {
        if (!v.isTextual()) throw error(path, "expected a hex string like \"0x1f80\" or a name, got " + describe(v));
        Expr e;
        try {
            e = Expr.parse(v.asText());
        } catch (IllegalArgumentException ex) {
            throw error(path, ex.getMessage());
        }
        if (e.isNumber() && width < 8 && (e.offset() >>> (width * 8)) != 0) {
            throw error(path, e.text() + " does not fit " + width * 8 + " bits");
        }
        return e;
    }

    private long number(JsonNode v, String path) {
        Expr e = expr(v, path, 8);
        if (!e.isNumber()) throw error(path, "expected a hex number here, not a name");
        return e.offset();
    }

    private long count(JsonNode v, String path) {
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
            throw error(path, "expected a non-negative integer, got " + describe(v));
        }
        return v.asLong();
    }

    private String symbolName(JsonNode v, String path) {
        String s = text(v, path);
        if (!Expr.NAME.matcher(s).matches()) throw error(path, "'" + s + "' is not a symbol name");
        return s;
    }

    private String text(JsonNode v, String path) {
        if (!v.isTextual()) throw error(path, "expected a string, got " + describe(v));
        if (v.asText().isBlank()) throw error(path, "must not be empty");
        return v.asText();
    }

    private void object(JsonNode v, String path) {
        if (!v.isObject()) throw error(path, "expected an object, got " + describe(v));
    }

    private void array(JsonNode v, String path) {
        if (!v.isArray()) throw error(path, "expected an array, got " + describe(v));
    }

    private JsonNode required(JsonNode o, String path, String field) {
        JsonNode v = o.get(field);
        if (v == null) throw error(path, "missing field '" + field + "'");
        return v;
    }

    private void fields(JsonNode o, String path, Set<String> known) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                throw error(path + "." + key(f), "unknown field (fields here: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private static List<Map.Entry<String, JsonNode>> entries(JsonNode o) {
        return new ArrayList<>(o.properties());
    }

    private static String describe(JsonNode v) {
        JsonNodeType t = v.getNodeType();
        return switch (t) {
            case STRING -> "a string";
            case NUMBER -> "the number " + v.asText();
            case BOOLEAN -> v.asText();
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A key in a JSON path: as is when simple, else ['…']. */
    static String key(String k) {
        return SIMPLE_KEY.matcher(k).matches() ? k : "['" + k.replace("'", "\\'") + "']";
    }

    private VectorException error(String path, String message) {
        return new VectorException(file, path, message);
    }

    private static String hex(long v) {
        return Expr.hex(v);
    }
}
