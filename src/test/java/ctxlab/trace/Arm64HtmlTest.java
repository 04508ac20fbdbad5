package ctxlab.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.TestFiles;
import ctxlab.asm.Arm64Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code trace --arch arm64 --format html}: the page's content (always), and the page itself in a
 * headless Chromium (skipped without one, outside CI): stepping with the keyboard shows the right
 * line, registers and context slots, from the trace's own values.
 */
class Arm64HtmlTest {
    static final String FILE = "asm/context_arm64.s";

    static Arm64Tracer.Result trace(Assembly a) {
        return Arm64Tracer.trace(a, FILE, "cem_swapcontext", 1000);
    }

    static Assembly assembly(String text) {
        return Arm64Assembler.assemble(new SourceFile(FILE, text), Arm64Tracer.CODE);
    }

    /** The JSON inlined in the page. */
    static JsonNode data(String page) throws Exception {
        String open = "<script type=\"application/json\" id=\"trace-data\">";
        int from = page.indexOf(open) + open.length(), to = page.indexOf("</script>", from);
        return new ObjectMapper().readTree(page.substring(from, to));
    }

    @Test
    void thePageHoldsTheTraceTheSourceAndItsOwnScript() throws Exception {
        String text = Files.readString(TestFiles.ROOT.resolve(FILE));
        Assembly a = assembly(text);
        Arm64Tracer.Result r = trace(a);
        String page = Arm64Html.page(r, a, Map.of(FILE, text));
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("Content-Security-Policy\" content=\"default-src 'none'"), "no fetch allowed");
        assertFalse(page.contains("@DATA@") || page.contains("@JS@") || page.contains("@CSS@"), "every marker filled");
        assertTrue(page.contains("<title>ctxlab trace: cem_swapcontext in asm/context_arm64.s (arm64)</title>"));
        assertTrue(page.contains("function renderContexts"), "the AArch64 script, not the x86-64 one");
        assertFalse(page.contains("mxcsrText"), "not the x86-64 script");
        JsonNode d = data(page);
        assertEquals("arm64", d.get("arch").asText());
        assertEquals(r.steps().size(), d.get("steps").size());
        assertEquals(29, d.get("steps").size());
        assertEquals(text, d.get("sources").get(FILE).asText());
        for (String reg : new String[] {"x0", "x19", "x29", "x30", "sp", "d8", "d15", "fpcr"}) {
            assertTrue(d.get("registerNames").toString().contains("\"" + reg + "\""), reg);
        }
        assertEquals(Arm64Tracer.hex(Arm64Tracer.memorable(19)), d.get("initial").get("x19").asText());
        assertEquals(22, d.get("slots").size());
        // step 1 is the first stp, at its line of the file
        JsonNode s1 = d.get("steps").get(0);
        assertEquals(FILE, s1.get("file").asText());
        assertEquals(a.lines().get(0).where().line(), s1.get("lineNumber").asInt());
        assertEquals("save.x19", s1.get("writes").get(0).get("name").asText());
        // the restore context is what makecontext made: its x30 slot holds the strand's entry
        String restore = d.get("contexts").get(1).get("bytes").asText();
        assertEquals(Long.toHexString(Long.reverseBytes(Arm64Tracer.STRAND_ENTRY)), restore.substring(0x58 * 2, 0x60 * 2).replaceFirst("^0+", ""));
        // a "</script>" in the source cannot end the data early
        String hostile = text + "// </script><script>alert(1)</script>\n";
        String p2 = Arm64Html.page(trace(assembly(hostile)), assembly(hostile), Map.of(FILE, hostile));
        assertEquals(hostile, data(p2).get("sources").get(FILE).asText());
        assertEquals(page.split("</script>", -1).length, p2.split("</script>", -1).length, "no element ends early");
    }

    @Test
    void steppingInChromiumShowsTheLineRegistersAndSlots() throws Exception {
        Path browser = HtmlBrowserTest.chromiumOrSkip();
        String text = Files.readString(TestFiles.ROOT.resolve(FILE));
        Assembly a = assembly(text);
        Arm64Tracer.Result r = trace(a);
        Path page = Path.of("target/trace-test/arm64-trace.html").toAbsolutePath();
        Files.createDirectories(page.getParent());
        Files.writeString(page, Arm64Html.page(r, a, Map.of(FILE, text)));
        try (Chromium c = new Chromium(browser, page.toUri().toString(), 1400, 1000)) {
            c.await("window.traceReady === true", Duration.ofSeconds(30));
            assertEquals("0", c.text("document.getElementById('step-number').textContent"));
            assertEquals("29", c.text("document.getElementById('step-total').textContent"));
            c.press("ArrowRight", 39);
            assertEquals("1", c.text("document.getElementById('step-number').textContent"));
            assertEquals(String.valueOf(a.lines().get(0).where().line()), c.text("document.querySelector('.src-line.current').dataset.line"));
            // step 1: stp x19, x20 into save: both slots written, with main's values
            assertEquals(pad(Arm64Tracer.memorable(19)), slot(c, "save", "x19", "textContent"));
            assertTrue(slot(c, "save", "x19", "className").contains("written"));
            assertTrue(slot(c, "save", "x20", "className").contains("written"));
            assertFalse(slot(c, "save", "x21", "className").contains("written"));
            // the last step: ret to the strand's entry on the strand's stack, x19 the strand's preset
            c.press("End", 35);
            assertEquals("29", c.text("document.getElementById('step-number').textContent"));
            assertTrue(c.text("document.getElementById('end').textContent").contains("arrived at the strand's entry"));
            assertEquals(pad(Arm64Tracer.strandValue(19)), c.text("document.querySelector('#registers td.value[data-reg=\"x19\"]').textContent"));
            assertEquals("the strand's stack", c.text("document.querySelector('.stack.active').dataset.stack"));
            // back one step: teeth for the replay (the x30 slot of save was written at step 6)
            c.press("Home", 36);
            assertEquals(pad(0), slot(c, "save", "x19", "textContent"));
        }
    }

    static String pad(long v) {
        return String.format("0x%016x", v);
    }

    static String slot(Chromium c, String context, String slot, String field) {
        return c.text("document.querySelector('.ctx[data-context=\"" + context + "\"] td.value[data-slot=\"" + slot + "\"]')." + field);
    }
}
