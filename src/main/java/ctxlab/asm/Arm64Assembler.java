package ctxlab.asm;

import ctxlab.asm.AsmStatement.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
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
 *
 * <p>Real switch files ({@code .S}, preprocessed by {@link Preprocessor} with AArch64's macros) are
 * read as GNU as reads them: the preprocessor's line markers are followed (every {@code file:line}
 * points into the original file), data in non-code sections ({@code .note.gnu.property} under
 * {@code .pushsection}) is left out, and the BTI/PAC hint-space instructions Keystone does not know
 * ({@code bti c}, {@code paciasp}, {@code autiasp}, ...) are assembled as the {@code hint #n} they
 * are. A call or jump to a symbol no file defines ({@code bl _exit}) gets a stop: GNU as would leave
 * an {@code R_AARCH64_CALL26} for the linker; here the branch goes to a {@code brk} appended after
 * the code, whose line names the symbol and the calling line, so that emulation reaching it stops
 * with that name (and the reference is listed as a {@link Relocation}).
 */
public final class Arm64Assembler {
    /** Unlike x86-64's, never after '#', which marks an immediate on AArch64. */
    private static final Pattern NUMERIC_REF = Pattern.compile("(?<![\\w.$#])(\\d+)([bfBF])(?![\\w.$])");
    /** The target of a direct branch: b, bl, b.cond, cbz/cbnz, tbz/tbnz (last operand). */
    private static final Pattern BRANCH = Pattern.compile("(?i)^(b|bl|b\\.\\w+|cbn?z|tbn?z)\\s+(.*?)([A-Za-z_.$][\\w.$]*)(@plt)?\\s*$");
    /** A symbol in an address operand: adr/adrp/ldr literal targets, :lo12:sym and the like. */
    private static final Pattern ADDRESS_REF = Pattern.compile("(?i)^(adrp?|ldr\\w*|prfm)\\s+[^,]+,\\s*([A-Za-z_.$][\\w.$]*)\\s*$");
    private static final Pattern ADRP = Pattern.compile("(?i)^(adrp\\s+\\w+\\s*,\\s*)([A-Za-z_.$0-9][\\w.$]*)\\s*$");
    private static final Pattern LO12_REF = Pattern.compile(":[a-z_0-9]+:([A-Za-z_.$][\\w.$]*)");
    /**
     * Hint-space instructions of Armv8.3 (PAC) and Armv8.5 (BTI) that Keystone's parser predates:
     * GNU as encodes them as HINT #n (which is also what a CPU without the feature executes: a NOP).
     */
    static final Map<String, Integer> HINTS = Map.ofEntries(Map.entry("bti", 32), Map.entry("bti c", 34),
            Map.entry("bti j", 36), Map.entry("bti jc", 38), Map.entry("paciaz", 24), Map.entry("paciasp", 25),
            Map.entry("pacibz", 26), Map.entry("pacibsp", 27), Map.entry("autiaz", 28), Map.entry("autiasp", 29),
            Map.entry("autibz", 30), Map.entry("autibsp", 31), Map.entry("pacia1716", 8), Map.entry("pacib1716", 10),
            Map.entry("autia1716", 12), Map.entry("autib1716", 14), Map.entry("xpaclri", 7), Map.entry("esb", 16),
            Map.entry("psb csync", 17), Map.entry("csdb", 20));
    /** Pointer-authentication instructions outside the hint space: Keystone cannot encode them. */
    private static final Set<String> PAC_OTHER = Set.of("retaa", "retab", "braa", "brab", "blraa", "blrab", "braaz",
            "brabz", "blraaz", "blrabz", "eretaa", "eretab", "ldraa", "ldrab", "pacia", "pacib", "pacda", "pacdb",
            "autia", "autib", "autda", "autdb", "paciza", "pacizb", "autiza", "autizb", "xpaci", "xpacd", "pacga");
    /** The stop an undefined symbol's branch goes to: brk #0xe0 ("external"). */
    static final String STOP = "brk #0xe0";

    private static final Set<String> IGNORED = Set.of(".type", ".file", ".ident", ".loc", ".hidden",
            ".protected", ".internal", ".local", ".arch", ".cpu", ".arch_extension", ".addrsig", ".addrsig_sym");
    private static final Set<String> DATA = Set.of(".byte", ".hword", ".short", ".2byte", ".word", ".long",
            ".int", ".4byte", ".quad", ".xword", ".dword", ".8byte", ".inst", ".zero", ".skip", ".space", ".fill",
            ".ascii", ".asciz", ".string");
    private static final Map<String, String> DATA_SAME = Map.of(".inst", ".word", ".dword", ".quad");
    private static final Set<String> ALIGN = Set.of(".align", ".balign", ".p2align");
    private static final Set<String> UNSUPPORTED = Set.of(".macro", ".endm", ".rept", ".endr", ".irp", ".irpc",
            ".include", ".incbin", ".ltorg", ".pool", ".req", ".unreq");

    record Statement(SourceLocation where, String text, List<String> labels, String body, Kind kind)
            implements AsmStatement {}

    private Arm64Assembler() {}

    public static Assembly assemble(SourceFile file, long base) {
        return assemble(List.of(file), base);
    }

    /** Assembles the files as one unit (labels of one are visible in the others). */
    public static Assembly assemble(List<SourceFile> files, long base) {
        return FRONT_END.assemble(files, base);
    }

    private static final Arm64 FRONT_END = new Arm64();

    /** AArch64's part in the steps of {@link KeystoneFrontEnd}. */
    private static final class Arm64 extends KeystoneFrontEnd<Statement, Reader> {
        Arm64() {
            // No other syntax to start in, and labels need no second name (x86-64's Intel-syntax alias).
            super(() -> Keystone.open(Keystone.KS_ARCH_ARM64, Keystone.KS_MODE_LITTLE_ENDIAN),
                    new KeystoneProgram("", null), Reader::new, Arm64CrossCheck::check);
        }

        /**
         * Keystone's AArch64 parser can give up silently (no error, no bytes, not even the table): that
         * is located too. x86-64 checks instead that the table agrees with the code; here Keystone may
         * pad before the table, which the layout allows for.
         */
        @Override
        boolean complete(byte[] out, int statements) {
            return out.length >= KeystoneProgram.tableSize(statements);
        }

        @Override
        AsmException locate(List<Statement> statements, long base, KeystoneAttempt whole) {
            // Timed out: no result and no error, as when it gave up; the search tells them apart.
            return whole == null ? Arm64Assembler.locate(statements, base, null, null)
                    : Arm64Assembler.locate(statements, base, whole.result(), whole.error());
        }

        @Override
        Assembly layout(List<Statement> statements, Reader read, byte[] out, long base) {
            return Arm64Assembler.layout(statements, read, out, base);
        }
    }

    // ---- Keystone -----------------------------------------------------------------------------

    private static AsmException locate(List<Statement> statements, long base, Keystone.Result whole, KeystoneException error) {
        // Every prefix in order, not by bisection as for x86-64: the silent give-up shows only as a
        // prefix that grows no longer, which needs the prefix before it.
        int[] before = {0};
        for (int k = 1; k <= statements.size(); k++) {
            Statement s = statements.get(k - 1);
            if (s.body().isEmpty()) continue;
            AsmException blamed = FRONT_END.blame(statements, k, base, a -> {
                Keystone.Result r = a.result();
                if (r == null) {
                    String hint = a.symbolMissing() ? " (an undefined symbol: ctxlab stops at branches"
                            + " to undefined symbols (b, bl, b.cond, cbz, tbz), but cannot place data or addresses of them)" : "";
                    return "Keystone: " + describe(a.error()) + hint;
                }
                if (!r.stderr().isBlank()) return "Keystone: " + r.stderr().strip();
                if (s.kind() == Kind.INSTRUCTION && r.bytes().length <= before[0]) {
                    return "Keystone (AArch64) produced no bytes for this statement: not an AArch64 instruction it understands";
                }
                before[0] = r.bytes().length;
                return null;
            });
            if (blamed != null) return blamed;
        }
        String file = statements.get(0).where().file();
        if (whole != null) return new AsmException(file + ": Keystone: " + whole.stderr().strip());
        return new AsmException(file + ": Keystone: " + (error != null ? describe(error)
                : "did not answer within the time limit, or its output is inconsistent"));
    }

    /** Keystone's error with all it printed (unlike x86-64's first line, as this front-end has always shown it). */
    private static String describe(KeystoneException e) {
        return KeystoneAttempt.describe(e, stderr -> ": " + stderr.strip());
    }

    private static Assembly layout(List<Statement> statements, Reader reader, byte[] out, long base) {
        int n = statements.size();
        int table = KeystoneProgram.tableSize(n);
        // The marker table follows the code; Keystone may pad to 8 before it.
        if (out.length < table) throw new AsmException("Keystone returned too few bytes (" + out.length + ")");
        long[] offset = KeystoneProgram.offsets(out, n);
        int codeLength = (int) offset[n];
        if (codeLength > out.length - table) {
            throw new AsmException("Keystone's layout is inconsistent: code ends at " + offset[n] + " but "
                    + (out.length - table) + " bytes came back");
        }
        byte[] code = Arrays.copyOf(out, codeLength);
        Placement placed = Placement.of(statements, offset, (s, at, length) -> { });
        Map<String, Long> labelOffset = placed.labels();
        Map<String, Assembly.Symbol> symbols = placed.symbols(reader.sections, name -> name.startsWith(".Lctxlab_"));
        reader.sections.checkGlobalsDefined(symbols::containsKey);
        ByteBuffer patch = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        for (Map.Entry<Integer, Reader.Lo12> e : reader.lo12.entrySet()) {
            Statement s = statements.get(e.getKey());
            Long target = labelOffset.get(e.getValue().symbol());
            if (target == null) {
                throw new AsmException(s.where(), s.text(), "'" + e.getValue().symbol() + "' is not a label of the code: ctxlab"
                        + " places only the file's code (not its data sections, not other files')");
            }
            int at = (int) offset[e.getKey()];
            int word = patch.getInt(at);
            if (e.getValue().scale() < 0) {   // adrp: 4 KiB pages from the pc's page, immlo in bits 30:29, immhi in 23:5
                long pages = (((base + target) & ~0xfffL) - ((base + at) & ~0xfffL)) >> 12;
                if (pages < -(1L << 20) || pages >= (1L << 20)) throw new AsmException(s.where(), s.text(), "adrp target out of range");
                int v = (int) pages & 0x1fffff;
                patch.putInt(at, (word & ~(0x3 << 29) & ~(0x7ffff << 5)) | ((v & 3) << 29) | ((v >> 2) << 5));
            } else {
                int field = (int) (((base + target) & 0xfff) >> e.getValue().scale());
                patch.putInt(at, (word & ~(0xfff << 10)) | (field << 10));
            }
        }
        List<Relocation> relocations = new ArrayList<>();
        for (Reader.External x : reader.externals) {
            long at = labelOffset.getOrDefault(x.caller(), -1L);
            if (at >= 0) relocations.add(new Relocation(at, 4, x.symbol(), 0, at, x.kind()));
        }
        return new Assembly(code, base, symbols, placed.lines(), relocations);
    }

    // ---- reading ------------------------------------------------------------------------------

    private static final class Reader extends UnitReader<Statement> {
        /** Symbols defined outside the code: .set/.equ, labels in data sections. */
        final Set<String> otherSymbols = new HashSet<>();
        private final OutputBudget budget = new OutputBudget(OutputBudget.AARCH64, true);
        /** Branches to undefined symbols, each with its stop (see {@link #resolveExternals}). */
        final List<External> externals = new ArrayList<>();

        /** A branch to an undefined symbol: the label put on the branch, the symbol as written, the kind. */
        record External(String caller, String symbol, Relocation.Kind kind) {}

        Reader() {
            super(NUMERIC_REF);
        }

        @Override
        Statement withBody(Statement s, String body) {
            return new Statement(s.where(), s.text(), s.labels(), body, s.kind());
        }

        @Override
        void readFile(SourceFile file) {
            reading:
            for (SourceText.Line sourceLine : SourceText.lines(file, SourceText.stripBlockComments(file, false))) {
                SourceLocation where = sourceLine.where();
                String raw = sourceLine.raw();
                if (raw.stripLeading().startsWith("#")) continue;   // a whole-line comment (AArch64: '#' only there)
                for (String piece : SourceText.splitStatements(SourceText.stripLineComment(raw, false))) {
                    SourceText.checkCharacters(where, piece);
                    Labels.Split split = names.take(where, piece, statements.size());
                    List<String> labels = split.labels();
                    String body = split.rest().strip();
                    if (body.isEmpty() && labels.isEmpty()) continue;
                    String text = piece.strip();
                    requireName(where, text, body);
                    Kind kind = Kind.NONE;
                    Directive d = Directive.of(body);
                    if (d != null) {
                        String directive = d.name(), args = d.args();
                        switch (directive) {
                            case ".set", ".equ", ".equiv" -> otherSymbols.add(args.split("\\s*,\\s*", 2)[0].strip());
                            case ".end" -> {
                                if (!labels.isEmpty() && sections.inCode()) statements.add(new Statement(where, text, labels, "", Kind.NONE));
                                break reading;   // GNU as reads nothing after .end
                            }
                            default -> {
                                if (sections.handle(directive, args, where, text, statements.size())
                                        || IGNORED.contains(directive) || directive.startsWith(".cfi_")) {
                                    body = "";
                                } else if (UNSUPPORTED.contains(directive) || directive.startsWith(".if")
                                        || directive.equals(".else") || directive.equals(".endif")) {
                                    throw new AsmException(where, text, directive + " is not supported by ctxlab's front-end"
                                            + (directive.startsWith(".if") || directive.equals(".macro")
                                            ? "; use the C preprocessor (#if, #define) in a .S file" : ""));
                                } else if (DATA.contains(directive)) {
                                    kind = Kind.DATA;
                                    if (sections.inCode()) budget.data(where, text, directive, args);
                                    // Keystone drops .inst without a word (no bytes, no error) and does not
                                    // know .dword: the same bytes as .word and .quad on little-endian AArch64.
                                    String same = DATA_SAME.get(directive);
                                    if (same != null) body = same + body.substring(directive.length());
                                } else if (ALIGN.contains(directive)) {
                                    kind = Kind.ALIGN;
                                    if (sections.inCode()) budget.align(where, text, directive, args);
                                }
                            }
                        }
                    } else if (!body.isEmpty()) {
                        kind = Kind.INSTRUCTION;
                        if (sections.inCode()) body = rewrite(where, text, body);
                        Matcher page = ADRP.matcher(body);
                        if (sections.inCode() && page.matches() && !Character.isDigit(page.group(2).charAt(0))) {
                            // Keystone takes adrp's label for an absolute page, not one relative to the pc's page
                            // (wrong at any base past 4 KiB): ctxlab fills the field in after layout.
                            lo12.put(statements.size(), new Lo12(page.group(2), -1));
                            body = page.group(1) + "#0";
                        }
                        Matcher lo = LO12_REF.matcher(body);
                        if (sections.inCode() && lo.find()) {
                            // Keystone computes :lo12:sym from the whole address ("invalid imm12 fixup value"
                            // at any base past 4 KiB): ctxlab fills the field in after layout instead.
                            if (!lo.group().toLowerCase(Locale.ROOT).startsWith(":lo12:")) {
                                throw new AsmException(where, text, lo.group() + " needs the linker (GOT or TLS); ctxlab"
                                        + " places only the file's own code");
                            }
                            lo12.put(statements.size(), new Lo12(lo.group(1), lo12Scale(where, text, body)));
                            body = body.substring(0, lo.start()) + "#0" + body.substring(lo.end());
                        }
                    }
                    if (!sections.inCode()) {
                        // Data in a non-code section (a .note.gnu.property, .rodata) is not part of the code:
                        // left out, its labels known as defined elsewhere.
                        otherSymbols.addAll(labels);
                        continue;
                    }
                    if (statements.size() >= Assembler.MAX_STATEMENTS) {
                        throw new AsmException(where, text, "more than " + Assembler.MAX_STATEMENTS + " statements; ctxlab refuses the file");
                    }
                    statements.add(new Statement(where, text, labels, body, kind));
                    if (kind == Kind.INSTRUCTION) names.instruction(statements.size() - 1, body);
                }
            }
        }

        /** {@code :lo12:sym} operands (scale: the access size's log2) and adrp targets (scale -1) by statement index: filled in after layout (see {@link #read}). */
        final Map<Integer, Lo12> lo12 = new java.util.TreeMap<>();

        record Lo12(String symbol, int scale) {}

        /** How the low 12 bits are scaled in the instruction: add takes bytes, a load or store its access size. */
        private static int lo12Scale(SourceLocation where, String text, String body) {
            String[] w = body.toLowerCase(Locale.ROOT).split("[\\s,]+");
            String m = w[0];
            if (m.equals("add") || m.equals("adds")) return 0;
            if (m.matches("(ldr|str|ldrb|strb|ldrh|strh|ldrsw|ldrsb|ldrsh|prfm)") && w.length > 1) {
                if (m.endsWith("b") || m.equals("ldrsb")) return 0;
                if (m.endsWith("h") || m.equals("ldrsh")) return 1;
                if (m.equals("ldrsw")) return 2;
                if (m.equals("prfm")) return 3;
                char r = w[1].charAt(0);
                return switch (r) {
                    case 'x', 'd' -> 3;
                    case 'w', 's' -> 2;
                    case 'h' -> 1;
                    case 'b' -> 0;
                    case 'q' -> 4;
                    default -> throw new AsmException(where, text, ":lo12: with this register is not supported");
                };
            }
            throw new AsmException(where, text, ":lo12: is supported in add and in loads and stores only");
        }

        /** Instruction text as Keystone needs it, or an error for what Keystone would get wrong. */
        private static String rewrite(SourceLocation where, String text, String body) {
            String normal = body.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
            Integer hint = HINTS.get(normal);
            if (hint != null) return "hint #" + hint;
            String mnemonic = normal.split(" ", 2)[0];
            if (PAC_OTHER.contains(mnemonic)) {
                throw new AsmException(where, text, mnemonic + " (pointer authentication outside the hint space) is not"
                        + " supported: Keystone cannot encode it; paciasp/autiasp and bti are");
            }
            if (body.matches("(?is)ldr\\w*\\s+[^,]+,\\s*=.*")) {
                throw new AsmException(where, text, "literal-pool loads (ldr Rt, =value) are not supported:"
                        + " Keystone would place the pool where ctxlab cannot map it; use movz/movk");
            }
            return body;
        }

        /**
         * Branches to symbols no file defines get a stop: the branch is labelled, its target becomes a
         * {@link #STOP} appended after everything else, on a line that names the symbol and the caller.
         * Other references to undefined symbols (adr, adrp, :lo12:, literal loads) are refused.
         */
        @Override
        void resolveExternals() {
            Set<String> defined = new HashSet<>(names.names());
            defined.addAll(otherSymbols);
            int n = statements.size();
            List<Statement> stops = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Statement s = statements.get(i);
                if (s.kind() != Kind.INSTRUCTION) continue;
                Matcher b = BRANCH.matcher(s.body());
                if (b.matches() && !isDefined(b.group(3), defined)) {
                    String mnemonic = b.group(1).toLowerCase(Locale.ROOT);
                    String symbol = b.group(3) + (b.group(4) == null ? "" : b.group(4));
                    String caller = ".Lctxlab_c" + externals.size(), stop = ".Lctxlab_x" + externals.size();
                    Relocation.Kind kind = mnemonic.equals("bl") ? Relocation.Kind.CALL : Relocation.Kind.JUMP;
                    externals.add(new External(caller, symbol, kind));
                    List<String> labels = new ArrayList<>(s.labels());
                    labels.add(caller);
                    statements.set(i, new Statement(s.where(), s.text(), labels, b.group(1) + " " + b.group(2) + stop, s.kind()));
                    stops.add(new Statement(s.where(), "(stop) " + (kind == Relocation.Kind.CALL ? "calls " : "jumps to ")
                            + symbol + ", which no file defines", List.of(stop), STOP, Kind.INSTRUCTION));
                    continue;
                }
                Matcher a = ADDRESS_REF.matcher(s.body());
                String missing = a.matches() && !isDefined(a.group(2), defined) && !a.group(2).startsWith(".Lctxlab_") ? a.group(2) : null;
                Matcher lo = LO12_REF.matcher(s.body());
                while (missing == null && lo.find()) if (!isDefined(lo.group(1), defined)) missing = lo.group(1);
                if (missing != null) {
                    throw new AsmException(s.where(), s.text(), "'" + missing + "' is not defined in the file: GNU as would"
                            + " leave a relocation for the linker; ctxlab stops at branches to undefined symbols"
                            + " (b, bl, b.cond, cbz, tbz) but cannot place their addresses or data");
                }
            }
            if (!stops.isEmpty()) {
                // After data of any length, the stops must still be on a 4-byte boundary.
                statements.add(new Statement(stops.get(0).where(), ".balign 4", List.of(), ".balign 4", Kind.ALIGN));
                statements.addAll(stops);
            }
        }

        private static boolean isDefined(String symbol, Set<String> defined) {
            return defined.contains(symbol) || symbol.startsWith(".Lctxlab_");
        }
    }
}
