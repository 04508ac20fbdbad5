package ctxlab.asm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The GNU-as front-end for AArch64 sources, beside the x86-64 one ({@link Assembler}), over the
 * same Keystone module opened with {@code KS_ARCH_ARM64}.
 *
 * <p>The same approach as the x86-64 front-end, with AArch64's lexical rules: {@code //} and
 * {@code /* *}{@code /} comments, {@code #} only as a whole-line comment (elsewhere it prefixes
 * immediates), {@code ;} separates statements. Keystone (LLVM's AArch64 parser) is handed only
 * instructions, data, alignment and labels; sections, symbol directives and CFI are handled here,
 * numeric local labels are renamed, and a marker table ({@code .quad marker - origin}) placed after
 * the code reports where each statement landed, in the same single Keystone call. A literal-pool
 * load ({@code ldr x0, =value}) is refused: Keystone would place the pool after the marker table.
 */
public final class Arm64Assembler {
    private static final String MARK = ".Lctxlab_s";
    private static final String ORIGIN = ".Lctxlab_origin";

    private static final Pattern LABEL = Pattern.compile("^\\s*([A-Za-z_.$][\\w.$]*|\\d+)\\s*:(?!:)");
    private static final Pattern NUMERIC_REF = Pattern.compile("(?<![\\w.$#])(\\d+)([bfBF])(?![\\w.$])");
    private static final Pattern SIZE_DOT = Pattern.compile("\\.\\s*-\\s*([A-Za-z_.$][\\w.$]*)");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(0[xX][0-9a-fA-F]+|\\d+)");

    private static final Set<String> IGNORED = Set.of(".type", ".file", ".ident", ".loc", ".hidden",
            ".protected", ".internal", ".local", ".end", ".arch", ".cpu", ".arch_extension");
    private static final Set<String> DATA = Set.of(".byte", ".hword", ".short", ".2byte", ".word", ".long",
            ".int", ".4byte", ".quad", ".xword", ".dword", ".8byte", ".inst", ".zero", ".skip", ".space", ".fill",
            ".ascii", ".asciz", ".string");
    private static final Set<String> ALIGN = Set.of(".align", ".balign", ".p2align");
    private static final Set<String> UNSUPPORTED = Set.of(".macro", ".endm", ".rept", ".endr", ".irp", ".irpc",
            ".include", ".incbin", ".ltorg", ".pool", ".req", ".unreq");

    enum Kind { INSTRUCTION, DATA, ALIGN, NONE }

    record Statement(SourceLocation where, String text, List<String> labels, String body, Kind kind) {}

    private Arm64Assembler() {}

    public static Assembly assemble(SourceFile file, long base) {
        return assemble(List.of(file), base);
    }

    /** Assembles the files as one unit (labels of one are visible in the others). */
    public static Assembly assemble(List<SourceFile> files, long base) {
        Reader reader = new Reader();
        for (SourceFile f : files) reader.read(f);
        List<Statement> statements = reader.statements;
        if (statements.stream().noneMatch(s -> s.kind() != Kind.NONE)) {
            throw new AsmException(String.join(", ", files.stream().map(SourceFile::name).toList())
                    + ": no instructions to assemble");
        }
        Attempt whole;
        try {
            whole = run(program(statements, true, statements.size()), base);
        } catch (KeystoneRunner.Timeout t) {
            whole = new Attempt(null, null);   // a statement loops Keystone: locate finds which
        }
        Keystone.Result result = whole.result();
        // Keystone's AArch64 parser can also give up silently (no error, no bytes): locate that too.
        if (result == null || !result.stderr().isBlank() || result.bytes().length < (statements.size() + 1) * 8) {
            throw locate(statements, base, result, whole.error());
        }
        return layout(statements, reader, result.bytes(), base);
    }

    // ---- Keystone -----------------------------------------------------------------------------

    /** Keystone (AArch64) on a worker with a time limit: it loops forever on some inputs, as for x86-64. */
    private static final KeystoneRunner keystone = new KeystoneRunner(KeystoneRunner.TIMEOUT_SECONDS,
            () -> Keystone.open(Keystone.KS_ARCH_ARM64, Keystone.KS_MODE_LITTLE_ENDIAN));

    /** What one Keystone call gave: its result, or (result null) the error it rejected the text with. */
    private record Attempt(Keystone.Result result, KeystoneException error) {}

    private static synchronized Attempt run(String program, long base) {
        try {
            return new Attempt(keystone.asm(program, base), null);
        } catch (KeystoneException e) {
            return new Attempt(null, e);
        }
    }

    private static String program(List<Statement> statements, boolean markers, int count) {
        StringBuilder sb = new StringBuilder();
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
            for (int i = 0; i <= count; i++) sb.append(".quad ").append(MARK).append(i).append(" - ").append(ORIGIN).append('\n');
        } else {
            for (int i = count; i < statements.size(); i++) {
                for (String l : statements.get(i).labels()) if (defined.add(l)) sb.append(l).append(":\n");
            }
        }
        return sb.toString();
    }

    private static AsmException locate(List<Statement> statements, long base, Keystone.Result whole, KeystoneException error) {
        int before = 0;
        for (int k = 1; k <= statements.size(); k++) {
            Statement s = statements.get(k - 1);
            if (s.body().isEmpty()) continue;
            Attempt a;
            try {
                a = run(program(statements, false, k), base);
            } catch (KeystoneRunner.Timeout t) {
                return new AsmException(s.where(), s.text(), t.getMessage() + " (it loops on this statement)");
            }
            Keystone.Result r = a.result();
            if (r == null) return new AsmException(s.where(), s.text(), "Keystone: " + describe(a.error()));
            if (!r.stderr().isBlank()) return new AsmException(s.where(), s.text(), "Keystone: " + r.stderr().strip());
            if (s.kind() == Kind.INSTRUCTION && r.bytes().length <= before) {
                return new AsmException(s.where(), s.text(), "Keystone (AArch64) produced no bytes for this statement:"
                        + " not an AArch64 instruction it understands");
            }
            before = r.bytes().length;
        }
        String file = statements.get(0).where().file();
        if (whole != null) return new AsmException(file + ": Keystone: " + whole.stderr().strip());
        return new AsmException(file + ": Keystone: " + (error != null ? describe(error)
                : "did not answer within the time limit, or its output is inconsistent"));
    }

    private static String describe(KeystoneException e) {
        if (e == null) return "unknown error";
        String text = e.crashed() ? e.keystoneMessage() : e.keystoneMessage() + " (ks_errno " + e.errno() + ")";
        if (e.stderr() != null && !e.stderr().isBlank()) text += ": " + e.stderr().strip();
        return text;
    }

    private static Assembly layout(List<Statement> statements, Reader reader, byte[] out, long base) {
        int n = statements.size();
        int table = (n + 1) * 8;
        // The marker table follows the code; Keystone may pad to 8 before it.
        if (out.length < table) throw new AsmException("Keystone returned too few bytes (" + out.length + ")");
        ByteBuffer bb = ByteBuffer.wrap(out, out.length - table, table).order(ByteOrder.LITTLE_ENDIAN);
        long[] offset = new long[n + 1];
        for (int i = 0; i <= n; i++) offset[i] = bb.getLong();
        int codeLength = (int) offset[n];
        if (codeLength > out.length - table) {
            throw new AsmException("Keystone's layout is inconsistent: code ends at " + offset[n] + " but "
                    + (out.length - table) + " bytes came back");
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
            if (name.startsWith(".Lctxlab_")) continue;
            long size = -1;
            Integer sizeAt = reader.sizeAt.get(name);
            if (sizeAt != null) size = offset[sizeAt] - e.getValue();
            Long fixed = reader.sizeFixed.get(name);
            if (fixed != null) size = fixed;
            symbols.put(name, new Assembly.Symbol(name, e.getValue(), reader.globals.contains(name), size));
        }
        for (String g : reader.globals) {
            if (!symbols.containsKey(g)) {
                throw new AsmException(reader.globalWhere.get(g), ".globl " + g,
                        "symbol '" + g + "' is declared global but never defined");
            }
        }
        lines.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return new Assembly(code, base, symbols, lines);
    }

    // ---- reading ------------------------------------------------------------------------------

    private static final class Reader {
        final List<Statement> statements = new ArrayList<>();
        final Set<String> globals = new HashSet<>();
        final Map<String, SourceLocation> globalWhere = new HashMap<>();
        final Map<String, Integer> sizeAt = new HashMap<>();
        final Map<String, Long> sizeFixed = new HashMap<>();
        final Map<String, SourceLocation> labelWhere = new HashMap<>();
        private int serial;

        void read(SourceFile file) {
            String[] lines = SourceText.stripBlockComments(file, false).split("\n", -1);
            String section = ".text";
            Map<String, List<int[]>> numericDefs = new HashMap<>();
            List<Integer> pending = new ArrayList<>();
            for (int ln = 0; ln < lines.length; ln++) {
                SourceLocation where = new SourceLocation(file.name(), ln + 1);
                String line = lines[ln];
                if (line.stripLeading().startsWith("#")) continue;   // whole-line comment (or cpp line marker)
                for (String piece : SourceText.splitStatements(SourceText.stripLineComment(line, false))) {
                    String rest = piece;
                    List<String> labels = new ArrayList<>();
                    Matcher m;
                    while ((m = LABEL.matcher(rest)).find()) {
                        String name = m.group(1);
                        if (Character.isDigit(name.charAt(0))) {
                            numericDefs.computeIfAbsent(name, k -> new ArrayList<>()).add(new int[] {statements.size(), serial});
                            labels.add(".Lctxlab_n" + name + "_" + serial++);
                        } else {
                            SourceLocation before = labelWhere.putIfAbsent(name, where);
                            if (before != null) throw new AsmException(where, piece, "symbol '" + name + "' is already defined at " + before);
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
                            case ".text" -> { section = ".text"; body = ""; }
                            case ".data", ".bss", ".rodata" -> { section = directive; body = ""; }
                            case ".section", ".pushsection" -> {
                                String name = args.split("[\\s,]+", 2)[0].replace("\"", "");
                                if (name.isEmpty()) throw new AsmException(where, text, "section name missing");
                                section = name;
                                body = "";
                            }
                            case ".popsection", ".previous" -> { section = ".text"; body = ""; }
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
                                if (dot.matches() && dot.group(1).equals(a[0].strip())) sizeAt.put(a[0].strip(), statements.size());
                                else if (NUMBER.matcher(a[1].strip()).matches()) sizeFixed.put(a[0].strip(), Long.decode(a[1].strip()));
                                body = "";
                            }
                            default -> {
                                if (IGNORED.contains(directive) || directive.startsWith(".cfi_")) {
                                    body = "";
                                } else if (UNSUPPORTED.contains(directive) || directive.startsWith(".if")
                                        || directive.equals(".else") || directive.equals(".endif")) {
                                    throw new AsmException(where, text, directive + " is not supported by ctxlab's front-end");
                                } else if (DATA.contains(directive)) {
                                    kind = Kind.DATA;
                                } else if (ALIGN.contains(directive)) {
                                    kind = Kind.ALIGN;
                                }
                            }
                        }
                    } else if (!body.isEmpty()) {
                        kind = Kind.INSTRUCTION;
                        if (body.matches("(?is)ldr\\w*\\s+[^,]+,\\s*=.*")) {
                            throw new AsmException(where, text, "literal-pool loads (ldr Rt, =value) are not supported:"
                                    + " Keystone would place the pool where ctxlab cannot map it; use movz/movk");
                        }
                    }
                    boolean code = section.equals(".text") || section.startsWith(".text.");
                    if (!code && (kind != Kind.NONE || !labels.isEmpty())) {
                        throw new AsmException(where, text, "only code in .text sections is supported; this is in section " + section);
                    }
                    statements.add(new Statement(where, text, labels, body, kind));
                    if (kind == Kind.INSTRUCTION && NUMERIC_REF.matcher(body).find()) pending.add(statements.size() - 1);
                }
            }
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
                            if (back || target == null) target = d;
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

    }
}
