package ctxlab.trace;

import ctxlab.emu.EmulationException;
import ctxlab.emu.Machine;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory as it was at any step, rebuilt after the run: a byte's value before step 1 is the old
 * value seen by the first write to it, or, if nothing wrote it, what memory holds at the end.
 * Replaying the writes step by step then gives the memory after each step, with no snapshot
 * taken during the run.
 */
final class Shadow {
    private final Machine machine;
    private final Map<Long, Byte> initial = new HashMap<>();
    private final Map<Long, Byte> current = new HashMap<>();

    Shadow(Machine machine, List<Recorder.Raw> steps) {
        this.machine = machine;
        for (Recorder.Raw r : steps) {
            for (Recorder.Access w : r.writes) {
                for (int i = 0; i < w.size() && i < 8; i++) {
                    initial.putIfAbsent(w.address() + i, (byte) (w.before() >>> (8 * i)));
                }
            }
        }
    }

    /** The byte before step 1 (0 where unmapped). */
    byte initial(long address) {
        Byte b = initial.get(address);
        if (b != null) return b;
        byte v;
        try {
            v = machine.read(address, 1)[0];
        } catch (EmulationException e) {
            v = 0;
        }
        initial.put(address, v);
        return v;
    }

    byte[] initialBytes(long address, int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) out[i] = initial(address + i);
        return out;
    }

    /** The value now (after the writes applied so far), little-endian. */
    long read(long address, int size) {
        long v = 0;
        for (int i = Math.min(size, 8) - 1; i >= 0; i--) {
            Byte b = current.get(address + i);
            v = (v << 8) | ((b != null ? b : initial(address + i)) & 0xFF);
        }
        return v;
    }

    void apply(Recorder.Access write) {
        for (int i = 0; i < write.size() && i < 8; i++) current.put(write.address() + i, (byte) (write.value() >>> (8 * i)));
    }
}
