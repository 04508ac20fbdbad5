package ctxlab.asm;

import ctxlab.asm.AsmStatement.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
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
 * fail or emit nothing, numeric local labels are errors, its errors carry no line number, it
 * encodes absolute addresses RIP-relative, knows no CET instruction, cannot leave a symbol
 * undefined, and loops forever on some inputs. So this class reads the files itself (line
 * markers of the C preprocessor, comments, statements, labels, sections, symbol directives),
 * hands Keystone only what it handles well — rewritten where Keystone would get the bytes wrong —
 * and keeps the map back to {@code file:line}. Keystone itself runs on a worker thread with a
 * time limit ({@link KeystoneRunner}).
 *
 * <p>Where each statement lands is learned in the same single Keystone call: a marker label goes
 * before every statement, and a table of {@code .quad marker - origin} after the code makes
 * Keystone itself report every offset. When assembly fails, statements are assembled again as
 * prefixes (later labels stubbed) to find the first one Keystone rejects.
 */
public final class Assembler {

    /** Output the front-end lets Keystone produce: far beyond a switch routine, far below a runaway. */
    /** Statements in one assembly unit (after {@code .rept} expansion). */
    static final int MAX_STATEMENTS = 20_000;
    /** Pieces read plus .rept passes made (a generous multiple of the statement limit). */
    static final int MAX_EXPANSION = 50 * MAX_STATEMENTS;
    /** How deep .rept loops may nest (real sources nest one or two). */
    static final int MAX_REPT_DEPTH = 64;

    private static final Pattern NUMERIC_REF = Pattern.compile("(?<![\\w.$])(\\d+)([bfBF])(?![\\w.$])");
    private static final Pattern SEGMENT = Pattern.compile("^(%[cdefgs]s)\\s*:\\s*(.*)$", Pattern.CASE_INSENSITIVE);
    private static final Pattern REGISTER = Pattern.compile("%([A-Za-z][A-Za-z0-9]*)");
    private static final Pattern ASSIGNMENT = Pattern.compile("^([A-Za-z_.$][\\w.$]*)\\s*=(?!=)");
    /** {@code sym(%rip)} or {@code sym@GOTPCREL(%rip)} (AT&amp;T). */
    private static final Pattern RIP_SYMBOL = Pattern.compile(
            "(?<![\\w.$])([A-Za-z_.$][\\w.$]*)(@[A-Za-z]+)?\\s*\\(\\s*%rip\\s*\\)", Pattern.CASE_INSENSITIVE);
    /** {@code [rip + sym]} or {@code [rip + sym@GOTPCREL]} (Intel). */
    private static final Pattern RIP_SYMBOL_INTEL = Pattern.compile(
            "\\[\\s*rip\\s*\\+\\s*([A-Za-z_.$][\\w.$]*)(@[A-Za-z]+)?\\s*\\]", Pattern.CASE_INSENSITIVE);
    private static final Pattern BRACKET = Pattern.compile("\\[([^\\]]*)\\]");
    private static final Pattern INTEL_SEGMENT = Pattern.compile("(?i)\\b([cdefgs]s)\\s*:\\s*([^\\[\\s,][^,]*)$");

    private static final Set<String> IGNORED = Set.of(
            ".type", ".file", ".ident", ".loc", ".hidden", ".protected", ".internal", ".code64",
            ".local", ".addrsig", ".addrsig_sym");
    private static final Set<String> DATA = Set.of(
            ".byte", ".word", ".short", ".value", ".hword", ".2byte", ".long", ".int", ".4byte",
            ".quad", ".8byte", ".octa", ".ascii", ".asciz", ".string", ".zero", ".skip", ".space",
            ".fill", ".float", ".double", ".single");
    private static final Set<String> ALIGN = Set.of(".align", ".balign", ".p2align");
    private static final Map<String, String> UNSUPPORTED = Map.ofEntries(
            Map.entry(".macro", "GNU as macros are not expanded by ctxlab's front-end; use C preprocessor macros in a .S file"),
            Map.entry(".endm", "GNU as macros are not expanded by ctxlab's front-end; use C preprocessor macros in a .S file"),
            Map.entry(".irp", "GNU as .irp loops are not expanded by ctxlab's front-end; use .rept or the C preprocessor"),
            Map.entry(".irpc", "GNU as .irpc loops are not expanded by ctxlab's front-end; use .rept or the C preprocessor"),
            Map.entry(".include", ".include is not followed by ctxlab's front-end; use #include in a .S file"),
            Map.entry(".incbin", ".incbin is not supported: Keystone has no file access"),
            Map.entry(".org", ".org is not supported: ctxlab lays out the code from Keystone's own offsets"),
            Map.entry(".endr", ".endr without .rept"));
    private static final Set<String> BRANCHES = Set.of(
            "jmp", "jmpq", "call", "callq", "loop", "loope", "loopne", "loopz", "loopnz", "jecxz",
            "jrcxz", "xbegin");
    private static final Map<String, Integer> JCC = jcc();
    private static final Set<String> REGISTERS = registers();

    /**
     * A reference to a symbol the code does not define, to become a {@link Relocation}.
     *
     * @param magic the stand-in displacement Keystone got (found and zeroed in the bytes), or 0
     *              for a branch written as {@code .byte} with the field at {@code fieldAt}
     */
    record External(String symbol, Relocation.Kind kind, long magic, int fieldAt) {}

    /** One statement of the source after reading: what Keystone gets, and where it came from. */
    record Statement(SourceLocation where, String text, List<String> labels, String body, Kind kind,
                     boolean intel, External external) implements AsmStatement {
        Statement(SourceLocation where, String text, List<String> labels, String body, Kind kind) {
            this(where, text, labels, body, kind, false, null);
        }

        Statement withBody(String b, External e) {
            return new Statement(where, text, labels, b, kind, intel, e);
        }
    }

    private Assembler() {}

    public static Assembly assemble(SourceFile file, long base) {
        return assemble(List.of(file), base);
    }

    /** Assembles the files as one unit (labels of one are visible in the others). */
    public static Assembly assemble(List<SourceFile> files, long base) {
        return FRONT_END.assemble(files, base);
    }

    private static final X86 FRONT_END = new X86();

    /** x86-64's part in the steps of {@link KeystoneFrontEnd}. */
    private static final class X86 extends KeystoneFrontEnd<Statement, Reader> {
        X86() {
            // Keystone starts each call in AT&T syntax; a label starting with '.' also gets its alias
            // for Intel-syntax operands.
            super(Keystone::open,
                    new KeystoneProgram(".att_syntax\n", l -> l.startsWith(".") ? alias(l) : null), Reader::new, CrossCheck::check);
        }

        @Override
        boolean complete(byte[] out, int statements) {
            return consistent(out, statements);
        }

        @Override
        AsmException locate(List<Statement> statements, long base, KeystoneAttempt whole) {
            return whole == null ? Assembler.locate(statements, base, true, null)
                    : Assembler.locate(statements, base, false, whole.error());
        }

        @Override
        Assembly layout(List<Statement> statements, Reader read, byte[] out, long base) {
            return Assembler.layout(statements, read, out, base);
        }
    }

    // ---- talking to Keystone ----------------------------------------------------------------

    /** Tests: another time limit for Keystone (seconds); null restores the default. */
    static void keystoneLimit(Double seconds) {
        FRONT_END.limit(seconds);
    }

    /** Keystone's bytes for a snippet assembled alone (CET proxies); an IllegalArgumentException if it fails. */
    private static byte[] snippet(String att) {
        KeystoneAttempt a = FRONT_END.run(".att_syntax\n" + att + "\n", 0);
        Keystone.Result r = a.result();
        if (r == null) throw new IllegalArgumentException("Keystone: " + describe(a.error()));
        if (!r.stderr().isBlank() || r.statements() == 0) {
            throw new IllegalArgumentException("Keystone cannot encode the operand" + firstLine(r.stderr()));
        }
        return r.bytes();
    }

    private static String firstLine(String s) {
        String t = s == null ? "" : s.strip();
        return t.isEmpty() ? "" : ": " + t.split("\n", 2)[0];
    }

    /**
     * The name Intel-syntax operands use for a label starting with '.': Keystone's Intel parser
     * rejects {@code [rip + .Lx]}, so such a label gets a second name without the dot.
     */
    static String alias(String label) {
        return "Lctxlab_dot" + label.replace(".", "_");
    }

    /** Whether the output ends in the offset table and the table agrees with the code length. */
    private static boolean consistent(byte[] out, int n) {
        int table = KeystoneProgram.tableSize(n);
        if (out.length < table) return false;
        long end = ByteBuffer.wrap(out, out.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return end == out.length - table;
    }

    /**
     * Finds the first statement Keystone rejects (or hangs on), by assembling prefixes. A hang is
     * looked for from the start (every prefix before it is fast); an error by bisection.
     */
    private static AsmException locate(List<Statement> statements, long base, boolean hang, KeystoneException error) {
        List<Integer> candidates = new ArrayList<>();
        for (int k = 1; k <= statements.size(); k++) {
            if (!statements.get(k - 1).body().isEmpty()) candidates.add(k);
        }
        if (hang) {
            for (int k : candidates) {
                AsmException e = failure(statements, base, k);
                if (e != null) return e;
            }
        } else {
            int lo = 0, hi = candidates.size() - 1, found = -1;
            AsmException foundError = null;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                AsmException e = failure(statements, base, candidates.get(mid));
                if (e != null) {
                    found = mid;
                    foundError = e;
                    hi = mid - 1;
                } else {
                    lo = mid + 1;
                }
            }
            if (found >= 0) return foundError;
        }
        String file = statements.get(0).where().file();
        return new AsmException(file + ": Keystone: " + (hang ? "did not answer within the time limit"
                : error != null ? describe(error) : "its output is inconsistent, and no single statement is to blame"));
    }

    /** Why the first k statements fail to assemble, blaming statement k; null if they assemble. */
    private static AsmException failure(List<Statement> statements, long base, int k) {
        return FRONT_END.blame(statements, k, base, a -> {
            Keystone.Result r = a.result();
            if (r == null) {
                String hint = a.symbolMissing()
                        ? " (an undefined symbol: ctxlab turns references to undefined symbols into relocations only in"
                          + " call/jmp/jcc SYM and SYM(%rip) or SYM@GOTPCREL(%rip) operands)" : "";
                return "Keystone: " + describe(a.error()) + hint;
            }
            if (!r.stderr().isBlank()) return "Keystone" + firstLine(r.stderr());
            if (r.statements() == 0) {
                return "Keystone rejects this statement without saying why (it returned no code and no error)";
            }
            return null;
        });
    }

    /** Keystone's error with the first line of what it printed (x86-64 errors are one line; the rest is noise). */
    private static String describe(KeystoneException e) {
        return KeystoneAttempt.describe(e, Assembler::firstLine);
    }

    // ---- turning Keystone's output into an Assembly -----------------------------------------

    private static Assembly layout(List<Statement> statements, Reader reader, byte[] out, long base) {
        int n = statements.size();
        long[] offset = KeystoneProgram.offsets(out, n);
        // consistent() has checked that the code ends where the table starts.
        int codeLength = out.length - KeystoneProgram.tableSize(n);
        byte[] code = Arrays.copyOf(out, codeLength);

        List<Relocation> relocations = new ArrayList<>();
        Placement placed = Placement.of(statements, offset, (s, at, length) -> {
            if (s.external() != null) relocations.add(relocation(s, code, at, length));
        });
        Map<String, Assembly.Symbol> symbols = placed.symbols(reader.sections,
                name -> name.startsWith(".Lctxlab_") || name.startsWith("Lctxlab_dot"));   // also the Intel aliases
        // A global the code only refers to (".globl _exit; call _exit") is an undefined reference, as in GNU as.
        reader.sections.checkGlobalsDefined(g -> symbols.containsKey(g) || reader.otherSymbols.contains(g)
                || relocations.stream().anyMatch(r -> r.baseSymbol().equals(g)));
        relocations.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return new Assembly(code, base, symbols, placed.lines(), relocations);
    }

    /** The relocation of a statement with an undefined symbol; its placeholder field is left zero, as GNU as leaves it. */
    private static Relocation relocation(Statement s, byte[] code, int at, int length) {
        External x = s.external();
        int field;
        if (x.magic() == 0) {
            field = x.fieldAt();
        } else {
            field = -1;
            for (int i = 0; i + 4 <= length; i++) {
                if (ByteBuffer.wrap(code, at + i, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == (int) x.magic()) {
                    if (field >= 0) field = -2;
                    else if (field == -1) field = i;
                }
            }
            if (field < 0) {
                throw new AsmException(s.where(), s.text(), "cannot find the displacement of '" + x.symbol()
                        + "' in Keystone's encoding");
            }
            Arrays.fill(code, at + field, at + field + 4, (byte) 0);
        }
        // PC-relative: the field is relative to the end of the instruction, hence the addend.
        return new Relocation(at + field, 4, x.symbol(), -(length - field), at, x.kind());
    }

    // ---- reading GNU-as source --------------------------------------------------------------

    /** One statement as written: where, and its text with comments removed. */
    private record Piece(SourceLocation where, String text) {}

    /** Reads files into statements, keeping the directives' meaning that Keystone would lose. */
    private static final class Reader extends UnitReader<Statement> {
        /** Labels in the code, and symbols defined otherwise (.set, =, labels in data sections). */
        final Set<String> codeLabels = new HashSet<>();
        final Set<String> otherSymbols = new HashSet<>();
        private final OutputBudget budget = new OutputBudget(OutputBudget.X86_64, false);
        private long expansion;    // pieces read and loop passes made, over the unit
        private int magicSerial;

        // per file
        private boolean intel;

        Reader() {
            super(NUMERIC_REF);   // AT&T and Intel alike
        }

        @Override
        Statement withBody(Statement s, String body) {
            return s.withBody(body, null);
        }

        @Override
        void readFile(SourceFile file) {
            if (intel) {
                // Each file starts in AT&T syntax, as GNU as would start it.
                statements.add(new Statement(new SourceLocation(file.name(), 1), "", List.of(), ".att_syntax", Kind.NONE));
                intel = false;
            }
            List<Piece> pieces = pieces(file);
            process(pieces, matchingEndrs(pieces), 0, pieces.size(), 0);
            if (intel) {
                statements.add(new Statement(new SourceLocation(file.name(), 1), "", List.of(), ".att_syntax", Kind.NONE));
                intel = false;
            }
        }

        /**
         * The file's statements with their true {@code file:line} (line markers followed), comments
         * removed, checked for what Keystone must never see; up to {@code .end}.
         */
        private List<Piece> pieces(SourceFile file) {
            List<Piece> out = new ArrayList<>();
            for (SourceText.Line sourceLine : SourceText.lines(file, SourceText.stripBlockComments(file, true))) {
                SourceLocation where = sourceLine.where();
                String raw = sourceLine.raw();
                for (String piece : SourceText.splitStatements(SourceText.stripLineComment(raw, true))) {
                    SourceText.checkCharacters(where, piece);
                    if (piece.isBlank()) continue;
                    out.add(new Piece(where, piece));
                    if (isEnd(piece)) return out;
                }
            }
            return out;
        }

        private static boolean isEnd(String piece) {
            String rest = piece;
            Matcher m;
            while ((m = Labels.LABEL.matcher(rest)).find()) rest = rest.substring(m.end());
            return rest.strip().toLowerCase(Locale.ROOT).matches("\\.end(\\s.*)?");
        }

        private void process(List<Piece> pieces, int[] endr, int from, int to, int depth) {
            for (int p = from; p < to; p++) {
                Piece piece = pieces.get(p);
                expand(piece);
                SourceLocation where = piece.where();
                Labels.Split split = names.take(where, piece.text(), statements.size());
                List<String> labels = split.labels();
                String body = split.rest().strip();
                String text = piece.text().strip();
                if (body.isEmpty() && labels.isEmpty()) continue;
                requireName(where, text, body);
                Kind kind = Kind.NONE;
                Directive d = Directive.of(body);
                if (d != null) {
                    String directive = d.name(), args = d.args();
                    if (directive.equals(".rept")) {
                        int end = endr[p];
                        if (end < 0) throw new AsmException(where, text, ".rept without .endr");
                        long count = constant(where, text, args, ".rept's count");
                        int inner = end - p - 1;
                        if (count < 0 || count > MAX_STATEMENTS || count * Math.max(1, inner) + statements.size() > MAX_STATEMENTS) {
                            throw new AsmException(where, text, ".rept " + count + " would make more than " + MAX_STATEMENTS
                                    + " statements; ctxlab refuses it");
                        }
                        if (depth >= MAX_REPT_DEPTH) {
                            throw new AsmException(where, text, ".rept nested more than " + MAX_REPT_DEPTH + " deep; ctxlab refuses it");
                        }
                        if (!labels.isEmpty()) statements.add(new Statement(where, text, labels, "", Kind.NONE));
                        for (long i = 0; i < count; i++) {
                            expand(piece);
                            process(pieces, endr, p + 1, end, depth + 1);
                        }
                        p = end;
                        continue;
                    }
                    switch (directive) {
                        case ".intel_syntax" -> {
                            if (args.equalsIgnoreCase("prefix")) {
                                throw new AsmException(where, text, "'.intel_syntax prefix' (registers written %rax in Intel syntax)"
                                        + " is not supported; use '.intel_syntax noprefix'");
                            }
                            intel = true;
                            body = ".intel_syntax noprefix";
                        }
                        case ".att_syntax" -> {
                            if (args.equalsIgnoreCase("noprefix")) {
                                throw new AsmException(where, text, "'.att_syntax noprefix' is not supported; use '.att_syntax'");
                            }
                            intel = false;
                            body = ".att_syntax";
                        }
                        case ".end" -> body = ""; // pieces() stopped reading here
                        case ".set", ".equ", ".equiv" -> {
                            String name = args.split("\\s*,\\s*", 2)[0].strip();
                            otherSymbols.add(name);
                        }
                        case ".code32", ".code16", ".code16gcc" -> throw new AsmException(where, text,
                                "only 64-bit code is supported");
                        default -> {
                            if (sections.handle(directive, args, where, text, statements.size())
                                    || IGNORED.contains(directive) || directive.startsWith(".cfi_")) {
                                body = "";
                            } else if (UNSUPPORTED.containsKey(directive)) {
                                throw new AsmException(where, text, UNSUPPORTED.get(directive));
                            } else if (directive.startsWith(".if") || directive.equals(".else") || directive.equals(".elseif")
                                    || directive.equals(".endif")) {
                                throw new AsmException(where, text, "GNU as conditionals (" + directive + ") are not evaluated by"
                                        + " ctxlab's front-end; use #if in a .S file (C preprocessor)");
                            } else if (DATA.contains(directive)) {
                                kind = Kind.DATA;
                                if (sections.inCode()) budget.data(where, text, directive, args);
                            } else if (ALIGN.contains(directive)) {
                                kind = Kind.ALIGN;
                                if (sections.inCode()) budget.align(where, text, directive, args);
                            } // else: handed to Keystone as is; it reports what it rejects
                        }
                    }
                } else if (!body.isEmpty()) {
                    Matcher assign = ASSIGNMENT.matcher(body);
                    if (assign.find()) {
                        otherSymbols.add(assign.group(1));
                    } else {
                        kind = Kind.INSTRUCTION;
                        if (sections.inCode()) body = intel ? rewriteIntel(where, text, body) : rewriteInstruction(where, text, body);
                    }
                }
                if (!sections.inCode()) {
                    // Data in a non-code section (a .note.gnu.property, .rodata, .data) is not part of the
                    // code: skipped, its labels known as defined elsewhere. Directives that change
                    // state (.set, syntax) still reach Keystone.
                    otherSymbols.addAll(labels);
                    boolean keep = body.equals(".att_syntax") || body.equals(".intel_syntax noprefix");
                    if (!keep) continue;
                    labels = List.of();
                    kind = Kind.NONE;
                }
                codeLabels.addAll(labels);
                if (statements.size() >= MAX_STATEMENTS) {
                    throw new AsmException(where, text, "more than " + MAX_STATEMENTS + " statements; ctxlab refuses the file");
                }
                statements.add(new Statement(where, text, labels, body, kind, intel, null));
                if (kind == Kind.INSTRUCTION) names.instruction(statements.size() - 1, body);
            }
        }

        /**
         * For each piece opening a loop, the index of its {@code .endr} (-1: none); other pieces -1.
         * Worked out once per file: looking it up at every expansion made nested loops quadratic.
         */
        private static int[] matchingEndrs(List<Piece> pieces) {
            int[] endr = new int[pieces.size()];
            java.util.Arrays.fill(endr, -1);
            java.util.ArrayDeque<Integer> open = new java.util.ArrayDeque<>();
            for (int i = 0; i < pieces.size(); i++) {
                String d = directiveOf(pieces.get(i).text());
                if (d.equals(".rept") || d.equals(".irp") || d.equals(".irpc")) open.push(i);
                else if (d.equals(".endr") && !open.isEmpty()) endr[open.pop()] = i;
            }
            return endr;
        }

        /**
         * One more step of reading: a piece, or one pass of a loop. Loops of empty or data-section
         * bodies make no statements, so the statement limit alone would let nested ones run for hours.
         */
        private void expand(Piece at) {
            if (++expansion > MAX_EXPANSION) {
                throw new AsmException(at.where(), at.text(), "the .rept loops take more than " + MAX_EXPANSION
                        + " steps to expand; ctxlab refuses them");
            }
        }

        private static String directiveOf(String piece) {
            String rest = piece;
            Matcher m;
            while ((m = Labels.LABEL.matcher(rest)).find()) rest = rest.substring(m.end());
            return rest.strip().split("[\\s,]+", 2)[0].toLowerCase(Locale.ROOT);
        }

        private static long constant(SourceLocation where, String text, String expr, String what) {
            return OutputBudget.constant(where, text, expr, what);
        }

        /**
         * References to symbols no file defines, as GNU as encodes them: {@code call/jmp/jcc SYM} as
         * a rel32 branch with a zero field, {@code SYM(%rip)} with a zero displacement; each with a
         * {@link Relocation}. Keystone itself cannot leave a symbol undefined.
         */
        @Override
        void resolveExternals() {
            for (int i = 0; i < statements.size(); i++) {
                Statement s = statements.get(i);
                if (s.kind() != Kind.INSTRUCTION) continue;
                if (s.intel() && s.body().contains("[")) {
                    s = s.withBody(dotLabelsInBrackets(s.body()), null);
                    statements.set(i, s);
                }
                String body = s.body();
                String mnemonic = body.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
                String operands = body.length() > mnemonic.length() ? body.substring(mnemonic.length()).strip() : "";
                Matcher sym = Pattern.compile("^([A-Za-z_.$][\\w.$]*)(@[A-Za-z]+)?$").matcher(operands);
                boolean call = mnemonic.equals("call") || mnemonic.equals("callq");
                boolean jmp = mnemonic.equals("jmp") || mnemonic.equals("jmpq");
                if ((call || jmp || JCC.containsKey(mnemonic)) && sym.matches() && undefined(sym.group(1), s.intel())) {
                    String bytes;
                    int field;
                    Relocation.Kind kind = call ? Relocation.Kind.CALL : Relocation.Kind.JUMP;
                    if (call) { bytes = ".byte 0xe8, 0, 0, 0, 0"; field = 1; }
                    else if (jmp) { bytes = ".byte 0xe9, 0, 0, 0, 0"; field = 1; }
                    else { bytes = String.format(".byte 0x0f, 0x%02x, 0, 0, 0, 0", 0x80 + JCC.get(mnemonic)); field = 2; }
                    statements.set(i, s.withBody(bytes, new External(operands, kind, 0, field)));
                    continue;
                }
                Matcher rip = (s.intel() ? RIP_SYMBOL_INTEL : RIP_SYMBOL).matcher(body);
                if (rip.find() && undefined(rip.group(1), s.intel())) {
                    long magic = 0x7ace0000L + (magicSerial++ & 0xffff);
                    String symbol = rip.group(1) + (rip.group(2) == null ? "" : rip.group(2));
                    String replaced = s.intel()
                            ? body.substring(0, rip.start()) + "[rip + 0x" + Long.toHexString(magic) + "]" + body.substring(rip.end())
                            : body.substring(0, rip.start()) + "0x" + Long.toHexString(magic) + "(%rip)" + body.substring(rip.end());
                    boolean indirect = operands.startsWith("*") || s.intel();
                    Relocation.Kind kind = call && indirect ? Relocation.Kind.CALL
                            : jmp && indirect ? Relocation.Kind.JUMP : Relocation.Kind.DATA;
                    statements.set(i, s.withBody(replaced, new External(symbol, kind, magic, -1)));
                }
            }
        }

        /** {@code [rip + .Lx]} as {@code [rip + alias]} when .Lx is a code label (see {@link #alias}). */
        private String dotLabelsInBrackets(String body) {
            Matcher b = BRACKET.matcher(body);
            StringBuilder sb = new StringBuilder();
            while (b.find()) {
                Matcher d = Pattern.compile("(?<![\\w.$])(\\.[A-Za-z_$][\\w.$]*)").matcher(b.group());
                StringBuilder inner = new StringBuilder();
                while (d.find()) {
                    String name = d.group(1);
                    boolean known = codeLabels.contains(name) || name.startsWith(".Lctxlab_n");
                    d.appendReplacement(inner, Matcher.quoteReplacement(known ? alias(name) : name));
                }
                d.appendTail(inner);
                b.appendReplacement(sb, Matcher.quoteReplacement(inner.toString()));
            }
            b.appendTail(sb);
            return sb.toString();
        }

        private boolean undefined(String name, boolean intel) {
            if (codeLabels.contains(name) || name.startsWith(".Lctxlab_") || name.startsWith("Lctxlab_dot")) return false;
            if (intel && REGISTERS.contains(name.toLowerCase(Locale.ROOT))) return false;
            return true;
        }

        /** Instruction text as Keystone needs it (AT&amp;T), or an error for what Keystone gets wrong. */
        private String rewriteInstruction(SourceLocation where, String text, String body) {
            String mnemonic = body.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            String operands = body.length() > mnemonic.length() ? body.substring(mnemonic.length()).strip() : "";
            List<String> ops = operands.isEmpty() ? List.of() : Operands.splitOutsideStrings(operands);
            Matcher reg = REGISTER.matcher(operands);
            while (reg.find()) {
                if (!REGISTERS.contains(reg.group(1).toLowerCase(Locale.ROOT))) {
                    throw new AsmException(where, text, "unknown register %" + reg.group(1));
                }
            }
            if (Cet.handles(mnemonic)) return cet(where, text, mnemonic, ops, false);
            if (operands.isEmpty()) return body;
            boolean branch = BRANCHES.contains(mnemonic) || JCC.containsKey(mnemonic);
            List<String> out = new ArrayList<>();
            boolean changed = false;
            for (String op : ops) {
                String o = op.strip();
                String star = o.startsWith("*") ? "*" : "";
                String x = star.isEmpty() ? o : o.substring(1).strip();
                if (x.startsWith("$") || x.contains("(") || (x.startsWith("%") && !x.contains(":"))) {
                    out.add(o);
                    continue;
                }
                Matcher seg = SEGMENT.matcher(x);
                String prefix = seg.matches() ? seg.group(1) + ":" : "";
                String expr = seg.matches() ? seg.group(2).strip() : x;
                if (prefix.isEmpty() && branch && star.isEmpty()) {
                    out.add(o); // a branch target
                    continue;
                }
                if (expr.isEmpty()) throw new AsmException(where, text, "memory operand '" + o + "' has no address");
                if (Expr.isConstant(expr)) {
                    // An absolute address: GNU as encodes it with a SIB byte and no base (disp32); Keystone
                    // would make it RIP-relative, unless told "no index" explicitly with %riz.
                    out.add(star + prefix + expr + "(,%riz,1)");
                    changed = true;
                    continue;
                }
                throw new AsmException(where, text, "absolute memory operand '" + o + "' names a symbol: GNU as"
                        + " would leave the address to the linker (" + (prefix.isEmpty() ? "R_X86_64_32S" : "a TLS relocation")
                        + "), which ctxlab does not model" + (prefix.isEmpty() ? "; write " + expr + "(%rip) if that is meant" : ""));
            }
            return changed ? mnemonic + " " + String.join(", ", out) : body;
        }

        /** Intel-syntax instruction text as Keystone needs it. */
        private String rewriteIntel(SourceLocation where, String text, String body) {
            String mnemonic = body.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            String operands = body.length() > mnemonic.length() ? body.substring(mnemonic.length()).strip() : "";
            List<String> ops = operands.isEmpty() ? List.of() : Operands.splitOutsideStrings(operands);
            if (Cet.handles(mnemonic)) return cet(where, text, mnemonic, ops, true);
            if (operands.isEmpty()) return body;
            List<String> out = new ArrayList<>();
            boolean changed = false;
            for (String op : ops) {
                String o = op.strip();
                Matcher b = BRACKET.matcher(o);
                if (b.find()) {
                    if (Expr.isConstant(b.group(1))) {
                        o = o.substring(0, b.start()) + "[riz*1+" + b.group(1).strip() + "]" + o.substring(b.end());
                        changed = true;
                    }
                } else {
                    Matcher seg = INTEL_SEGMENT.matcher(o);
                    if (seg.find()) {
                        if (!Expr.isConstant(seg.group(2))) {
                            throw new AsmException(where, text, "segment operand '" + o + "' names a symbol: GNU as would"
                                    + " leave the address to the linker (a TLS relocation), which ctxlab does not model");
                        }
                        o = o.substring(0, seg.start()) + seg.group(1) + ":[riz*1+" + seg.group(2).strip() + "]";
                        changed = true;
                    }
                }
                out.add(o);
            }
            return changed ? mnemonic + " " + String.join(", ", out) : body;
        }

        private static String cet(SourceLocation where, String text, String mnemonic, List<String> ops, boolean intel) {
            try {
                return Cet.encode(mnemonic, ops, intel, Assembler::snippet);
            } catch (IllegalArgumentException e) {
                throw new AsmException(where, text, e.getMessage());
            } catch (KeystoneRunner.Timeout e) {
                throw new AsmException(where, text, e.getMessage());
            }
        }
    }

    private static Map<String, Integer> jcc() {
        Map<String, Integer> m = new HashMap<>();
        String[][] names = {
                {"jo"}, {"jno"}, {"jb", "jc", "jnae"}, {"jae", "jnb", "jnc"}, {"je", "jz"}, {"jne", "jnz"},
                {"jbe", "jna"}, {"ja", "jnbe"}, {"js"}, {"jns"}, {"jp", "jpe"}, {"jnp", "jpo"},
                {"jl", "jnge"}, {"jge", "jnl"}, {"jle", "jng"}, {"jg", "jnle"}};
        for (int cc = 0; cc < names.length; cc++) for (String n : names[cc]) m.put(n, cc);
        return Map.copyOf(m);
    }

    /** Every x86-64 register name GNU as knows (without %). */
    private static Set<String> registers() {
        Set<String> r = new HashSet<>();
        for (String x : new String[] {"a", "b", "c", "d"}) {
            r.addAll(List.of(x + "l", x + "h", x + "x", "e" + x + "x", "r" + x + "x"));
        }
        for (String x : new String[] {"si", "di", "bp", "sp"}) {
            r.addAll(List.of(x, x + "l", "e" + x, "r" + x));
        }
        for (int i = 8; i < 16; i++) r.addAll(List.of("r" + i, "r" + i + "d", "r" + i + "w", "r" + i + "b", "r" + i + "l"));
        for (int i = 0; i < 32; i++) r.addAll(List.of("xmm" + i, "ymm" + i, "zmm" + i));
        for (int i = 0; i < 8; i++) r.addAll(List.of("mm" + i, "k" + i, "st" + i, "cr" + i, "dr" + i));
        for (int i = 8; i < 16; i++) r.addAll(List.of("cr" + i, "dr" + i));
        r.addAll(List.of("st", "rip", "eip", "ip", "riz", "eiz", "es", "cs", "ss", "ds", "fs", "gs",
                "bnd0", "bnd1", "bnd2", "bnd3", "tmm0", "tmm1", "tmm2", "tmm3", "tmm4", "tmm5", "tmm6", "tmm7"));
        return Set.copyOf(r);
    }
}
