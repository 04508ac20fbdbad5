package ctxlab.trace;

import static ctxlab.trace.TraceCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.trace.TraceCommandTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ctxlab trace --arch arm64} under a convention other than Cem's: the corpus of
 * {@code asm/conventions-arm64/boost-fcontext/} traced with the real engines, main -> a fresh
 * strand made by the file's make_fcontext -> main, both switches judged.
 */
class Arm64ConventionTraceTest {
    private static final String BOOST = "asm/conventions-arm64/boost-fcontext/";
    private static final String OK = BOOST + "ok-jump-fcontext.s";

    @Test
    void everyCorrectRoutineArrivesRightTwiceAndEveryBrokenOneExits1WithACrossOrAFault() throws Exception {
        List<String> wrong = new ArrayList<>();
        int ok = 0, broken = 0;
        try (Stream<Path> files = Files.list(Path.of(BOOST))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".s")).sorted().toList()) {
                Result r = run("trace", "--arch", "arm64", f.toString());
                if (f.getFileName().toString().startsWith("ok-")) {
                    ok++;
                    if (r.exit() != 0 || r.out().contains("✗") || !r.out().contains("verdict: ✓ both switches did what boost-fcontext-arm64 says")
                            || !r.out().contains("write save frame+0x98 lr") || !r.out().contains("switch 2 (strand -> main) arrived:")) {
                        wrong.add(f + ": exit " + r.exit() + " " + r.err());
                    }
                } else {
                    broken++;
                    boolean cross = r.out().contains("✗ ") && r.err().contains("✗ ");
                    boolean fault = r.err().contains("ctxlab: trace failed: ") && r.out().contains("FAULT: ");
                    if (r.exit() != 1 || !(cross || fault) || !r.out().contains("verdict: ✗")) {
                        wrong.add(f + ": a broken routine exits " + r.exit() + " " + r.err());
                    }
                }
            }
        }
        assertEquals(2, ok);
        assertEquals(11, broken);
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void slotsAreNamedWithTheirFrameAndOffsetAndTheVerdictCoversTheArrivalValues() {
        Result r = run("trace", "--arch", "arm64", OK);
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        has(out, "trace of jump_fcontext in " + OK + " (arm64) under boost-fcontext-arm64: main -> a fresh strand (made by make_fcontext) -> main");
        has(out, "storage: a 176-byte frame built at entry sp-0xb0 (its address is the handle): +0x00 d8,");
        has(out, "main's frame 0x7ffd00010f10-0x7ffd00010fc0 (176 bytes): main's stack, built by switch 1 at entry sp-0xb0");
        has(out, "the fresh strand's frame 0x7ffd00020f40-0x7ffd00020ff0 (176 bytes): the strand's stack, made by make_fcontext");
        has(out, "write save frame+0x50 x21      0x2121212121212121");
        has(out, "write save frame+0xa0 pc       0x5e5e00000100");
        has(out, "strand entry stub                movz x1, #0x2   // x1 = data for the switch back (0xda7a000000000002)");
        has(out, "blr x16   // the strand switches back to main with jump_fcontext");
        has(out, "= loads restore frame+0x40 x19 into x19; loads restore frame+0x48 x20 into x20");
        has(out, "✓ pc = 0x5e5e00000200, the fresh strand's entry (restore frame+0xa0 pc)");
        has(out, "✓ pc = 0x5e5e00000100, where main's call returns (restore frame+0xa0 pc)");
        has(run("trace", "--arch", "arm64", BOOST + "ok-pc-via-x16.s").out(), "= loads restore frame+0xa0 pc into x16");
        // switch 1: the fresh strand's values, x0 = from = main's frame, x1 = data
        has(out, "✓ x19 = 0xa019191919191919 from restore frame+0x40 x19");
        has(out, "✓ x0 = 0x7ffd00010f10 = from (the suspended side's frame)");
        has(out, "✓ x1 = 0xda7a000000000001 = data");
        has(out, "✓ sp ≡ 0 (mod 16) at the fresh entry");
        // switch 2: main's own registers back, the strand's frame handed over
        has(out, "✓ x21 = 0x2121212121212121, main's own");
        has(out, "✓ x0 = 0x7ffd00020f40 = from (the suspended side's frame)");
        has(out, "✓ x1 = 0xda7a000000000002 = data");
        has(out, "✓ sp = 0x7ffd00010fc0, main's own");
    }

    @Test
    void aBrokenRoutineNamesTheRegisterAndTheSlot() {
        Result r = run("trace", "--arch", "arm64", BOOST + "broken-x21-not-restored.s");
        assertEquals(1, r.exit());
        has(r.out(), "✗ x21 = 0x2121212121212121, but restore frame+0x50 x21 = 0xa021212121212121");
        has(r.err(), "ctxlab: trace: switch 1 arrived wrong: ✗ x21");
        Result d = run("trace", "--arch", "arm64", BOOST + "broken-data-clobbered.s");
        assertEquals(1, d.exit());
        has(d.out(), "✗ x1 = ");
        has(d.out(), "but the convention hands over data = 0xda7a000000000001");
        Result w = run("trace", "--arch", "arm64", BOOST + "broken-writes-below-frame.s");
        assertEquals(1, w.exit());
        has(w.out(), "✗ memory: 8 bytes stored at 0x7ffd00010f00");
        Result a = run("trace", "--arch", "arm64", BOOST + "broken-make-unaligned-top.s");
        assertEquals(1, a.exit());
        has(a.out(), "✗ sp ≡ 8 (mod 16) at the fresh entry");
        has(run("trace", "--arch", "arm64", BOOST + "broken-from-not-in-x0.s").out(), "(strand entry stub: brk #1   // jump_fcontext returned into the strand");
        Result s = run("trace", "--arch", "arm64", BOOST + "broken-spin-on-pc.s");
        assertEquals(1, s.exit());
        has(s.err(), "runaway: still running after 10000 steps");
    }

    @Test
    void jsonCarriesTheConventionTheFramesAndBothSwitches() throws Exception {
        Result r = run("trace", "--arch", "arm64", OK, "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("arm64", j.get("arch").asText());
        assertEquals("boost-fcontext-arm64", j.get("convention").asText());
        assertEquals("make_fcontext", j.get("madeBy").asText());
        assertEquals("frame", j.get("storage").get("kind").asText());
        assertEquals(3, j.get("frames").size());
        assertEquals("main's frame", j.get("frames").get(0).get("name").asText());
        assertEquals("0x7ffd00010f10", j.get("frames").get(0).get("address").asText());
        assertEquals(176, j.get("frames").get(1).get("size").asInt());
        assertEquals(2, j.get("switches").size());
        assertTrue(j.get("verdict").asBoolean());
        for (JsonNode s : j.get("switches")) {
            assertTrue(s.get("right").asBoolean());
            for (JsonNode c : s.get("checks")) assertTrue(c.get("ok").asBoolean(), c.toString());
        }
        assertEquals("save frame+0x0 d8", j.get("steps").get(1).get("writes").get(0).get("name").asText());

        Result b = run("trace", "--arch", "arm64", BOOST + "broken-x21-not-restored.s", "--format", "json");
        assertEquals(1, b.exit());
        JsonNode jb = new ObjectMapper().readTree(b.out());
        assertFalse(jb.get("verdict").asBoolean());
        assertFalse(jb.get("switches").get(0).get("right").asBoolean());
    }

    @Test
    void theHtmlPageRendersTheFramesAndTheVerdict() throws Exception {
        Result r = run("trace", "--arch", "arm64", OK, "--format", "html");
        assertEquals(0, r.exit(), r.err());
        String page = r.out();
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        has(page, "<title>ctxlab trace: jump_fcontext in " + OK + " (arm64, boost-fcontext-arm64)</title>");
        has(page, "frame-where");       // the script labels each frame with where it lies
        has(page, "data.switches");     // and renders both arrivals
        JsonNode d = Arm64HtmlTest.data(page);
        assertEquals("boost-fcontext-arm64", d.get("convention").asText());
        assertEquals(3, d.get("contexts").size());
        assertEquals("main's frame", d.get("contexts").get(0).get("name").asText());
        assertEquals("the strand's stack, made by make_fcontext", d.get("contexts").get(1).get("where").asText());
        assertEquals(22, d.get("slots").size());
        assertEquals("lr", d.get("slots").get(19).get("name").asText());
        assertEquals(0x98, d.get("slots").get(19).get("offset").asInt());
        // the fresh frame holds what make_fcontext made: pc = the strand's entry
        String fresh = d.get("contexts").get(1).get("bytes").asText();
        assertEquals(Long.toHexString(Long.reverseBytes(Arm64Tracer.STRAND_ENTRY)), fresh.substring(0xa0 * 2, 0xa8 * 2).replaceFirst("^0+", ""));
        has(d.get("layoutNote").asText(), "boost-fcontext-arm64's 176-byte frame");
        assertEquals("→ main's frame", d.get("marks").get("0x7ffd00010f10").asText());
        assertEquals(2, d.get("switches").size());
        has(d.get("start").asText(), "x0 = restore (the fresh strand's frame 0x7ffd00020f40), x1 = data 0xda7a000000000001");
        assertEquals(d.get("steps").size(), r.out().isEmpty() ? 0 : d.get("steps").size());
        assertTrue(d.get("steps").get(0).has("lineNumber"));
    }

    @Test
    void inChromiumTheFramesFillAsTheSwitchStoresAndTheLastStepShowsBothVerdicts() throws Exception {
        Path browser = HtmlBrowserTest.chromiumOrSkip();
        Path page = Path.of("target/trace-test/arm64-convention-trace.html").toAbsolutePath();
        Result r = run("trace", "--arch", "arm64", OK, "--format", "html", "--out", page.toString());
        assertEquals(0, r.exit(), r.err());
        try (Chromium c = new Chromium(browser, page.toUri().toString(), 1400, 1000)) {
            c.await("window.traceReady === true", java.time.Duration.ofSeconds(30));
            String frames = "Array.from(document.querySelectorAll('#contexts .ctx')).map(d => d.dataset.context).join('|')";
            assertEquals("main's frame|the fresh strand's frame|the strand's frame", c.text(frames));
            assertEquals("main's stack, built by switch 1 at entry sp-0xb0",
                    c.text("document.querySelector('#contexts .ctx .frame-where').textContent"));
            String x21 = "document.querySelector('#contexts .ctx[data-context=\"main\\'s frame\"] td.value[data-slot=\"x21\"]')";
            assertEquals("0x0000000000000000", c.text(x21 + ".textContent"));
            c.press("ArrowRight", 39);   // sub sp
            c.press("ArrowRight", 39);   // stp d8, d9
            assertTrue(c.text(x21 + ".className").contains("written") == false);
            for (int i = 0; i < 5; i++) c.press("ArrowRight", 39);   // ... stp x21, x22 (step 7)
            assertEquals("0x2121212121212121", c.text(x21 + ".textContent"));
            assertTrue(c.text(x21 + ".className").contains("written"));
            assertEquals("0", c.text("document.querySelectorAll('#contexts .verdict').length + ''"));
            c.press("End", 35);
            assertEquals("2", c.text("document.querySelectorAll('#contexts .verdict').length + ''"));
            assertEquals("0", c.text("document.querySelectorAll('#contexts .check.wrong').length + ''"));
            assertTrue(c.text("document.querySelector('#contexts .verdict').textContent").contains("✓ x1 = 0xda7a000000000001 = data"));
        }
    }

    @Test
    void conventionsAreChosenAsVerifyChoosesThemAndCemStaysCems(@TempDir Path dir) throws Exception {
        // Cem's arm64 file and its convention named: Cem's own trace, unchanged
        Result cem = run("trace", "--arch", "arm64", "asm/context_arm64.s", "--convention", "cem-arm64");
        Result plain = run("trace", "--arch", "arm64", "asm/context_arm64.s");
        assertEquals(0, plain.exit(), plain.err());
        assertEquals(plain.out(), cem.out());
        has(plain.out(), "main -> a fresh strand made by makecontext");
        // cem-arm64 given as a user's file: the convention trace, from its layout
        Path mine = dir.resolve("my-cem.json");
        Files.writeString(mine, Files.readString(Path.of("src/main/resources/ctxlab/conventions/cem-arm64.json"))
                .replace("\"name\": \"cem-arm64\"", "\"name\": \"my-cem\""));
        Result file = run("trace", "--arch", "arm64", "asm/context_arm64.s", "--convention", mine.toString());
        assertEquals(0, file.exit(), file.err());
        has(file.out(), "under my-cem: main -> a fresh strand (made by the convention's layout) -> main");
        has(file.out(), "write save struct+0x0 x19");
        has(file.out(), "verdict: ✓ both switches did what my-cem says");
        // a routine that never switches FPCR (the 168-byte layout): its FPCR slot is not judged, as
        // verify and Cem's own trace have it; a routine that loses FPCR still fails
        Result noFpcr = run("trace", "--arch", "arm64", "asm/variants-arm64/ok-no-fpcr-168-bytes.s", "--convention", mine.toString());
        assertEquals(0, noFpcr.exit(), noFpcr.out() + noFpcr.err());
        Result lost = run("trace", "--arch", "arm64", "asm/variants-arm64/broken-fpcr-not-saved.s", "--convention", mine.toString());
        assertEquals(1, lost.exit(), lost.out() + lost.err());
        // auto picks boost-fcontext-arm64 for jump_fcontext
        Result auto = run("trace", "--arch", "arm64", OK, "--convention", "auto");
        assertEquals(0, auto.exit(), auto.err());
        has(auto.out(), "under boost-fcontext-arm64");
        // --maker from another file
        Result maker = run("trace", "--arch", "arm64", BOOST + "ok-pc-via-x16.s", "--maker", OK + ":make_fcontext");
        assertEquals(0, maker.exit(), maker.err());
        has(maker.out(), "(made by make_fcontext)");
    }

    @Test
    void badInputIsOneLineAndExit2() {
        Result x86 = run("trace", "--arch", "arm64", OK, "--convention", "boost-fcontext");
        assertEquals(2, x86.exit());
        has(x86.err(), "is an arm64 routine, but --convention boost-fcontext names boost-fcontext, an x86-64 convention");
        assertEquals(1, x86.err().strip().lines().count(), x86.err());
        Result unknown = run("trace", "--arch", "arm64", OK, "--convention", "nope");
        assertEquals(2, unknown.exit());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        Result noMaker = run("trace", "--arch", "arm64", "asm/context_arm64.s", "--convention", "boost-fcontext-arm64");
        assertEquals(2, noMaker.exit());
        has(noMaker.err(), "make_fcontext, which cem_swapcontext's file does not define; give one with --maker FILE:SYMBOL");
    }

    private static void has(String text, String part) {
        assertTrue(text.contains(part), () -> "missing: " + part + "\n--- in:\n" + text);
    }
}
