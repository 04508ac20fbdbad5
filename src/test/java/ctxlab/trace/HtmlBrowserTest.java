package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ctxlab.TestFiles;
import ctxlab.abi.ContextLayout.Slot;
import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.selftest.Selftest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The HTML page in a real browser: headless Chromium loads the generated file, the test steps
 * with the keyboard (real key events over the DevTools protocol) and reads the DOM back. The
 * expected values come from the trace and the context layout, not from a recorded page.
 *
 * <p>Without Chromium the test is skipped locally, but fails under CI (CI set), where
 * {@code .ci/run} must have installed it.
 */
class HtmlBrowserTest {
    static final Path SCREENSHOT = Path.of("target/trace-screenshot.png");

    static Path chromiumOrSkip() {
        Optional<Path> c = Chromium.find();
        if (c.isEmpty()) {
            String ci = System.getenv("CI");
            if (ci != null && !ci.isBlank() && !ci.equals("false")) {
                fail("chromium is not installed but CI is set: .ci/run must install Debian's chromium package");
            }
            Assumptions.abort("chromium not installed (apt-get install chromium); skipped outside CI");
        }
        return c.get();
    }

    @Test
    void stepsWithTheKeyboardAndShowsTheRightStateAndLine() throws Exception {
        Path browser = chromiumOrSkip();
        SourceFile src = new SourceFile("asm/context_x86_64.s", Files.readString(TestFiles.SWITCH));
        Assembly asm = Assembler.assemble(src, Selftest.CODE_BASE);
        Trace trace = Tracer.run(TraceSetup.defaultSwitch(asm, Selftest.SWITCH, Map.of(src.name(), src.text())),
                Tracer.Limits.defaults());
        assertEquals(17, trace.steps().size());
        Path page = Path.of("target/trace-test/trace.html").toAbsolutePath();
        Files.createDirectories(page.getParent());
        Files.writeString(page, HtmlFormat.page(trace));

        try (Chromium c = new Chromium(browser, page.toUri().toString(), 1400, 1000)) {
            c.await("window.traceReady === true", Duration.ofSeconds(30));
            assertEquals("0", c.text("document.getElementById('step-number').textContent"));
            assertEquals("17", c.text("document.getElementById('step-total').textContent"));
            // At the start the first instruction's line is marked as the one to run next.
            assertEquals(String.valueOf(trace.steps().get(0).where().line()),
                    c.text("document.querySelector('.src-line.upcoming').dataset.line"));

            c.press("ArrowRight", 39);
            assertEquals("1", c.text("document.getElementById('step-number').textContent"));
            assertEquals(String.valueOf(trace.steps().get(0).where().line()), currentLine(c));
            // Step 1 stores rbx into save.rbx: the main context's rbx slot, highlighted as written.
            assertEquals(hex(TraceSetup.MAIN_REGISTERS.get(ctxlab.emu.Reg.RBX)), slotCell(c, "main context", "rbx", "textContent"));
            assertTrue(slotCell(c, "main context", "rbx", "className").contains("written"));
            assertFalse(slotCell(c, "main context", "rbp", "className").contains("written"));
            assertTrue(c.text("document.getElementById('explanation').textContent").contains("stores rbx into save.rbx (offset 0x00)"));

            for (int i = 0; i < 14; i++) c.press("ArrowRight", 39);
            // Step 15 loads restore.rsp: rsp jumps to the strand's stack.
            assertEquals("15", c.text("document.getElementById('step-number').textContent"));
            Trace.Step s15 = trace.steps().get(14);
            assertEquals(String.valueOf(s15.where().line()), currentLine(c));
            assertTrue(c.text("document.querySelector('.src-line.current').textContent").contains("48(%rsi), %rsp"));
            long strandRsp = TraceSetup.STRAND_STACK + TraceSetup.STRAND_STACK_SIZE - 16;
            assertEquals(hex(strandRsp), regCell(c, "rsp", "textContent"));
            assertTrue(regCell(c, "rsp", "className").contains("changed"), "rsp highlighted as changed");
            assertFalse(regCell(c, "rbx", "className").contains("changed"));
            assertEquals(hex(TraceSetup.STRAND_PRESETS.get(Slot.R15)), regCell(c, "r15", "textContent"));
            assertEquals("strand stack", c.text("document.querySelector('.stack.active').dataset.stack"));
            assertEquals(hex(strandRsp).replaceFirst("^0x0+", "0x"),
                    c.text("document.querySelector('.stack.active tr.rsp td.addr').textContent"));
            assertTrue(slotCell(c, "strand context", "rsp", "className").contains("read"));
            c.screenshot(SCREENSHOT);

            c.press("ArrowLeft", 37);
            assertEquals("14", c.text("document.getElementById('step-number').textContent"));
            assertEquals("main stack", c.text("document.querySelector('.stack.active').dataset.stack"));
            assertEquals(hex(TraceSetup.MAIN_RSP), regCell(c, "rsp", "textContent"));

            c.press("End", 35);
            assertEquals("17", c.text("document.getElementById('step-number').textContent"));
            assertTrue(c.text("document.getElementById('end').textContent").contains("reached strand entry"));
            assertEquals(hex(TraceSetup.STRAND_ENTRY), regCell(c, "rip", "textContent"));
            assertEquals("0x00001f80", regCell(c, "mxcsr", "textContent"));
        }
        assertTrue(Files.size(SCREENSHOT) > 10_000, "screenshot written");
    }

    private static Path page(String name, Trace trace) throws Exception {
        Path page = Path.of("target/trace-test/" + name).toAbsolutePath();
        Files.createDirectories(page.getParent());
        Files.writeString(page, HtmlFormat.page(trace));
        return page;
    }

    private static Trace defaultTrace(Path file) throws Exception {
        SourceFile src = new SourceFile(file.toString(), Files.readString(file));
        Assembly asm = Assembler.assemble(src, Selftest.CODE_BASE);
        return Tracer.run(TraceSetup.defaultSwitch(asm, Selftest.SWITCH, Map.of(src.name(), src.text())), Tracer.Limits.defaults());
    }

    /** Element's bounding box as [left, top, right, bottom] in viewport pixels. */
    private static double[] box(Chromium c, String selector) {
        var v = c.eval("(() => { const r = document.querySelector('" + selector + "').getBoundingClientRect();"
                + " return [r.left, r.top, r.right, r.bottom]; })()");
        return new double[] {v.get(0).asDouble(), v.get(1).asDouble(), v.get(2).asDouble(), v.get(3).asDouble()};
    }

    @Test
    void atTheRspStepContextsAndStacksFitTheFirstScreenWithArrowsToTheStackSlots() throws Exception {
        Path browser = chromiumOrSkip();
        Trace trace = defaultTrace(TestFiles.SWITCH);
        try (Chromium c = new Chromium(browser, page("rsp-step.html", trace).toUri() + "#step=15", 1280, 800)) {
            c.send("Emulation.setDeviceMetricsOverride", Map.of("width", 1280, "height", 800, "deviceScaleFactor", 1, "mobile", false));
            c.await("window.traceReady === true", Duration.ofSeconds(30));
            c.await("window.innerWidth === 1280 && window.innerHeight === 800", Duration.ofSeconds(10));
            c.eval("window.dispatchEvent(new Event('resize'))");
            assertEquals("15", c.text("document.getElementById('step-number').textContent"));
            // contexts and stacks inside the 1280×800 viewport, without scrolling
            assertEquals(0, c.eval("window.scrollY").asInt());
            for (String sel : new String[] {".ctx[data-context=\"main context\"]", ".ctx[data-context=\"strand context\"]",
                    ".stack[data-stack=\"main stack\"]", ".stack[data-stack=\"strand stack\"]"}) {
                double[] b = box(c, sel);
                assertTrue(b[0] >= 0 && b[1] >= 0 && b[2] <= 1280 && b[3] <= 800, sel + " at " + java.util.Arrays.toString(b));
            }
            // arrows: from rsp and from each context's rsp slot to the stack slot they point at
            long strandRsp = TraceSetup.STRAND_STACK + TraceSetup.STRAND_STACK_SIZE - 16;
            assertEquals("0x" + Long.toHexString(strandRsp), c.text("document.querySelector('#arrows path[data-from=\"rsp\"]').dataset.to"));
            assertEquals("0x" + Long.toHexString(strandRsp),
                    c.text("document.querySelector('#arrows path[data-from=\"strand context.rsp\"]').dataset.to"));
            assertEquals("0x" + Long.toHexString(TraceSetup.MAIN_RSP),
                    c.text("document.querySelector('#arrows path[data-from=\"main context.rsp\"]').dataset.to"));
            // the arrow ends at the row of that address, in the strand stack
            double[] row = box(c, ".stack[data-stack=\"strand stack\"] tr[data-addr=\"0x" + Long.toHexString(strandRsp) + "\"]");
            var end = c.eval("(() => { const p = document.querySelector('#arrows path[data-from=\"rsp\"]');"
                    + " const l = p.getPointAtLength(p.getTotalLength()); const m = document.querySelector('main').getBoundingClientRect();"
                    + " return [l.x + m.left, l.y + m.top]; })()");
            assertTrue(Math.abs(end.get(1).asDouble() - (row[1] + row[3]) / 2) < 2, "arrow ends at the rsp row: " + end + " vs " + java.util.Arrays.toString(row));
            assertTrue(Math.abs(end.get(0).asDouble() - row[0]) < 4, "arrow ends at the row's left edge: " + end);
            // who runs: inside the switch, main → strand
            assertEquals("running: main → strand (switch 1)", c.text("document.getElementById('running').textContent"));
            c.press("End", 35);
            assertEquals("running: strand", c.text("document.getElementById('running').textContent"));
            assertTrue(c.text("document.getElementById('end').className").contains("ok"));
            c.screenshot(Path.of("target/trace-screenshot-1280x800.png"));
        }
    }

    @Test
    void aBrokenRoutineEndsInARedBoxNamingTheWrongSlot() throws Exception {
        Path browser = chromiumOrSkip();
        Trace trace = defaultTrace(Path.of("asm/variants/broken-mxcsr-not-restored.s"));
        try (Chromium c = new Chromium(browser, page("broken.html", trace).toUri().toString(), 1280, 800)) {
            c.await("window.traceReady === true", Duration.ofSeconds(30));
            c.press("End", 35);
            assertEquals(String.valueOf(trace.steps().size()), c.text("document.getElementById('step-number').textContent"));
            String cls = c.text("document.getElementById('end').className");
            assertTrue(cls.contains("shown") && cls.contains("bad") && !cls.contains("ok"), cls);
            String text = c.text("document.getElementById('end').textContent");
            assertTrue(text.contains("End, but the switch is wrong"), text);
            assertTrue(text.contains("✗ mxcsr = 0x5f80, but should be 0x1f80 = restore.mxcsr"), text);
            assertEquals("rgb(253, 236, 234)", c.text("getComputedStyle(document.getElementById('end')).backgroundColor"));
            // the timeline marks the wrong switch
            assertTrue(c.text("document.querySelector('#timeline button[data-switch=\"1\"]').className").contains("bad"));
        }
    }

    @Test
    void theSwitchTimelineJumpsWithNAndPAndOpensSwitchN() throws Exception {
        Path browser = chromiumOrSkip();
        Trace trace = ScenarioTracer.trace(TestFiles.ROOT, TestFiles.SWITCH, p -> p.toString(), "pingpong",
                new Tracer.Limits(Tracer.DEFAULT_MAX_STEPS * 4, 4, Duration.ofSeconds(60)));
        List<Integer> starts = new java.util.ArrayList<>();
        int seen = 0;
        for (Trace.Step s : trace.steps()) if (s.switchNumber() > seen) { seen = s.switchNumber(); starts.add(s.number()); }
        assertEquals(4, starts.size());
        try (Chromium c = new Chromium(browser, page("timeline.html", trace).toUri() + "#switch=3", 1280, 800)) {
            c.await("window.traceReady === true", Duration.ofSeconds(30));
            assertEquals(String.valueOf(starts.get(2)), c.text("document.getElementById('step-number').textContent"));
            assertEquals("3", c.text("document.getElementById('timeline').dataset.current"));
            c.press("n", 78);
            assertEquals(String.valueOf(starts.get(3)), c.text("document.getElementById('step-number').textContent"));
            c.press("p", 80);
            c.press("p", 80);
            assertEquals(String.valueOf(starts.get(1)), c.text("document.getElementById('step-number').textContent"));
            assertTrue(c.text("document.getElementById('running').textContent").startsWith("running: strand A → main"),
                    c.text("document.getElementById('running').textContent"));
            c.eval("document.querySelector('#timeline button[data-switch=\"1\"]').click()");
            assertEquals(String.valueOf(starts.get(0)), c.text("document.getElementById('step-number').textContent"));
            assertEquals("4", c.eval("document.querySelectorAll('#timeline button').length").asText());
        }
    }

    private static String currentLine(Chromium c) {
        return c.text("document.querySelector('.src-line.current').dataset.line");
    }

    private static String regCell(Chromium c, String reg, String property) {
        return c.text("document.querySelector('#registers td.value[data-reg=\"" + reg + "\"]')." + property);
    }

    private static String slotCell(Chromium c, String context, String slot, String property) {
        return c.text("document.querySelector('.ctx[data-context=\"" + context + "\"] td.value[data-slot=\"" + slot + "\"]')." + property);
    }

    private static String hex(long v) {
        return String.format("0x%016x", v);
    }
}
