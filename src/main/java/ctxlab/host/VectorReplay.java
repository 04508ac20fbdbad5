package ctxlab.host;

import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import ctxlab.vectors.Linked;
import ctxlab.vectors.Linked.Image;
import ctxlab.vectors.Observed;
import ctxlab.vectors.Vector;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One test vector replayed on the host CPU through {@link HostHarness}, and compared with its
 * Unicorn run bit for bit ({@code ctxlab vectors --host}). The vector must be linked against the
 * very assembly the host runs (same bytes, same base), so every code address in its registers and
 * memory is the same in both runs.
 *
 * <p>The stop address: Unicorn stops when rip reaches it; natively, the qword the vector reads it
 * from ([rsp] for a return, [restore.rsp] for a switch) holds the harness's landing instead, and
 * is put back to the stop address before comparing. Registers holding the landing are read as the
 * stop address too, and rip is the stop address when the landing was reached.
 *
 * <p>What is compared with Unicorn: all 16 general registers, rip, every byte of every region,
 * the x87 control word, and
 * <ul>
 *   <li>rflags: CF PF AF ZF SF DF OF ({@link #FLAGS_COMPARED}). These are what the code under test
 *   can set; the rest are the operating system's (IF is always 1 in user mode, TF/AC/ID/IOPL are
 *   not the routine's to change) and the harness does not load them. The host's rflags are
 *   therefore those 7 bits as the CPU left them and the other bits as the vector gave them, and
 *   the vector's expect block is compared with that value
 *   ({@code registers/rflags-untouched} gives IF clear, which user code never sees).</li>
 *   <li>MXCSR: every bit when only the switch routine runs (no {@code asm} files: it does no
 *   arithmetic, so the status flags are just what it loaded); otherwise the control bits only — a
 *   real CPU sets status flags (PE on an inexact conversion) that Unicorn 2.0 does not, and the
 *   psABI makes them caller-saved.</li>
 * </ul>
 */
public final class VectorReplay {
    public static final long FLAGS_COMPARED = HostHarness.RFLAGS_LOADED;
    public static final long MXCSR_CONTROL = ~0x3FL & 0xFFFF_FFFFL;
    static final String UNSAFE = "expects a fault: unsafe on hardware";

    private VectorReplay() {}

    /** Why the vector is not replayed natively, or null when it is. */
    public static String skipReason(Linked l) {
        if (l.vector().expect() == null) return "no expect block";
        if (!l.vector().hardwareSafe()) return UNSAFE;
        if (landingSlot(l) == null) return "its stop address is not read from its memory: nowhere to put the harness's landing";
        return null;
    }

    /** Where the vector's memory holds its stop address (the qword the final ret reads), or null. */
    static Long landingSlot(Linked l) {
        if (l.until() == null) return null;
        Long slot = switch (l.vector().until()) {
            case Vector.Until.Return r -> l.registers().get(Reg.RSP);
            case Vector.Until.Resume r -> l.resumeCell();
            case Vector.Until.At at -> find(l, l.until());
            case Vector.Until.None n -> null;
        };
        if (slot == null || l.imageAt(slot, 8) == null || l.qword(slot) != l.until().longValue()) return null;
        return slot;
    }

    private static Long find(Linked l, long value) {
        for (Image i : l.images()) {
            for (long a = i.base(); a + 8 <= i.region().end(); a += 8) if (i.readLong(a) == value) return a;
        }
        return null;
    }

    /** Whether every MXCSR bit is compared: only the switch routine runs (see the class comment). */
    public static boolean allMxcsrBits(Linked l) {
        return l.vector().asm().isEmpty();
    }

    /** Replays the vector natively. Only for a vector {@link #skipReason} accepts, and only in the child. */
    public static Observed host(Linked l, HostCode code) {
        long slot = landingSlot(l);
        long until = l.until();
        try (HostHarness h = new HostHarness(code)) {
            long landing = h.landing();
            Map<String, MemorySegment> segments = new LinkedHashMap<>();
            for (Image i : l.images()) {
                MemorySegment m = h.mapAt(i.base(), i.region().size());
                MemorySegment.copy(i.bytes(), 0, m, ValueLayout.JAVA_BYTE, 0, i.bytes().length);
                segments.put(i.region().name(), m);
            }
            Image holder = l.imageAt(slot, 8);
            segments.get(holder.region().name()).set(ValueLayout.JAVA_LONG_UNALIGNED, slot - holder.base(), landing);
            int rw = UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE;
            for (Image i : l.images()) if (i.region().prot() != rw) h.protect(i.base(), i.region().size(), i.region().prot());

            long[] g = new long[16];
            for (int k = 0; k < 16; k++) g[k] = l.registers().get(HostHarness.GPRS.get(k));
            HostHarness.Registers out = h.run(l.entry(), new HostHarness.Registers(g, (int) (long) l.registers().get(Reg.MXCSR),
                    (int) (long) l.registers().get(Reg.FPCW), l.registers().get(Reg.RFLAGS)));

            Map<String, byte[]> memory = new LinkedHashMap<>();
            for (Image i : l.images()) {
                if (i.region().prot() != rw) h.protect(i.base(), i.region().size(), UcConst.UC_PROT_READ);
                byte[] b = segments.get(i.region().name()).toArray(ValueLayout.JAVA_BYTE);
                // The landing back to the stop address wherever it is now: in its slot, and in any
                // copy the routine made of it (libco pushes the resume address on the target's
                // stack; a switch to itself saves its own return address into its storage).
                MemorySegment s = MemorySegment.ofArray(b);
                for (int k = 0; k + 8 <= b.length; k++) {
                    if (s.get(ValueLayout.JAVA_LONG_UNALIGNED, k) == landing) s.set(ValueLayout.JAVA_LONG_UNALIGNED, k, until);
                }
                memory.put(i.region().name(), b);
            }
            Map<Reg, Long> regs = new EnumMap<>(Reg.class);
            long[] og = out.gprs();
            for (int k = 0; k < 16; k++) regs.put(HostHarness.GPRS.get(k), og[k] == landing ? until : og[k]);
            regs.put(Reg.RIP, until);
            // The status flags and DF as the CPU left them; the system bits as the vector gave them:
            // the harness cannot load them (IF is always 1 in user mode) and the routine cannot change them.
            long given = l.registers().get(Reg.RFLAGS);
            regs.put(Reg.RFLAGS, (out.rflags() & FLAGS_COMPARED) | (given & ~FLAGS_COMPARED));
            regs.put(Reg.MXCSR, out.mxcsr() & 0xFFFF_FFFFL);
            regs.put(Reg.FPCW, (long) out.fpcw());
            return new Observed(regs, memory, -1, null, 0, 0, null);
        }
    }

    /** Unicorn's run against the host's, one line per difference: {@code r13: expected 0x… (unicorn), got 0x… (host)}. */
    public static List<String> differences(Linked l, Observed unicorn, Observed host) {
        List<String> d = new ArrayList<>();
        if (unicorn.fault() != null) {
            d.add(String.format("stop: expected %s at 0x%x (unicorn), got a stop at the landing (host)", unicorn.fault().label,
                    unicorn.faultAddress()));
        }
        for (Reg r : Vector.AFTER) {
            long mask = switch (r) {
                case RFLAGS -> FLAGS_COMPARED;
                case MXCSR -> allMxcsrBits(l) ? -1L : MXCSR_CONTROL;
                default -> -1L;
            };
            long u = unicorn.registers().get(r) & mask, h = host.registers().get(r) & mask;
            if (u != h) {
                String what = mask == -1L ? "" : String.format(" (bits 0x%x)", mask);
                d.add(String.format("%s%s: expected 0x%x (unicorn), got 0x%x (host)", Vector.label(r), what, u, h));
            }
        }
        for (Image i : l.images()) {
            String name = i.region().name();
            byte[] u = unicorn.memory().get(name), h = host.memory().get(name);
            for (int c = 0; c < u.length; c += 8) {
                int w = Math.min(8, u.length - c);
                if (!java.util.Arrays.equals(u, c, c + w, h, c, c + w)) {
                    d.add(String.format("%s+0x%x (0x%x): expected 0x%x (unicorn), got 0x%x (host)", name, c, i.base() + c,
                            le(u, c, w), le(h, c, w)));
                }
            }
        }
        return d;
    }

    private static long le(byte[] b, int from, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) v = (v << 8) | (b[from + i] & 0xFF);
        return v;
    }
}
