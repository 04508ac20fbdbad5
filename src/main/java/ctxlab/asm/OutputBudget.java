package ctxlab.asm;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The bytes a unit's data and alignment directives ask for, added up before Keystone sees them.
 * Keystone spends minutes and gigabytes on {@code .skip 1<<31}, a 3 MB {@code .ascii} or twenty
 * thousand {@code .quad} lines of a thousand values each, and no switch routine needs more than
 * {@link #MAX} bytes of code (the tracer's code region is that large). Every data directive counts,
 * by an upper bound: its operands times their width, a string's length in the source.
 */
final class OutputBudget {
    static final long MAX = 1024 * 1024;

    /** x86-64 GNU as: each data directive's width; {@code .align} counts bytes. */
    static final Map<String, Integer> X86_64 = Map.ofEntries(Map.entry(".byte", 1), Map.entry(".word", 2),
            Map.entry(".short", 2), Map.entry(".value", 2), Map.entry(".hword", 2), Map.entry(".2byte", 2),
            Map.entry(".long", 4), Map.entry(".int", 4), Map.entry(".4byte", 4), Map.entry(".float", 4),
            Map.entry(".single", 4), Map.entry(".quad", 8), Map.entry(".8byte", 8), Map.entry(".double", 8),
            Map.entry(".octa", 16));
    /** AArch64 GNU as: {@code .word} is 4 bytes, {@code .align} a power of two. */
    static final Map<String, Integer> AARCH64 = Map.ofEntries(Map.entry(".byte", 1), Map.entry(".hword", 2),
            Map.entry(".short", 2), Map.entry(".2byte", 2), Map.entry(".word", 4), Map.entry(".long", 4),
            Map.entry(".int", 4), Map.entry(".4byte", 4), Map.entry(".inst", 4), Map.entry(".quad", 8),
            Map.entry(".xword", 8), Map.entry(".dword", 8), Map.entry(".8byte", 8));

    private final Map<String, Integer> widths;
    private final boolean alignIsPowerOfTwo;
    private long total;

    OutputBudget(Map<String, Integer> widths, boolean alignIsPowerOfTwo) {
        this.widths = widths;
        this.alignIsPowerOfTwo = alignIsPowerOfTwo;
    }

    void data(SourceLocation where, String text, String directive, String args) {
        add(where, text, dataSize(where, text, directive, args));
    }

    void align(SourceLocation where, String text, String directive, String args) {
        add(where, text, alignSize(where, text, directive, args));
    }

    private void add(SourceLocation where, String text, long bytes) {
        total = bytes > MAX ? bytes : total + bytes;
        if (total > MAX) {
            throw new AsmException(where, text, "this would make more than 1 MiB of output (" + bytes
                    + " bytes here); ctxlab refuses it before Keystone sees it");
        }
    }

    private long dataSize(SourceLocation where, String text, String directive, String args) {
        switch (directive) {
            case ".ascii", ".asciz", ".string" -> {
                return args.length();   // each byte from at least one character, each NUL from a closing quote
            }
            case ".fill", ".zero", ".skip", ".space" -> {
                return fillSize(where, text, directive, Operands.splitOutsideStrings(args));
            }
            default -> {
                // operands at most one more than the commas (counted, not split: a line may hold millions)
                long operands = 1;
                for (int i = 0; i < args.length(); i++) if (args.charAt(i) == ',') operands++;
                return operands * widths.getOrDefault(directive, 16);
            }
        }
    }

    private static long fillSize(SourceLocation where, String text, String directive, List<String> a) {
        switch (directive) {
            case ".fill" -> {
                long repeat = constant(where, text, a.get(0), ".fill's repeat count");
                long size = a.size() > 1 && !a.get(1).isBlank() ? constant(where, text, a.get(1), ".fill's size") : 1;
                if (repeat < 0 || size < 0) throw new AsmException(where, text, ".fill with a negative count or size");
                return Math.multiplyHigh(repeat, Math.min(size, 8)) != 0 ? Long.MAX_VALUE : repeat * Math.min(size, 8);
            }
            default -> {
                long size = constant(where, text, a.get(0), directive + "'s size");
                if (size < 0) throw new AsmException(where, text, directive + " with a negative size");
                return size;
            }
        }
    }

    /** The most padding an alignment directive can insert. */
    private long alignSize(SourceLocation where, String text, String directive, String args) {
        String first = Operands.splitOutsideStrings(args).get(0);
        long v = constant(where, text, first, directive + "'s alignment");
        if (directive.equals(".p2align") || directive.equals(".align") && alignIsPowerOfTwo) {
            if (v < 0 || v > 30) throw new AsmException(where, text, directive + " " + v + " asks for more than 1 MiB of padding");
            return 1L << v;
        }
        if (v < 0) throw new AsmException(where, text, directive + " with a negative alignment");
        return v;
    }

    static long constant(SourceLocation where, String text, String expr, String what) {
        OptionalLong v = Expr.eval(expr);
        if (v.isEmpty()) {
            throw new AsmException(where, text, what + " must be a constant ctxlab can evaluate ('" + expr.strip()
                    + "' is not): sizes are checked before Keystone sees them");
        }
        return v.getAsLong();
    }
}
