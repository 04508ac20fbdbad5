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
 * {@code ctxlab trace} under the conventions other than Cem's (issue 10 item 4, issue 14 item 9):
 * the corpus of {@code asm/conventions/} traced with the real engines, main -> fresh strand -> main.
 */
class ConventionTraceTest {
    private static final String BOOST = "asm/conventions/boost-fcontext/", ACO = "asm/conventions/libaco/",
            CO = "asm/conventions/libco/", MCO = "asm/conventions/minicoro/";

    @Test
    void everyCorrectRoutineArrivesRightTwiceAndEveryBrokenOneExits1() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (String dir : List.of(BOOST, ACO, CO, MCO)) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".s")).sorted().toList()) {
                    Result r = run("trace", f.toString(), "--format", "json");
                    boolean ok = f.getFileName().toString().startsWith("ok-");
                    if (ok) {
                        JsonNode j = new ObjectMapper().readTree(r.out());
                        if (r.exit() != 0 || j.get("switches").size() != 2 || !j.get("end").get("verdict").asBoolean()
                                || !"reached".equals(j.get("end").get("reason").asText())) {
                            wrong.add(f + ": exit " + r.exit() + " " + r.err());
                        }
                    } else if (r.exit() != 1) {
                        wrong.add(f + ": a broken routine exits " + r.exit() + " " + r.err());
                    }
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void boostSlotsAreNamedByTheFrameAndTheVerdictCoversArrivalValues() {
        Result r = run("trace", BOOST + "ok-jump-fcontext.s");
        assertEquals(0, r.exit(), r.err());
        for (String line : r.out().split("\n")) assertTrue(line.length() <= TextFormat.WIDTH, line);
        String out = r.out();
        has(out, "convention boost-fcontext (Boost.Context");
        has(out, "jump_fcontext begins (boost-fcontext): save = main frame (built at entry rsp-0x40 = 0x7ff0ff98),"
                + " restore = rdi = strand frame (0x7fe03fb8), data = rsi = 0xda7a000000000001");
        has(out, "» stores r12 into save frame+0x10 r12");
        has(out, "» loads restore frame+0x40 rip into r8");
        has(out, "» copies rdi into rsp; rsp = 0x7fe03fb8 points into strand stack");
        // the frame on the stack: each word labelled by the frame's slot
        has(out, "0x7ff0ffa8   rsp+16  0x3333333333333333  main frame+0x10 r12");
        has(out, "main frame+0x40 rip; main (after its call)");
        // the verdict: the frame's slots, rsp at the frame's end, rip from the rip slot, rax/rdx handed over
        has(out, "✓ r13 = 0xdddddddddddddddd, as restore frame+0x18 r13");
        has(out, "✓ fpcw = 0x37f, as restore frame+0x4 x87cw");
        has(out, "✓ rsp = 0x7fe04000, as the end of the restore frame (0x7fe03fb8 + 0x48)");
        has(out, "✓ rax = 0x7ff0ff98, as the suspended side's handle, the save frame at 0x7ff0ff98 (arrival value)");
        has(out, "✓ rdx = 0xda7a000000000001, as the data word (rsi at entry) (arrival value)");
        has(out, "✓ save frame+0x40 rip = 0x500010 = the return address at [rsp] at entry");
        has(out, "✓ the fresh strand's entry (step 27) starts with rsp = 0x7fe03ff8 = 8 (mod 16), as after a call");
        has(out, "══ switch 2: strand frame → main frame");
        assertFalse(out.contains("⚠"), out);
    }

    /** The text with every run of white space as one space: a sentence may be word-wrapped anywhere. */
    private static String flat(String text) {
        return text.replaceAll("\\s+", " ");
    }

    private static void has(String text, String expected) {
        assertTrue(flat(text).contains(flat(expected)), "missing: " + expected + "\n" + text);
    }

    @Test
    void brokenBoostRoutinesGetTheirCrossOnTheRightSlot() {
        Result r13 = run("trace", BOOST + "broken-r13-not-restored.s");
        assertEquals(1, r13.exit());
        has(r13.err(), "switch 1 arrived wrong: ✗ r13 = 0x4444444444444444, but should be 0xdddddddddddddddd"
                + " = restore frame+0x18 r13: no instruction of the switch changed it");
        Result rbx = run("trace", BOOST + "broken-rbx-not-saved.s");
        assertEquals(1, rbx.exit());
        has(rbx.err(), "✗ save frame+0x30 rbx = 0x0, but should be 0x1111111111111111 = rbx at entry");
        Result data = run("trace", BOOST + "broken-data-not-in-rdx.s");
        assertEquals(1, data.exit());
        assertTrue(data.err().contains("✗ rdx = 0x8888888888888888, but should be 0xda7a000000000001 = the data word (rsi at entry)"),
                data.err());
        Result caller = run("trace", BOOST + "broken-returns-to-own-caller.s");
        assertEquals(1, caller.exit());
        has(caller.err(), "✗ rip = 0x500010, but should be ");
        has(caller.err(), "= restore frame+0x40 rip: step 24 (broken-returns-to-own-caller.s:");
        Result guard = run("trace", BOOST + "broken-guard-in-caller-frame.s");
        assertEquals(1, guard.exit());
        has(guard.err(), "✗ writes stay in the save frame, the 128 bytes below the entry rsp, but step 10 writes"
                + " outside the save frame");
        Result make = run("trace", BOOST + "broken-make-frame-0x50.s");
        assertEquals(1, make.exit());
        has(make.err(), "✗ the fresh strand's entry (step 27) starts with rsp = 0x7fe03ff0 = 0 (mod 16), but a called"
                + " function expects 8 (mod 16)");
        // the TLS stack guard, where the routine keeps it (%fs:0x28 in a thread block, main's and the strand's differ)
        Result tls = run("trace", BOOST + "ok-tls-guard.s");
        assertEquals(0, tls.exit(), tls.err());
        has(tls.out(), "✓ the stack guard %fs:0x28 = 0x9a4d9a4d9a4d2222, as restore frame+0x8 guard");
        has(tls.out(), "✓ save frame+0x8 guard = 0x9a4d9a4d9a4d1111 = the stack guard %fs:0x28 at entry");
        Result guardKept = run("trace", BOOST + "broken-tls-guard-not-restored.s");
        assertEquals(1, guardKept.exit());
        has(guardKept.err(), "✗ the stack guard %fs:0x28 = 0x9a4d9a4d9a4d1111, but should be 0x9a4d9a4d9a4d2222 = restore frame+0x8 guard");
        Result makerStray = run("trace", BOOST + "broken-make-guard-in-caller-frame.s");
        assertEquals(1, makerStray.exit());
        has(makerStray.err(), "✗ the maker make_fcontext wrote 8 bytes at 0x7fd03f00, outside the fresh stack and context (in its caller's"
                + " frame): asm/conventions/boost-fcontext/broken-make-guard-in-caller-frame.s:105");
        Result spin = run("trace", BOOST + "broken-spin-on-guard.s");   // the guard is not conveniently zero
        assertEquals(1, spin.exit());
        has(spin.err(), "instruction budget of 10000 steps exhausted");
    }

    @Test
    void structConventionsNameTheirSlotsAndCatchTheirBugs() {
        Result aco = run("trace", ACO + "ok-acosw.s");
        assertEquals(0, aco.exit(), aco.err());
        has(aco.out(), "» stores rdx into save struct+0x20 retaddr");
        has(aco.out(), "✓ rip = 0x500100: restore struct+0x20 retaddr");
        has(aco.out(), "✓ save struct+0x28 rsp = 0x7ff0ffe0 = rsp at entry + 8");
        Result popped = run("trace", ACO + "broken-rsp-not-popped.s");
        assertEquals(1, popped.exit());
        assertTrue(popped.err().contains("✗ save struct+0x28 rsp = 0x7ff0ffd8, but should be 0x7ff0ffe0 = rsp at entry + 8: step"),
                popped.err());

        Result co = run("trace", CO + "ok-coctx-swap.s");
        assertEquals(0, co.exit(), co.err());
        has(co.out(), "restore struct+0x48 ret");
        has(co.out(), "✓ rip = 0x500100: restore struct+0x48 ret");
        has(co.out(), "✓ rax = 0x0, as the convention's 0x0 (arrival value)");
        has(co.out(), "✓ rsi = 0xa1a1a1a1a1a1a1a1, as restore struct+0x40 rsi");
        assertFalse(co.out().contains("⚠"), "libco's push of the resume address is the convention's, no warning: " + co.out());
        Result rdx = run("trace", CO + "broken-rdx-not-restored.s");
        assertEquals(1, rdx.exit());
        has(rdx.err(), "✗ rdx = 0x8888888888888888, but should be 0xd0d0d0d0d0d0d0d = restore struct+0x50 rdx");

        Result mco = run("trace", MCO + "ok-mco-switch.s");
        assertEquals(0, mco.exit(), mco.err());
        has(mco.out(), "✓ rip = 0x500100: restore struct+0x0 rip");
        // switch 2 resumes main on the routine's own ret, which pops main's return address
        has(mco.out(), "✓ rip = 0x500010: the return address at [restore struct+0x8 rsp], popped by the routine's own"
                + " ret at restore struct+0x0 rip");
        Result rbp = run("trace", MCO + "broken-rbp-from-rbx-slot.s");
        assertEquals(1, rbp.exit());
        assertTrue(rbp.err().contains("✗ rbp = 0xaaaaaaaaaaaaaaaa, but should be 0xbbbbbbbbbbbbbbbb = restore struct+0x10 rbp: step"),
                rbp.err());
    }

    @Test
    void libcosArrivalValueHasTeeth(@TempDir Path dir) throws Exception {
        String ok = Files.readString(Path.of(CO + "ok-coctx-swap.s"));
        String broken = ok.replace("        xorq    %rax, %rax              # rax = 0 on arrival\n", "");
        assertFalse(broken.equals(ok));
        Path f = dir.resolve("no-xor.s");
        Files.writeString(f, broken);
        Result r = run("trace", f.toString());
        assertEquals(1, r.exit(), r.out());
        // rax still holds main's return address, loaded to save it
        has(r.err(), "✗ rax = 0x500010, but should be 0x0 = the convention's 0x0 (arrival value): step 6");
    }

    @Test
    void jsonCarriesTheConventionAndBoostsFramesOnTheStack() throws Exception {
        Result r = run("trace", BOOST + "ok-jump-fcontext.s", "--format", "json");
        assertEquals(0, r.exit(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals("boost-fcontext", j.get("layout").get("name").asText());
        assertEquals("frame", j.get("convention").get("storage").asText());
        assertEquals(-64, j.get("convention").get("frameAt").asInt());
        JsonNode main = null;
        for (JsonNode f : j.get("frames")) if (f.get("name").asText().equals("main frame")) main = f;
        assertTrue(main != null, j.get("frames").toString());
        assertEquals("0x7ff0ff98", main.get("base").asText());   // main's rsp at the call - 0x40
        assertEquals(1, main.get("from").asInt());                // built by switch 1
        assertEquals(54, main.get("to").asInt());                 // resumed by switch 2, the last step
        JsonNode rip = main.get("slots").get(9);
        assertEquals("main frame+0x40 rip", rip.get("name").asText());
        assertEquals("0x7ff0ffd8", rip.get("address").asText()); // main's return address, where its call put it
        // every step's stack view labels the frame's words
        JsonNode first = j.get("steps").get(0).get("stack");
        boolean labelled = false;
        for (JsonNode s : first.get("slots")) labelled |= s.get("note") != null && s.get("note").asText().startsWith("main frame+0x0 mxcsr");
        assertTrue(labelled, first.toString());
        JsonNode checks = j.get("switches").get(0).get("checks");
        boolean ripSlot = false;
        for (JsonNode c : checks) ripSlot |= c.get("name").asText().equals("save frame+0x40 rip") && c.get("ok").asBoolean();
        assertTrue(ripSlot, checks.toString());
    }

    @Test
    void htmlPageEmbedsTheFramesItDrawsOnTheStacks() {
        Result r = run("trace", BOOST + "ok-jump-fcontext.s", "--format", "html");
        assertEquals(0, r.exit(), r.err());
        String page = r.out();
        assertTrue(page.contains("\"frames\":[{\"name\":\"strand frame\""), "the page's data has the frames");
        assertTrue(page.contains("\"name\":\"main frame+0x40 rip\""), "with their slots");
        assertTrue(page.contains("frames on the stacks"), "the contexts panel explains where a frame convention keeps them");
        assertTrue(page.contains("tr.dataset.frame"), "stack rows carry the frame slot they hold");
    }

    @Test
    void boostsFramesAreDrawnOnTheStacksInTheBrowser(@TempDir Path dir) throws Exception {
        Path browser = HtmlBrowserTest.chromiumOrSkip();
        Path ok = dir.resolve("boost.html"), bad = dir.resolve("boost-r13.html");
        assertEquals(0, run("trace", BOOST + "ok-jump-fcontext.s", "--format", "html", "--out", ok.toString()).exit());
        assertEquals(1, run("trace", BOOST + "broken-r13-not-restored.s", "--format", "html", "--out", bad.toString()).exit());
        try (Chromium c = new Chromium(browser, ok.toUri() + "#step=12", 1280, 800)) {
            c.await("window.traceReady === true", java.time.Duration.ofSeconds(30));
            assertEquals("12", c.text("document.getElementById('step-number').textContent"));
            // main's frame, built by switch 1 below main's return address: each word named by its slot
            String row = "document.querySelector('.stack[data-stack=\"main stack\"] tr[data-addr=\"0x7ff0ffd8\"]')";
            assertEquals("main frame+0x40 rip", c.text(row + ".dataset.frame"));
            assertTrue(c.text(row + ".className").contains("frame"));
            assertTrue(c.text(row + ".textContent").contains("0x0000000000500010"), c.text(row + ".textContent"));
            String mx = "document.querySelector('.stack[data-stack=\"main stack\"] tr[data-addr=\"0x7ff0ff98\"]').dataset.frame";
            assertEquals("main frame+0x0 mxcsr, main frame+0x4 x87cw", c.text(mx));
            // the strand's frame, which switch 1 is reading, is on the strand's stack
            assertEquals("strand frame+0x40 rip", c.text("document.querySelector('.stack[data-stack=\"strand stack\"]"
                    + " tr[data-addr=\"0x7fe03ff8\"]').dataset.frame"));
            assertTrue(c.text("document.getElementById('contexts').textContent").contains("boost-fcontext: frames on the stacks"));
            c.press("End", 35);
            assertTrue(c.text("document.getElementById('end').className").contains("ok"));
        }
        try (Chromium c = new Chromium(browser, bad.toUri() + "#step=52", 1280, 800)) {
            c.await("window.traceReady === true", java.time.Duration.ofSeconds(30));
            String cls = c.text("document.getElementById('end').className");
            assertTrue(cls.contains("bad") && !cls.contains("ok"), cls);
            assertTrue(c.text("document.getElementById('end').textContent").contains("✗ switch 1: r13 = 0x4444444444444444, but should be"
                    + " 0xdddddddddddddddd = restore frame+0x18 r13"),
                    c.text("document.getElementById('end').textContent"));
        }
    }

    @Test
    void conventionSelection(@TempDir Path dir) throws Exception {
        // explicit, by the file's "# convention:" line (above), by symbol, auto, and a user's own file
        Result auto = run("trace", ACO + "ok-acosw.s", "--convention", "auto");
        assertEquals(0, auto.exit(), auto.err());
        has(auto.out(), "under libaco");
        Result wrong = run("trace", ACO + "ok-acosw.s", "--convention", "minicoro", "--symbol", "acosw");
        assertEquals(1, wrong.exit(), "acosw is not minicoro's switch: " + wrong.err());
        Result unknown = run("trace", ACO + "ok-acosw.s", "--convention", "nosuch");
        assertEquals(2, unknown.exit());
        has(unknown.err(), "no such convention");
        Result cemOnBoost = run("trace", BOOST + "ok-jump-fcontext.s", "--convention", "cem");
        assertEquals(2, cemOnBoost.exit());
        has(cemOnBoost.err(), "no symbol 'cem_swapcontext'");
        Result scenario = run("trace", "--scenario", "simple", "--convention", "libco");
        assertEquals(2, scenario.exit());
        // Cem named explicitly is Cem's own trace, byte for byte
        assertEquals(run("trace").out(), run("trace", "--convention", "cem").out());
        // a user's convention file: Boost's contract under another name, no Java change
        Path own = dir.resolve("my-fcontext.json");
        String json = new String(getClass().getClassLoader().getResourceAsStream("ctxlab/conventions/boost-fcontext.json").readAllBytes())
                .replace("\"name\": \"boost-fcontext\"", "\"name\": \"my-fcontext\"")
                .replace("\"$schema\": \"convention.schema.json\",", "");
        Files.writeString(own, json);
        Result mine = run("trace", BOOST + "ok-jump-fcontext.s", "--convention", own.toString());
        assertEquals(0, mine.exit(), mine.err());
        has(mine.out(), "under my-fcontext");
        has(mine.out(), "save frame+0x40 rip");
    }

    @Test
    void makerFromAnotherFile(@TempDir Path dir) throws Exception {
        // the switch alone in one file, make_fcontext (with its trampoline) in another
        String all = Files.readString(Path.of(BOOST + "ok-jump-fcontext.s"));
        int make = all.indexOf("        .align  16, 0xcc                # int3 padding between routines\n        .globl  make_fcontext");
        assertTrue(make > 0);
        Path sw = dir.resolve("switch.s"), mk = dir.resolve("maker.s");
        Files.writeString(sw, all.substring(0, make).replace("# convention: boost-fcontext", ""));
        Files.writeString(mk, all.substring(make));
        Result without = run("trace", sw.toString(), "--convention", "boost-fcontext");
        assertEquals(2, without.exit());
        has(without.err(), "give one with --maker FILE:SYMBOL");
        Result with = run("trace", sw.toString(), "--convention", "boost-fcontext", "--maker", mk + ":make_fcontext");
        assertEquals(0, with.exit(), with.err());
        has(with.out(), "made by make_fcontext");
    }
}
