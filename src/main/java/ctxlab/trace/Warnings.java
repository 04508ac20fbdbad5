package ctxlab.trace;

import ctxlab.asm.Assembly;
import ctxlab.trace.TraceLayout.Slot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a step inside the switch routine did that a switch must not: write outside the save
 * storage (the stack excepted), write into the restore context, store a register into another
 * register's slot. Shown next to the explanation, so that a broken routine is seen where it
 * goes wrong, not only in the verdict at the end.
 */
final class Warnings {
    private Warnings() {}

    static List<String> of(Recorder.Raw r, Namer names, Assembly assembly, long rspBefore) {
        List<String> out = new ArrayList<>();
        Assembly.Line line = assembly == null ? null : assembly.lineAt(r.address);
        Operands ops = line == null ? null : Operands.parse(line.text()).orElse(null);
        for (Recorder.Access w : r.writes) {
            String name = names.data(w.address(), rspBefore, true);
            String shown = name != null ? name : String.format("0x%x", w.address());
            boolean inSave = names.inBound(w.address(), "save");
            boolean inRestore = names.inBound(w.address(), "restore");
            if (inRestore && !inSave) {
                out.add("writes into the restore context (" + shown + "): the switch should only read it");
                continue;
            }
            if (!inSave) {
                if (names.stack(w.address()).isPresent()) continue; // pushes and frames are the routine's own business
                out.add("writes outside the save context (" + shown + String.format(" at 0x%x", w.address()) + ")");
                continue;
            }
            Optional<Slot> slot = names.slot(w.address());
            String stored = storedRegister(ops);
            if (slot.isPresent() && stored != null && slot.get().register() != null && !stored.equals(slot.get().register())) {
                out.add("stores " + stored + " into the slot of " + slot.get().register() + " (" + shown + ")");
            }
        }
        return out;
    }

    /** The register a store's source operand names (mxcsr for stmxcsr), or null. */
    private static String storedRegister(Operands ops) {
        if (ops == null) return null;
        String m = ops.mnemonic();
        if (m.startsWith("stmxcsr") || m.startsWith("vstmxcsr")) return "mxcsr";
        if (m.startsWith("fnstcw") || m.startsWith("fstcw")) return "fpcw";
        if (m.startsWith("mov") && ops.operands().size() == 2 && ops.source().get() instanceof Operands.Register reg
                && ops.destination().get() instanceof Operands.Memory) {
            return Registers.full(reg.name());
        }
        return null;
    }
}
