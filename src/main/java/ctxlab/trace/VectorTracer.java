package ctxlab.trace;

import ctxlab.asm.Assembly;
import ctxlab.emu.Reg;
import ctxlab.vectors.Corpus;
import ctxlab.vectors.Expr;
import ctxlab.vectors.FaultKind;
import ctxlab.vectors.Linked;
import ctxlab.vectors.UnicornRunner;
import ctxlab.vectors.Vector;
import ctxlab.vectors.VectorException;
import ctxlab.vectors.VectorParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Traces a test vector: the vector's own memory, protections, registers and stop address, set up
 * as {@link UnicornRunner} does it, but run by the {@link Tracer}. Regions keep the vector's names
 * (a declared context is named by its region, {@code block+0x40} when not at the base), so steps
 * read {@code save.r13}, {@code block+0x40.rsp}, {@code stack_a [rsp+8]}.
 */
public final class VectorTracer {
    /** Stands for "no stop address" (as in the runner): rip never holds a non-canonical address. */
    static final long NO_STOP = 0x8000_0000_0000_0000L;

    private VectorTracer() {}

    /**
     * Reads, links, traces and judges one vector file.
     *
     * @param maxSteps the trace's budget; the vector's {@code call.budget} applies when it is lower
     * @throws VectorException (exit 2) for a malformed vector, naming the file and JSON path
     */
    public static Trace trace(Path root, Path file, long maxSteps, java.time.Duration timeout) {
        Vector v = VectorParser.read(file, Corpus.display(file), String.valueOf(file.getFileName() == null ? file : file.getFileName()));
        Linked l = new UnicornRunner(root).link(v);
        Trace t = Tracer.run(setup(l, sources(root, v)),
                new Tracer.Limits(Math.min(maxSteps, l.budget()), -1, timeout));
        return new Trace(t.title(), t.routine(), t.regions(), t.registerNames(), t.initialRegisters(), t.windows(),
                t.steps(), verdict(t, l), t.sources(), t.symbols(), t.arrivals());
    }

    /** The vector's code files by the names the assembly gives them, for the source views. */
    static Map<String, String> sources(Path root, Vector v) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> files = new ArrayList<>(List.of(v.source()));
        files.addAll(v.asm());
        for (String f : files) {
            try {
                out.put(f, Files.readString(root.resolve(f).normalize()));
            } catch (IOException e) {
                // link() has read it already; without the text the statement alone is shown
            }
        }
        return out;
    }

    /** A linked vector as a trace setup. */
    public static TraceSetup setup(Linked l, Map<String, String> sources) {
        Vector v = l.vector();
        Assembly a = l.assembly();
        TraceSetup.Builder b = new TraceSetup.Builder(a);
        b.code(null);
        // A region is called a stack when rsp points into it at entry or a declared context's
        // saved rsp does: that is where the stack view and "rsp now points into …" look.
        List<Long> rsps = new ArrayList<>(List.of(l.registers().get(Reg.RSP)));
        for (Linked.Image i : l.images()) {
            for (long off : i.region().contexts()) {
                Long saved = l.qword(i.base() + off + CemLayout.INSTANCE.stackPointerOffset());
                if (saved != null) rsps.add(saved);
            }
        }
        for (Linked.Image i : l.images()) {
            Vector.Region r = i.region();
            boolean stack = rsps.stream().anyMatch(p -> Long.compareUnsigned(p - r.base(), r.size()) < 0);
            b.map(r.name(), r.base(), r.size(), r.prot(), stack ? Region.Kind.STACK : Region.Kind.DATA);
            b.poke(r.base(), i.bytes());
            for (long off : r.contexts()) {
                b.region(off == 0 ? r.name() : r.name() + "+0x" + Long.toHexString(off), r.base() + off,
                        CemLayout.INSTANCE.size(), Region.Kind.CONTEXT);
            }
        }
        long until = l.until() == null ? NO_STOP : l.until();
        if (l.until() != null) {
            Namer code = new Namer(a, List.of(), Map.of());
            b.label(until, code.isExactCode(until) ? code.code(until) : "the vector's stop address");
        }
        b.until(until);
        l.registers().forEach(b::register);
        List<String> args = v.call().args().stream().map(Expr::text).toList();
        return b.build("vector " + v.name() + ": " + v.calledSymbol() + "(" + String.join(", ", args) + ")",
                v.calledSymbol(), l.entry(), v.symbol(), sources);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The trace's end, with what the vector expects said next to it. */
    static Trace.End verdict(Trace t, Linked l) {
        Trace.End e = t.end();
        Linked.Expected x = l.expect();
        if (x == null) return e;
        String note;
        boolean expectedFault = false;
        if (x.fault() == null) {
            boolean same = e.reason() == Trace.Reason.REACHED
                    && (x.instructions() == null || x.instructions() == t.steps().size());
            note = same ? "as this vector expects"
                    : "this vector expects a normal stop" + (x.instructions() == null ? "" : " after " + x.instructions() + " steps");
        } else {
            boolean budget = x.fault() == FaultKind.BUDGET_EXHAUSTED;
            boolean same = e.reason() == (budget ? Trace.Reason.BUDGET : Trace.Reason.FAULT)
                    && (budget || x.faultPc() == null || x.faultPc() == e.address());
            String expected = x.fault().label + (x.faultAddress() == null ? "" : " at " + hex(x.faultAddress()))
                    + (x.faultPc() == null || budget ? "" : ", pc " + hex(x.faultPc()));
            note = same ? "ended with the fault this vector expects (" + expected + ")"
                    : "this vector expects " + expected;
            expectedFault = same;
        }
        return new Trace.End(e.reason(), e.message() + "; " + note, e.address(), e.where(), expectedFault);
    }
}
