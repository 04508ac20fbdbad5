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
    private final PrintWriter out;

    private TextFormat(PrintWriter out, boolean colour) {
        this.out = out;
        this.colour = colour;
    }

    public static void write(Trace t, PrintWriter out, boolean colour) {
        new TextFormat(out, colour).trace(t);
        out.flush();
    }

    private String c(String code, String s) {
        return colour ? code + s + RESET : s;
    }

    private void trace(Trace t) {
        for (String l : wrapWords("ctxlab trace: " + t.title(), WIDTH, WIDTH - 4)) {
            line(c(BOLD, l.startsWith("ctxlab trace:") ? l : "    " + l));
        }
        for (Region r : t.regions()) {
            if (r.kind() == Region.Kind.CODE && r.size() == 0) continue;
            line(fit(String.format("  %-22s %-8s 0x%x .. 0x%x (%d bytes)", r.name(), r.kind().name().toLowerCase(),
                    r.base(), r.end(), r.size()), WIDTH));
        }
        List<String> regs = new ArrayList<>();
        t.initialRegisters().forEach((name, v) -> {
            if (v != 0 && !name.equals("rflags")) regs.add(String.format("%-6s %s", name, hex(v, name.equals("mxcsr") ? 4 : 8)));
        });
        line("  registers at the start (others 0):");
        for (int i = 0; i < regs.size(); i += 3) {
            StringBuilder sb = new StringBuilder("   ");
            for (int j = i; j < Math.min(i + 3, regs.size()); j++) sb.append(String.format(" %-29s", regs.get(j)));
            line(sb.toString().stripTrailing());
        }
        for (Trace.Step s : t.steps()) step(s, t.steps().size());
        line("");
        Trace.End e = t.end();
        String head = e.reason().ok() ? c(GREEN, "end:") : c(RED, "stopped:");
        wrap(head + " ", e.message(), "      ");
    }

    private Trace.StackView lastStack;

    private void step(Trace.Step s, int total) {
        line("");
        line(c(BOLD + CYAN, header(s, total)));
        String src = s.sourceLine() != null ? s.sourceLine() : s.source();
        if (src != null) line(fit("  " + src, WIDTH));
        for (String e : s.explanation()) wrap("  " + c(CYAN, "»") + " ", e, "    ");
        for (Trace.RegChange r : s.registers()) {
            int w = r.name().equals("mxcsr") ? 4 : 8;
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
        stack(s.stack());
    }

    /** "── step 3/17 ── 0x400007 cem_swapcontext+0x7 ── 4c 89 67 10 ──────── file.s:42 ──" */
    private static String header(Trace.Step s, int total) {
        String where = s.where() == null ? "" : " " + s.where() + " ";
        String left = String.format("── step %d/%d ── 0x%x %s── ", s.number(), total, s.address(),
                s.symbol() == null ? "" : s.symbol() + " ");
        String bytes = HexFormat.ofDelimiter(" ").formatHex(s.bytes());
        int room = WIDTH - left.length() - where.length() - 4; // two ─ each side of the location, at least
        if (bytes.length() > room) bytes = room > 3 ? bytes.substring(0, room - 1).stripTrailing() + "…" : "";
        int fill = WIDTH - left.length() - bytes.length() - 1 - where.length() - 2;
        return fit(left + bytes + " " + "─".repeat(Math.max(1, fill)) + where + "──", WIDTH);
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
            line(String.format("  %-8s%s, rsp = 0x%x (unchanged)", "stack", v.region(), v.rsp()));
            return;
        }
        lastStack = v;
        line(String.format("  %-8s%s, rsp = 0x%x", "stack", v.region(), v.rsp()));
        for (Trace.StackSlot slot : v.slots()) {
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
