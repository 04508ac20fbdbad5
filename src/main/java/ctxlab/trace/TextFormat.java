package ctxlab.trace;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The trace for a terminal: every line fits {@link #WIDTH} columns; ANSI colour only when asked
 * (the command asks when stdout is a terminal and NO_COLOR is unset).
 */
public final class TextFormat {
    public static final int WIDTH = 100;
    private static final String RESET = "\u001b[0m", BOLD = "\u001b[1m", DIM = "\u001b[2m",
            CYAN = "\u001b[36m", YELLOW = "\u001b[33m", GREEN = "\u001b[32m", RED = "\u001b[31m";

    private final boolean colour;
    private final Options options;
    private final PrintWriter out;

    /**
     * @param compact leave out the stack block of a step when it did not change
     * @param from    first step shown (1-based), @param to last step shown (inclusive)
     */
    public record Options(boolean colour, boolean compact, int from, int to) {
        public static Options plain(boolean colour) {
            return new Options(colour, false, 1, Integer.MAX_VALUE);
        }
    }

    private TextFormat(PrintWriter out, Options options) {
        this.out = out;
        this.options = options;
        this.colour = options.colour();
    }

    public static void write(Trace t, PrintWriter out, boolean colour) {
        write(t, out, Options.plain(colour));
    }

    public static void write(Trace t, PrintWriter out, Options options) {
        new TextFormat(out, options).trace(t);
        out.flush();
    }

    /**
     * "5-9" → {5, 9}, "12" → {12, 12}, "12-" → {12, max}, null → everything.
     *
     * @throws IllegalArgumentException for anything else (a usage error)
     */
    public static int[] range(String text) {
        if (text == null) return new int[] {1, Integer.MAX_VALUE};
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\s*(\\d+)\\s*(?:(-)\\s*(\\d*)\\s*)?").matcher(text);
        if (!m.matches()) throw new IllegalArgumentException("--steps must be A-B, A or A- (step numbers), not '" + text + "'");
        try {
            int a = Integer.parseInt(m.group(1));
            int b = m.group(2) == null ? a : m.group(3).isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(m.group(3));
            if (a < 1 || b < a) throw new IllegalArgumentException("--steps " + text + ": steps count from 1 and A must not exceed B");
            return new int[] {a, b};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--steps " + text + ": step number too large");
        }
    }

    private String c(String code, String s) {
        return colour ? code + s + RESET : s;
    }

    private void trace(Trace t) {
        for (String l : wrapWords("ctxlab trace: " + t.title(), WIDTH, WIDTH - 4)) {
            line(c(BOLD, l.startsWith("ctxlab trace:") ? l : "    " + l));
        }
        if (t.layout() instanceof ConventionLayout cl) {
            var c = cl.convention();
            wrap("  ", "convention " + c.name() + (c.runtime() == null ? "" : " (" + c.runtime() + ")") + ": " + cl.describe(), "    ");
        }
        for (Region r : t.regions()) {
            if (r.kind() == Region.Kind.CODE && r.size() == 0) continue;
            line(fit(String.format("  %-22s %-8s %-3s 0x%x .. 0x%x (%d bytes)", r.name(), r.kind().name().toLowerCase(),
                    r.protText(), r.base(), r.end(), r.size()), WIDTH));
        }
        List<String> regs = new ArrayList<>();
        t.initialRegisters().forEach((name, v) -> {
            if (v != 0 && !name.equals("rflags")) regs.add(String.format("%-6s %s", name, hex(v, width(name))));
        });
        line("  registers at the start (others 0):");
        for (int i = 0; i < regs.size(); i += 3) {
            StringBuilder sb = new StringBuilder("   ");
            for (int j = i; j < Math.min(i + 3, regs.size()); j++) sb.append(String.format(" %-29s", regs.get(j)));
            line(sb.toString().stripTrailing());
        }
        Long mx = t.initialRegisters().get("mxcsr"), cw = t.initialRegisters().get("fpcw");
        if (mx != null) wrap("    ", "mxcsr " + new Mxcsr(mx.intValue()).describe(), "      ");
        if (cw != null) wrap("    ", "fpcw  " + new Fpcw(cw.intValue()).describe() + " (x87 control word)", "      ");
        int shown = 0;
        for (Trace.Step s : t.steps()) {
            if (s.number() < options.from() || s.number() > options.to()) continue;
            if (s.switchNumber() > 0 && (s.number() == options.from() || startsSwitch(t, s))) banner(t, s);
            step(s, t.steps().size());
            shown++;
        }
        if (shown < t.steps().size()) line(c(DIM, String.format("  (%d of %d steps shown: --steps)", shown, t.steps().size())));
        verdict(t);
        line("");
        Trace.End e = t.end();
        boolean ok = t.ok();
        String head = ok ? c(GREEN, "end:") : e.reason().ok() ? c(RED, "end, but the switch is wrong:") : c(RED, "stopped:");
        wrap(head + " ", e.message(), "      ");
    }

    private static boolean startsSwitch(Trace t, Trace.Step s) {
        return t.arrivals().stream().anyMatch(a -> a.firstStep() == s.number())
                || s.explanation().stream().anyMatch(x -> x.contains(" begins: save = ") || x.contains(" begins ("));
    }

    /** "══ switch 2: save = strand A context → restore = main context ═══…" */
    private void banner(Trace t, Trace.Step s) {
        line("");
        String text = "══ switch " + s.switchNumber() + ": " + s.bindings().getOrDefault("save", "?") + " → "
                + s.bindings().getOrDefault("restore", "?") + " ";
        line(c(BOLD, fit(text + "═".repeat(Math.max(2, WIDTH - text.length())), WIDTH)));
    }

    /** The arrival verdict: ✓/✗ per preserved register and slot, the step to blame for each ✗. */
    private void verdict(Trace t) {
        for (Trace.Arrival a : t.arrivals()) {
            if (a.number() > 0 && (a.lastStep() < options.from() || a.firstStep() > options.to()) && t.arrivals().size() > 1) continue;
            line("");
            String head = "arrival of switch " + a.number() + " (steps " + a.firstStep() + "-" + a.lastStep() + ", "
                    + a.save() + " → " + a.restore() + "): ";
            line(c(BOLD, fit(head, WIDTH - 6)) + (a.ok() ? c(GREEN, "right") : c(RED, "WRONG")));
            if (options.compact()) { // the failed checks only, and a count of the rest
                long held = a.checks().stream().filter(Trace.Check::ok).count();
                line("    " + c(GREEN, "✓") + " " + held + " of " + a.checks().size() + " checks hold");
                for (Trace.Check ch : a.checks()) if (!ch.ok()) wrap("    " + c(RED, "✗") + " ", ch.text(), "      ");
                continue;
            }
            String side = "";
            for (Trace.Check ch : a.checks()) {
                if (!ch.side().equals(side)) {
                    side = ch.side();
                    line(side.equals("restore") ? "  restore side (the CPU after the switch):"
                            : side.equals("entry") ? "  the fresh strand's entry:"
                            : t.layout() instanceof ConventionLayout cl ? "  save side (the save " + cl.word() + "):"
                            : "  save side (the save context):");
                }
                wrap("    " + (ch.ok() ? c(GREEN, "✓") : c(RED, "✗")) + " ", ch.text(), "      ");
            }
        }
    }

    private static int width(String reg) {
        return reg.equals("mxcsr") ? 4 : reg.equals("fpcw") ? 2 : 8;
    }

    private Trace.StackView lastStack;

    private void step(Trace.Step s, int total) {
        line("");
        line(c(BOLD + CYAN, header(s, total)));
        String src = s.sourceLine() != null ? s.sourceLine() : s.source();
        if (src != null) line(fit("  " + src, WIDTH));
        for (String e : s.explanation()) wrap("  " + c(CYAN, "»") + " ", e, "    ");
        for (String w : s.warnings()) wrap("  " + c(RED, "⚠") + " ", w, "    ");
        for (Trace.RegChange r : s.registers()) {
            int w = width(r.name());
            line(String.format("  %-8s%-26s %s → %s", "reg", r.name(), c(DIM, hex(r.before(), w)), c(YELLOW, hex(r.after(), w))));
        }
        if (!s.flags().isEmpty()) {
            line(fit(String.format("  %-8s%s", "flags", String.join("  ",
                    s.flags().stream().map(f -> f.name() + " " + f.before() + "→" + f.after()).toList())), WIDTH));
        }
        for (Trace.Access w : s.writes()) {
            int width = Math.min(w.size(), 8);
            String name = w.name() == null ? "" : w.name();
            line(String.format("  %-8s%-26s 0x%-10x %s → %s", "write", fit(name, 26), w.address(),
                    c(DIM, hex(w.before(), width)), c(YELLOW, hex(w.value(), width))));
        }
        if (s.mxcsr() != null) {
            wrap(String.format("  %-8s", "mxcsr"), "was " + s.mxcsr().before().describe(), "          ");
            wrap(String.format("  %-8s", ""), "now " + s.mxcsr().after().describe(), "          ");
        }
        for (Trace.RegChange r : s.registers()) {
            if (!r.name().equals("fpcw")) continue;
            wrap(String.format("  %-8s", "fpcw"), "was " + new Fpcw((int) r.before()).describe(), "          ");
            wrap(String.format("  %-8s", ""), "now " + new Fpcw((int) r.after()).describe(), "          ");
        }
        stack(s.stack());
    }

    /** "── step 3/17 ── 0x400007 cem_swapcontext+0x7 ── 4c 89 67 10 ──────── file.s:42 ──" */
    static String header(Trace.Step s, int total) {
        String left = String.format("── step %d/%d ── 0x%x %s── ", s.number(), total, s.address(),
                s.symbol() == null ? "" : s.symbol() + " ");
        String bytes = HexFormat.ofDelimiter(" ").formatHex(s.bytes());
        String line = s.where() == null ? "" : ":" + s.where().line();
        String file = s.where() == null ? "" : s.where().file();
        // the bytes and ":line" always show; a long path gives up its middle ("asm/…/pingpong.s:23")
        int room = WIDTH - left.length() - bytes.length() - 1 - 2 - 2 - line.length() - 2;
        if (room < 8 && left.length() > 30 && s.symbol() != null) {
            left = String.format("── step %d/%d ── 0x%x ── ", s.number(), total, s.address());
            room = WIDTH - left.length() - bytes.length() - 1 - 2 - 2 - line.length() - 2;
        }
        if (room < 1 + 2) { // very long instructions: the bytes are cut, but never the line number
            int keep = Math.max(5, bytes.length() - (3 - room) - 1);
            bytes = bytes.substring(0, Math.min(bytes.length(), keep)).stripTrailing() + "…";
            room = WIDTH - left.length() - bytes.length() - 1 - 2 - 2 - line.length() - 2;
        }
        file = middle(file, Math.max(1, room));
        String where = s.where() == null ? "" : " " + file + line + " ";
        int fill = WIDTH - left.length() - bytes.length() - 1 - where.length() - 2;
        return left + bytes + " " + "─".repeat(Math.max(1, fill)) + where + "──";
    }

    /** "asm/strands/very/long/pingpong.s" → "asm/…/pingpong.s" within {@code width} characters. */
    static String middle(String path, int width) {
        if (path.length() <= width) return path;
        if (width <= 1) return "…";
        int tail = (width - 1) * 2 / 3, head = width - 1 - tail;
        return path.substring(0, head) + "…" + path.substring(path.length() - tail);
    }

    /**
     * The stack around rsp; when neither rsp nor any shown slot changed since the previous step,
     * one line says so instead of repeating the same four lines.
     */
    private void stack(Trace.StackView v) {
        if (v == null) {
            line(String.format("  %-8s%s", "stack", "rsp is in no known stack"));
            lastStack = null;
            return;
        }
        if (v.equals(lastStack)) {
            if (!options.compact()) line(String.format("  %-8s%s, rsp = 0x%x (unchanged)", "stack", v.region(), v.rsp()));
            return;
        }
        lastStack = v;
        line(String.format("  %-8s%s, rsp = 0x%x (higher addresses first, as on the page)", "stack", v.region(), v.rsp()));
        for (Trace.StackSlot slot : v.slots().reversed()) {
            boolean here = slot.address() == v.rsp();
            String note = slot.note() == null ? "" : slot.note();
            String text = String.format("  %-6s%s 0x%-10x %-7s %s  %s", "", here ? "→" : " ", slot.address(),
                    slot.offset(), hex(slot.value(), 8), note);
            line(here ? c(BOLD, fit(text, WIDTH).stripTrailing()) : fit(text, WIDTH).stripTrailing());
        }
    }

    private void line(String s) {
        out.println(s);
    }

    /** Word-wraps {@code text} after {@code first} to the width, continuing with {@code indent}. */
    private void wrap(String first, String text, String indent) {
        int firstWidth = WIDTH - visible(first);
        List<String> lines = wrapWords(text, firstWidth, WIDTH - indent.length());
        for (int i = 0; i < lines.size(); i++) line((i == 0 ? first : indent) + lines.get(i));
    }

    static List<String> wrapWords(String text, int firstWidth, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int limit = firstWidth;
        for (String word : text.split(" ")) {
            while (word.length() > limit) { // a word longer than a line: cut it
                if (!cur.isEmpty()) { lines.add(cur.toString()); cur.setLength(0); limit = width; }
                lines.add(word.substring(0, limit));
                word = word.substring(limit);
                limit = width;
            }
            if (!cur.isEmpty() && cur.length() + 1 + word.length() > limit) {
                lines.add(cur.toString());
                cur.setLength(0);
                limit = width;
            }
            if (!cur.isEmpty()) cur.append(' ');
            cur.append(word);
        }
        if (!cur.isEmpty() || lines.isEmpty()) lines.add(cur.toString());
        return lines;
    }

    private static int visible(String s) {
        return s.replaceAll("\u001b\\[[0-9;]*m", "").length();
    }

    /** Cuts a line to {@code width} visible characters (colour codes do not count). */
    static String fit(String s, int width) {
        if (visible(s) <= width) return s;
        if (s.indexOf('\u001b') < 0) return s.substring(0, width - 1) + "…";
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\u001b') {
                int end = s.indexOf('m', i);
                out.append(s, i, end + 1);
                i = end;
                continue;
            }
            if (n == width - 1) { out.append('…'); break; }
            out.append(ch);
            n++;
        }
        return out.append(RESET).toString();
    }

    /** Zero-padded hex of a {@code bytes}-wide value: 0x0000000000500010. */
    static String hex(long v, int bytes) {
        String h = Long.toHexString(v);
        int digits = bytes * 2;
        return "0x" + (h.length() >= digits ? h : "0".repeat(digits - h.length()) + h);
    }

    static String bindingText(Map<String, String> b) {
        return String.join(", ", b.entrySet().stream().map(e -> e.getKey() + " = " + e.getValue()).toList());
    }
}
