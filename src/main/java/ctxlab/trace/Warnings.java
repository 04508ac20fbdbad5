package ctxlab.trace;

import ctxlab.asm.Assembly;
import ctxlab.trace.TraceLayout.Slot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a step inside the switch routine did that a switch must not: write outside the save
 * storage (the routine's own red zone, the 128 bytes below the rsp it was entered with, excepted:
 * pushes and spills go there), write into the restore context, store a register into another
 * register's slot. Shown next to the explanation, so that a broken routine is seen where it
 * goes wrong, not only in the verdict at the end.
 */
final class Warnings {
    private Warnings() {}

    /** Bytes below the entry rsp the routine may use as its own (the SysV red zone). */
    static final long RED_ZONE = 128;

    /** Warnings that are about where a write went start with this (the verdict counts them). */
    static final String WRITES = "writes ";

    /** @param entryRsp rsp when the routine was entered, -1 when unknown */
    static List<String> of(Recorder.Raw r, Namer names, Assembly assembly, long rspBefore, long entryRsp) {
        return of(r, names, assembly, rspBefore, entryRsp, null);
    }

    /** @param push [lo, hi) pairs the convention lets the routine write besides its save storage (libco's push, Boost's stack guard), or null */
    static List<String> of(Recorder.Raw r, Namer names, Assembly assembly, long rspBefore, long entryRsp, long[] push) {
        // Cem's words stay as they were; another convention names its storage ("save frame", "save struct")
        String storage = names.layout() instanceof ConventionLayout cl ? cl.word() : "context";
        List<String> out = new ArrayList<>();
        Assembly.Line line = assembly == null ? null : assembly.lineAt(r.address);
        Operands ops = line == null ? null : Operands.parse(line.text()).orElse(null);
        for (Recorder.Access w : r.writes) {
            String name = names.data(w.address(), rspBefore, true);
            String shown = name != null ? name : String.format("0x%x", w.address());
            boolean inSave = names.inBound(w.address(), "save");
            boolean inRestore = names.inBound(w.address(), "restore");
            if (allowed(push, w)) continue;   // the convention's push, its stack guard
            if (inRestore && !inSave) {
                out.add(WRITES + "into the restore " + storage + " (" + shown + "): the switch should only read it");
                continue;
            }
            if (!inSave) {
                long below = entryRsp - w.address();
                if (entryRsp >= 0 && below > 0 && below <= RED_ZONE) continue; // its own pushes and spills
                String why = entryRsp >= 0 && names.stack(w.address()).isPresent()
                        ? (below <= 0 && names.stack(w.address()).equals(names.stack(entryRsp))
                            ? ": the caller's frame (at or above the entry rsp)"
                            : below > RED_ZONE && names.stack(w.address()).equals(names.stack(entryRsp))
                            ? ": below the red zone (more than 128 bytes under the entry rsp)"
                            : ": the other strand's stack")
                        : "";
                out.add(WRITES + "outside the save " + storage + " (" + shown + String.format(" at 0x%x", w.address()) + ")" + why);
                continue;
            }
            Optional<Slot> slot = names.slot(w.address());
            String stored = storedRegister(ops);
            if (names.layout() instanceof ConventionLayout && slot.isPresent() && stored != null && slot.get().register() != null) {
                // a scratch register carrying the right value (libco's rsp through rax) is no mistake:
                // the verdict checks what the slot holds
                int idx = Recorder.index(slot.get().register());
                if (slot.get().register().equals("rsp") || (idx >= 0 && (r.before(idx) & mask(w.size())) == (w.value() & mask(w.size())))) {
                    continue;
                }
            }
            if (slot.isPresent() && stored != null && slot.get().register() != null && !stored.equals(slot.get().register())) {
                out.add("stores " + stored + " into the slot of " + slot.get().register() + " (" + shown + ")");
            }
        }
        return out;
    }

    private static boolean allowed(long[] windows, Recorder.Access w) {
        if (windows == null) return false;
        for (int i = 0; i + 1 < windows.length; i += 2) {
            if (w.address() >= windows[i] && w.address() + w.size() <= windows[i + 1]) return true;
        }
        return false;
    }

    private static long mask(int size) {
        return size >= 8 ? -1L : (1L << (8 * size)) - 1;
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
