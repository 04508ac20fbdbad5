package ctxlab.asm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The front-end between GNU-as source files and Keystone.
 *
 * <p>Keystone is LLVM's assembler without the object-file writer, and it stumbles on things GNU
 * as takes for granted: {@code .text} crashes it, {@code .section} and {@code .size .-f} make it
 * fail or emit nothing, numeric local labels are errors, and its errors carry no line number.
 * So this class reads the files itself (comments, statements, labels, sections, symbol
 * directives), hands Keystone only what it handles well, and keeps the map back to
 * {@code file:line}.
 *
 * <p>Where each statement lands is learned in the same single Keystone call: a marker label goes
 * before every statement, and a table of {@code .quad marker - origin} after the code makes
 * Keystone itself report every offset. When assembly fails, statements are assembled again as
 * growing prefixes (later labels stubbed) to find the first one Keystone rejects.
 */
public final class Assembler {

    private static final String MARK = ".Lctxlab_s";
    private static final String ORIGIN = ".Lctxlab_origin";

    private static final Pattern LABEL = Pattern.compile("^\\s*([A-Za-z_.$][\\w.$]*|\\d+)\\s*:(?!:)");
    private static final Pattern NUMERIC_REF = Pattern.compile("(?<![\\w.$])(\\d+)([bfBF])(?![\\w.$])");
    private static final Pattern SIZE_DOT = Pattern.compile("\\.\\s*-\\s*([A-Za-z_.$][\\w.$]*)");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(0[xX][0-9a-fA-F]+|\\d+)");
    private static final Pattern SEGMENT_ABS = Pattern.compile("%[cdefgs]s\\s*:\\s*([^(]*)$");

    private static final Set<String> IGNORED = Set.of(
            ".type", ".file", ".ident", ".loc", ".hidden", ".protected", ".internal", ".code64",
            ".att_syntax", ".local", ".end");
    private static final Set<String> DATA = Set.of(
            ".byte", ".word", ".short", ".value", ".hword", ".2byte", ".long", ".int", ".4byte",
            ".quad", ".8byte", ".octa", ".ascii", ".asciz", ".string", ".zero", ".skip", ".space",
            ".fill", ".float", ".double", ".single");
    private static final Set<String> ALIGN = Set.of(".align", ".balign", ".p2align");
    private static final Set<String> UNSUPPORTED = Set.of(
            ".macro", ".endm", ".rept", ".endr", ".irp", ".irpc", ".if", ".ifdef", ".ifndef",
            ".else", ".elseif", ".endif", ".include", ".incbin");
    private static final Set<String> BRANCHES = Set.of(
            "jmp", "jmpq", "call", "callq", "loop", "loope", "loopne", "loopz", "loopnz", "jecxz",
            "jrcxz", "xbegin");

    /** Kind of statement, which decides how it is counted. */
    enum Kind { INSTRUCTION, DATA, ALIGN, NONE }

    /** One statement of the source after reading: what Keystone gets, and where it came from. */
    record Statement(SourceLocation where, String text, List<String> labels, String body, Kind kind) {}

    private Assembler() {}

    public static Assembly assemble(SourceFile file, long base) {
        return assemble(List.of(file), base);
    }

    /** Assembles the files as one unit (labels of one are visible in the others). */
    public static Assembly assemble(List<SourceFile> files, long base) {
        Reader reader = new Reader();
        for (SourceFile f : files) reader.read(f);
        List<Statement> statements = reader.statements;
        if (statements.stream().noneMatch(s -> s.kind() != Kind.NONE)) {
            throw new AsmException(names(files) + ": no instructions to assemble");
        }
        String program = program(statements, true, statements.size());
        Keystone.Result result = run(program, base);
        if (result == null || !result.stderr().isBlank()) {
            throw locate(statements, base, result);
        }
        Assembly assembly = layout(statements, reader, result.bytes(), base);
        CrossCheck.check(assembly);   // cross-check (branch elf): Capstone decodes every instruction Keystone emitted
        return assembly;
    }

    private static String names(List<SourceFile> files) {
        return String.join(", ", files.stream().map(SourceFile::name).toList());
    }

    // ---- talking to Keystone ----------------------------------------------------------------

    private static Keystone keystone;

    /** Runs Keystone; null when it rejected the text (the reason is kept for {@link #locate}). */
    private static synchronized Keystone.Result run(String program, long base) {
        lastError = null;
        if (keystone == null || keystone.isBroken()) {
            keystone = Keystone.open();
        }
        try {
            return keystone.asm(program, base);
        } catch (KeystoneException e) {
            lastError = e;
            return null;
        }
    }

    private static KeystoneException lastError;

    private static String program(List<Statement> statements, boolean markers, int count) {
        StringBuilder sb = new StringBuilder(".att_syntax\n");
        if (markers) sb.append(ORIGIN).append(":\n");
        Set<String> defined = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Statement s = statements.get(i);
            if (markers) sb.append(MARK).append(i).append(":\n");
            for (String l : s.labels()) {
                sb.append(l).append(":\n");
                defined.add(l);
            }
            if (!s.body().isEmpty()) sb.append(s.body()).append('\n');
        }
        if (markers) {
            sb.append(MARK).append(count).append(":\n");
            for (int i = 0; i <= count; i++) {
                sb.append(".quad ").append(MARK).append(i).append(" - ").append(ORIGIN).append('\n');
            }
        } else {
            // Stubs for labels defined further down, so that a forward reference is not blamed.
            for (int i = count; i < statements.size(); i++) {
                for (String l : statements.get(i).labels()) {
                    if (defined.add(l)) sb.append(l).append(":\n");
                }
            }
        }
        return sb.toString();
    }

    /** Finds the first statement Keystone rejects, by assembling growing prefixes. */
    private static AsmException locate(List<Statement> statements, long base, Keystone.Result whole) {
        for (int k = 1; k <= statements.size(); k++) {
            Statement s = statements.get(k - 1);
            if (s.body().isEmpty()) continue;
            Keystone.Result r = run(program(statements, false, k), base);
            if (r == null) {
                return new AsmException(s.where(), s.text(), "Keystone: " + describe(lastError));
            }
            if (!r.stderr().isBlank()) {
                return new AsmException(s.where(), s.text(), "Keystone: " + r.stderr().strip());
            }
        }
        String file = statements.get(0).where().file();
        if (whole != null) return new AsmException(file + ": Keystone: " + whole.stderr().strip());
        return new AsmException(file + ": Keystone: " + describe(lastError));
    }

    private static String describe(KeystoneException e) {
        if (e == null) return "unknown error";
        String msg = e.keystoneMessage();
        String text = e.crashed() ? msg : msg + " (ks_errno " + e.errno() + ")";
        if (e.stderr() != null && !e.stderr().isBlank()) text += ": " + e.stderr().strip();
        return text;
    }

    // ---- turning Keystone's output into an Assembly -----------------------------------------

    private static Assembly layout(List<Statement> statements, Reader reader, byte[] out, long base) {
        int n = statements.size();
        int table = (n + 1) * 8;
        if (out.length < table) throw new AsmException("Keystone returned too few bytes (" + out.length + ")");
        ByteBuffer bb = ByteBuffer.wrap(out, out.length - table, table).order(ByteOrder.LITTLE_ENDIAN);
        long[] offset = new long[n + 1];
        for (int i = 0; i <= n; i++) offset[i] = bb.getLong();
        int codeLength = out.length - table;
        if (offset[n] != codeLength) {
            throw new AsmException("Keystone's layout is inconsistent: code ends at " + offset[n]
                    + " but " + codeLength + " bytes came back");
        }
        byte[] code = Arrays.copyOf(out, codeLength);

        List<Assembly.Line> lines = new ArrayList<>();
        Map<String, Long> labelOffset = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Statement s = statements.get(i);
            for (String l : s.labels()) labelOffset.put(l, offset[i]);
            int length = (int) (offset[i + 1] - offset[i]);
            if (length > 0) {
                lines.add(new Assembly.Line(offset[i], length, s.where(), s.text(), s.kind() == Kind.INSTRUCTION));
            } else if (s.kind() == Kind.INSTRUCTION) {
                throw new AsmException(s.where(), s.text(), "Keystone produced no bytes for this statement");
            }
        }

        Map<String, Assembly.Symbol> symbols = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : labelOffset.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(".Lctxlab_")) continue; // our renamed numeric labels
            long size = -1;
            Integer sizeAt = reader.sizeAt.get(name);
            if (sizeAt != null) size = offset[sizeAt] - e.getValue();
            Long fixed = reader.sizeFixed.get(name);
            if (fixed != null) size = fixed;
            symbols.put(name, new Assembly.Symbol(name, e.getValue(), reader.globals.contains(name), size));
        }
        for (String g : reader.globals) {
            if (!symbols.containsKey(g)) {
                SourceLocation where = reader.globalWhere.get(g);
                throw new AsmException(where, ".globl " + g, "symbol '" + g + "' is declared global but never defined");
            }
        }
        lines.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return new Assembly(code, base, symbols, lines);
    }

    // ---- reading GNU-as source --------------------------------------------------------------

    /** Reads files into statements, keeping the directives' meaning that Keystone would lose. */
    private static final class Reader {
        final List<Statement> statements = new ArrayList<>();
        final Set<String> globals = new HashSet<>();
        final Map<String, SourceLocation> globalWhere = new HashMap<>();
        final Map<String, Integer> sizeAt = new HashMap<>();   // .size f, .-f -> statement index
        final Map<String, Long> sizeFixed = new HashMap<>();   // .size f, 42
        final Map<String, SourceLocation> labelWhere = new HashMap<>();
        private int numericSerial;

        void read(SourceFile file) {
            String[] lines = stripBlockComments(file).split("\n", -1);
            String section = ".text";
            Deque<String> sectionStack = new ArrayDeque<>();
            String previousSection = ".text";
            // numeric label name -> list of (statement index, renamed) in order of definition
            Map<String, List<int[]>> numericDefs = new HashMap<>();
            List<Integer> pending = new ArrayList<>(); // statements referring to numeric labels

            for (int ln = 0; ln < lines.length; ln++) {
                SourceLocation where = new SourceLocation(file.name(), ln + 1);
                for (String piece : splitStatements(stripLineComment(lines[ln]))) {
                    String rest = piece;
                    List<String> labels = new ArrayList<>();
                    Matcher m;
                    while ((m = LABEL.matcher(rest)).find()) {
                        String name = m.group(1);
                        if (Character.isDigit(name.charAt(0))) {
                            String renamed = ".Lctxlab_n" + name + "_" + (numericSerial++);
                            numericDefs.computeIfAbsent(name, k -> new ArrayList<>())
                                    .add(new int[] {statements.size(), numericSerial - 1});
                            labels.add(renamed);
                        } else {
                            SourceLocation before = labelWhere.putIfAbsent(name, where);
                            if (before != null) {
                                throw new AsmException(where, piece, "symbol '" + name + "' is already defined at " + before);
                            }
                            labels.add(name);
                        }
                        rest = rest.substring(m.end());
                    }
                    String body = rest.strip();
                    if (body.isEmpty() && labels.isEmpty()) continue;
                    String text = piece.strip();
                    Kind kind = Kind.NONE;
                    if (body.startsWith(".")) {
                        String[] parts = body.split("[\\s,]+", 2);
                        String directive = parts[0].toLowerCase(Locale.ROOT);
                        String args = parts.length > 1 ? parts[1].strip() : "";
                        switch (directive) {
                            case ".text" -> { previousSection = section; section = ".text"; body = ""; }
                            case ".data", ".bss", ".rodata" -> { previousSection = section; section = directive; body = ""; }
                            case ".section", ".pushsection" -> {
                                String name = args.split("[\\s,]+", 2)[0].replace("\"", "");
                                if (name.isEmpty()) throw new AsmException(where, text, "section name missing");
                                if (directive.equals(".pushsection")) sectionStack.push(section);
                                previousSection = section;
                                section = name;
                                body = "";
                            }
                            case ".popsection" -> {
                                if (sectionStack.isEmpty()) throw new AsmException(where, text, ".popsection without .pushsection");
                                section = sectionStack.pop();
                                body = "";
                            }
                            case ".previous" -> { String t = section; section = previousSection; previousSection = t; body = ""; }
                            case ".globl", ".global", ".weak" -> {
                                for (String g : args.split("\\s*,\\s*")) {
                                    if (g.isBlank()) throw new AsmException(where, text, "symbol name missing");
                                    globals.add(g.strip());
                                    globalWhere.putIfAbsent(g.strip(), where);
                                }
                                body = "";
                            }
                            case ".size" -> {
                                String[] a = args.split("\\s*,\\s*", 2);
                                if (a.length != 2) throw new AsmException(where, text, ".size needs a symbol and a size");
                                Matcher dot = SIZE_DOT.matcher(a[1].strip());
                                if (dot.matches() && dot.group(1).equals(a[0].strip())) {
                                    sizeAt.put(a[0].strip(), statements.size());
                                } else if (NUMBER.matcher(a[1].strip()).matches()) {
                                    sizeFixed.put(a[0].strip(), Long.decode(a[1].strip()));
                                } // other expressions only matter to object files: ignored
                                body = "";
                            }
                            case ".intel_syntax" -> throw new AsmException(where, text,
                                    "Intel syntax is not supported: ctxlab reads AT&T syntax (GNU as default)");
                            case ".code32", ".code16", ".code16gcc" -> throw new AsmException(where, text,
                                    "only 64-bit code is supported");
                            default -> {
                                if (IGNORED.contains(directive) || directive.startsWith(".cfi_")) {
                                    body = "";
                                } else if (UNSUPPORTED.contains(directive) || directive.startsWith(".if")) {
                                    throw new AsmException(where, text, directive + " is not supported by ctxlab's front-end");
                                } else if (DATA.contains(directive)) {
                                    kind = Kind.DATA;
                                } else if (ALIGN.contains(directive)) {
                                    kind = Kind.ALIGN;
                                } // else: handed to Keystone as is (.set, .equ, ...); it reports what it rejects
                            }
                        }
                    } else if (!body.isEmpty()) {
                        kind = Kind.INSTRUCTION;
                        body = rewriteInstruction(where, text, body);
                    }
                    boolean codeSection = section.equals(".text") || section.startsWith(".text.");
                    if (!codeSection && (kind != Kind.NONE || !labels.isEmpty() || !body.isEmpty())) {
                        throw new AsmException(where, text, "only code in .text sections is supported; this is in section " + section);
                    }
                    statements.add(new Statement(where, text, labels, body, kind));
                    if (NUMERIC_REF.matcher(body).find() && kind == Kind.INSTRUCTION) {
                        pending.add(statements.size() - 1);
                    }
                }
            }
            // Numeric local labels: "1b" is the latest "1:" before, "1f" the next one after.
            for (int index : pending) {
                Statement s = statements.get(index);
                Matcher m = NUMERIC_REF.matcher(s.body());
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    List<int[]> defs = numericDefs.getOrDefault(m.group(1), List.of());
                    boolean back = m.group(2).equalsIgnoreCase("b");
                    int[] target = null;
                    for (int[] d : defs) {
                        if (back ? d[0] <= index : d[0] > index) {
                            if (back) target = d; else if (target == null) target = d;
                        }
                    }
                    if (target == null) {
                        throw new AsmException(s.where(), s.text(), "no local label " + m.group(1) + ":"
                                + (back ? " before" : " after") + " this line");
                    }
                    m.appendReplacement(sb, Matcher.quoteReplacement(".Lctxlab_n" + m.group(1) + "_" + target[1]));
                }
                m.appendTail(sb);
                statements.set(index, new Statement(s.where(), s.text(), s.labels(), sb.toString(), s.kind()));
            }
        }

        /** Instruction text as Keystone needs it, or an error for what Keystone gets wrong. */
        private static String rewriteInstruction(SourceLocation where, String text, String body) {
            String mnemonic = body.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            if (mnemonic.equals("endbr64")) return ".byte 0xf3, 0x0f, 0x1e, 0xfa";
            if (mnemonic.equals("endbr32")) return ".byte 0xf3, 0x0f, 0x1e, 0xfb";
            String operands = body.length() > mnemonic.length() ? body.substring(mnemonic.length()).strip() : "";
            if (operands.isEmpty()) return body;
            boolean branch = BRANCHES.contains(mnemonic) || (mnemonic.startsWith("j") && !operands.startsWith("*"));
            for (String op : splitOperands(operands)) {
                String o = op.strip();
                Matcher seg = SEGMENT_ABS.matcher(o);
                if (seg.find() && !seg.group(1).isBlank()) {
                    throw new AsmException(where, text, "absolute memory operand '" + o + "' has no base register:"
                            + " Keystone would encode it RIP-relative (wrong bytes), so ctxlab refuses it");
                }
                if (!branch && !o.startsWith("$") && !o.startsWith("%") && !o.startsWith("*") && !o.contains("(")) {
                    throw new AsmException(where, text, "absolute memory operand '" + o + "' has no base register:"
                            + " Keystone would encode it RIP-relative (wrong bytes); write " + o + "(%rip) if that is meant");
                }
            }
            return body;
        }

        private static List<String> splitOperands(String operands) {
            List<String> out = new ArrayList<>();
            int depth = 0, from = 0;
            for (int i = 0; i < operands.length(); i++) {
                char c = operands.charAt(i);
                if (c == '(') depth++;
                else if (c == ')') depth--;
                else if (c == ',' && depth == 0) {
                    out.add(operands.substring(from, i));
                    from = i + 1;
                }
            }
            out.add(operands.substring(from));
            return out;
        }

        /** Replaces block comments with spaces, keeping newlines so line numbers stay true. */
        private static String stripBlockComments(SourceFile file) {
            String t = file.text().replace("\r\n", "\n");
            StringBuilder sb = new StringBuilder(t.length());
            boolean inString = false;
            int line = 1;
            for (int i = 0; i < t.length(); i++) {
                char c = t.charAt(i);
                if (c == '\n') { line++; inString = false; }
                if (inString) {
                    sb.append(c);
                    if (c == '\\' && i + 1 < t.length()) sb.append(t.charAt(++i));
                    else if (c == '"') inString = false;
                } else if (c == '"') {
                    inString = true;
                    sb.append(c);
                } else if (c == '/' && i + 1 < t.length() && t.charAt(i + 1) == '*') {
                    int end = t.indexOf("*/", i + 2);
                    if (end < 0) throw new AsmException(new SourceLocation(file.name(), line), "/*", "unterminated /* comment");
                    for (int j = i; j < end + 2; j++) {
                        if (t.charAt(j) == '\n') { sb.append('\n'); line++; } else sb.append(' ');
                    }
                    i = end + 1;
                } else if ((c == '#' || (c == '/' && i + 1 < t.length() && t.charAt(i + 1) == '/'))) {
                    // a line comment: copy it verbatim up to the newline (its "/*" is not a comment start)
                    int end = t.indexOf('\n', i);
                    if (end < 0) end = t.length();
                    sb.append(t, i, end);
                    i = end - 1;
                } else {
                    sb.append(c);
                }
            }
            return sb.toString();
        }

        /** Drops a {@code #} or {@code //} comment (outside strings). */
        private static String stripLineComment(String line) {
            boolean inString = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (inString) {
                    if (c == '\\') i++;
                    else if (c == '"') inString = false;
                } else if (c == '"') {
                    inString = true;
                } else if (c == '#' || (c == '/' && i + 1 < line.length() && line.charAt(i + 1) == '/')) {
                    return line.substring(0, i);
                }
            }
            return line;
        }

        /** GNU as on x86 also separates statements with ';'. */
        private static List<String> splitStatements(String line) {
            List<String> out = new ArrayList<>();
            boolean inString = false;
            int from = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (inString) {
                    if (c == '\\') i++;
                    else if (c == '"') inString = false;
                } else if (c == '"') {
                    inString = true;
                } else if (c == ';') {
                    out.add(line.substring(from, i));
                    from = i + 1;
                }
            }
            out.add(line.substring(from));
            return out;
        }
    }
}
