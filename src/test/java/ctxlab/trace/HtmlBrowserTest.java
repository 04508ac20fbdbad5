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
