package ctxlab.trace;

import static ctxlab.trace.TraceCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ctxlab.TestFiles;
import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import ctxlab.trace.TraceCommandTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A traced strand that reaches a call to an undefined symbol ends there, named, as a normal end. */
class ExternalStopTraceTest {
    static final String BOOST = "asm/conventions/boost-fcontext/ok-jump-fcontext.s";

    /** Boost's file with its real finish path: {@code call _exit@PLT} where ours has hlt; an entry that returns. */
    static String boostWithExit() throws Exception {
        String src = Files.readString(TestFiles.ROOT.resolve(BOOST));
        String hlt = "        hlt                             # Boost calls _exit(0) here";
        assertTrue(src.contains(hlt));
        return src.replace(hlt, "        call    _exit@PLT               # Boost calls _exit(0) here")
                + "\nstrand_fn:\n        ret                             # an entry function that returns\n";
    }

    static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(needle)) return i + 1;
        throw new AssertionError(needle);
    }

    @Test
    void aFreshStrandWhoseEntryReturnsEndsAtExitNotInACrash() throws Exception {
        String src = boostWithExit();
        Assembly a = Assembler.assemble(new SourceFile("boost.s", src), 0x40_0000L);
        long stack = 0x7fe0_0000L;
        TraceSetup.Builder b = new TraceSetup.Builder(a);
        b.code("fcontext_trampoline");
        b.map("strand stack", stack, Machine.PAGE_SIZE, UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE, Region.Kind.STACK);
        // the state jump_fcontext leaves for a fresh context made by make_fcontext: rbx = fn, rbp = finish
        b.register(Reg.RBX, a.address("strand_fn"));
        b.register(Reg.RBP, a.address("fcontext_finish"));
        b.register(Reg.RSP, stack + 0x800);
        TraceSetup setup = b.build("fresh strand", "fcontext_trampoline", a.address("fcontext_trampoline"), null,
                Map.of("boost.s", src));
        Trace t = Tracer.run(setup, Tracer.Limits.defaults());
        int line = lineOf(src, "call    _exit@PLT");
        assertEquals(Trace.Reason.REACHED, t.end().reason(), t.end().message());
        assertEquals("calls _exit@PLT (from boost.s:" + line + ") after 5 steps", t.end().message());
        assertTrue(t.end().reason().ok());
        Trace.Step call = t.steps().getLast();
        assertEquals("call    _exit@PLT", call.source());
        assertTrue(String.join(" ", call.explanation()).contains("_exit@PLT"), call.explanation().toString());
    }

    @Test
    void theConventionTraceWithAnExitInTheMakersFileIsUnchanged(@TempDir Path dir) throws Exception {
        // make_fcontext's file now references _exit: the switch main -> strand -> main still arrives right
        Path f = dir.resolve("boost-exit.s");
        Files.writeString(f, boostWithExit());
        Result r = run("trace", f.toString(), "--convention", "boost-fcontext", "--symbol", "jump_fcontext");
        assertEquals(0, r.exit(), r.err() + r.out());
        assertTrue(r.out().contains("reached main (after its call)"), r.out());
    }
}
