package ctxlab.abi;

import java.util.HashMap;
import java.util.Map;

/**
 * A convention's declarative fresh context ({@link Convention.Layout}) laid out in memory: the
 * storage zeroed, the stack words written from rsp upwards (struct storage) or above the frame
 * (frame storage), the named slots set. One implementation for the verifier and the tracer.
 */
public final class FreshLayout {
    /** Where bytes go (the emulator's memory, a trace's set-up). */
    @FunctionalInterface
    public interface Sink {
        void write(long address, byte[] bytes);
    }

    /**
     * The values a layout's expressions may use.
     *
     * @param top   the fresh stack's end (exclusive)
     * @param entry the entry function's address
     * @param exit  where the entry function would return to
     */
    public record Inputs(long top, long entry, long exit, long arg0, long arg1) {
        Map<String, Long> env() {
            Map<String, Long> env = new HashMap<>();
            env.put("top", top);
            env.put("entry", entry);
            env.put("exit", exit);
            env.put("arg0", arg0);
            env.put("arg1", arg1);
            return env;
        }
    }

    /** @param anchor the resumed rsp (struct storage) or the frame's address; @param handle the context's address */
    public record Placed(long anchor, long handle) {}

    private FreshLayout() {}

    /** The layout's rsp (struct storage) or frame address, before anything is written (for bounds checks). */
    public static long anchor(Convention c, Inputs in) {
        return c.fresh().layout().rsp().eval(in.env());
    }

    /**
     * Writes the fresh context.
     *
     * @param structAt where the struct lies (struct storage; ignored for a frame, which lies at the anchor)
     */
    public static Placed place(Convention c, Sink out, Inputs in, long structAt) {
        Convention.Layout ly = c.fresh().layout();
        boolean frame = c.storage().kind() == Convention.StorageKind.FRAME;
        int size = c.storage().size();
        Map<String, Long> env = in.env();
        long anchor = ly.rsp().eval(env);
        long handle = frame ? anchor : structAt;
        env.put(frame ? "frame" : c.arch().spName(), anchor);
        out.write(handle, new byte[size]);
        long words = frame ? anchor + size : anchor;
        for (int i = 0; i < ly.stack().size(); i++) out.write(words + 8L * i, le(ly.stack().get(i).eval(env), 8));
        for (var e : ly.slots().entrySet()) {
            Convention.Slot s = c.slot(e.getKey()).orElseThrow();
            out.write(handle + s.offset(), le(e.getValue().eval(env), s.width()));
        }
        return new Placed(anchor, handle);
    }

    private static byte[] le(long value, int width) {
        byte[] b = new byte[width];
        for (int i = 0; i < width; i++) b[i] = (byte) (value >>> (8 * i));
        return b;
    }
}
