package ctxlab.verify;

import ctxlab.abi.Convention;
import ctxlab.abi.Convention.Holds;
import ctxlab.abi.Convention.StorageKind;
import ctxlab.emu.Arm64Reg;
import java.util.SplittableRandom;

/**
 * One random AArch64 machine state: what an iteration of {@link Arm64Verifier} sets before its two
 * switches (A -> B, then B -> A), for the storage a convention declares. Derived from (seed,
 * iteration) alone, so it can be rebuilt and replayed with tracing to explain a counterexample,
 * and checked on any thread's machine with the same result.
 *
 * <p>Struct storage (Cem): the contexts lie in their zones. Frame storage (Boost): B's context is
 * a frame directly below the sp it resumes with, on B's stack; A's save frame lies below its entry
 * sp (the save zones are then unused).
 *
 * <p>Memory: five zones of two pages, separated by unmapped pages, for A's save context, B's
 * restore context, A's stack, B's stack and B's own save context; roles shuffled per iteration.
 * Contexts are 8-aligned (uint64 members) and placed at a zone's first or last bytes (so an access
 * past them faults), straddling the middle page boundary, or anywhere. Stack pointers are 16-byte
 * aligned, as AAPCS64 requires at every public interface.
 *
 * <p>Registers: x2-x29 and d0-d31 random, NZCV random, FPCR random in its mode fields (AHP, DN, FZ,
 * RMode: bits 22-26, the ones every implementation keeps; the trap enables may read as zero).
 */
final class Arm64Trial {
    static final int ZONES = 5;
    static final int SAVE_A = 0, RESTORE_B = 1, STACK_A = 2, STACK_B = 3, SAVE_B = 4;
    /** FPCR fields kept by every implementation: AHP (26), DN (25), FZ (24), RMode (23:22). */
    static final long FPCR_MODES = 0x07C0_0000L;

    final int iteration;
    final boolean fresh;
    final int[] zone = {0, 1, 2, 3, 4};
    final long save, restore, save2;
    /** The storage's size in bytes. */
    final int size;
    /** A's sp at its call (16-aligned). */
    final long entrySp;
    /** restore->sp (16-aligned) for a random context; makeContext's for a fresh one. */
    final long restoreSp;
    final long stackBase, stackSize;
    /** B's sp when it switches back (16-aligned, below where it resumed). */
    final long sp2;
    /** A's and B's x0-x30 (x0, x1, x30 overwritten by the call), d0-d31, FPCR, NZCV. */
    final long[] ax = new long[31], bx = new long[31], ad = new long[32], bd = new long[32];
    final long afpcr, bfpcr, anzcv, bnzcv;
    /** The restore context's bytes (a random context), and the prior contents of both save contexts. */
    final byte[] restoreBytes, saveFill, save2Fill;
    /** Random words: arg0 and arg1 of a fresh layout are the first two. */
    final long[] presets = new long[18];
    /** The data word of each switch (a convention's {@code data} argument). */
    final long data1, data2;

    /**
     * @param withFresh whether every fourth state resumes a fresh context (the convention describes one)
     */
    Arm64Trial(long seed, int iteration, long zoneBase, long zoneStride, long zoneSize, long resume, Convention conv,
               boolean withFresh) {
        this.iteration = iteration;
        this.size = conv.storage().size();
        boolean frame = conv.storage().kind() == StorageKind.FRAME;
        restoreBytes = new byte[size];
        saveFill = new byte[size];
        save2Fill = new byte[size];
        SplittableRandom r = new SplittableRandom(seed + 0x9E37_79B9_7F4A_7C15L * (iteration + 1L));
        this.fresh = withFresh && iteration % 4 == 0;
        for (int i = ZONES - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = zone[i];
            zone[i] = zone[j];
            zone[j] = t;
        }
        long[] z = new long[ZONES];
        for (int role = 0; role < ZONES; role++) z[role] = zoneBase + zone[role] * zoneStride;
        long saveAt = placeContext(r, z[SAVE_A], zoneSize, size);
        long restoreAt = placeContext(r, z[RESTORE_B], zoneSize, size);
        long save2At = placeContext(r, z[SAVE_B], zoneSize, size);
        entrySp = switch (r.nextInt(3)) {
            case 0 -> z[STACK_A] + zoneSize;                   // the very top: anything above faults
            case 1 -> z[STACK_A] + zoneSize / 2;               // on the page boundary
            default -> z[STACK_A] + 256 + 16L * r.nextLong((zoneSize - 256) / 16);
        };
        r.nextBytes(restoreBytes);
        r.nextBytes(saveFill);
        r.nextBytes(save2Fill);
        for (int i = 0; i < presets.length; i++) presets[i] = r.nextLong();
        long zb = z[STACK_B];
        if (fresh) {
            long base = zb + 8L * r.nextInt(64);
            stackBase = base;
            stackSize = 4096 + 8L * r.nextLong((zb + zoneSize - base - 4096) / 8 + 1);
            restoreSp = (stackBase + stackSize) & ~15L;
        } else {
            stackBase = 0;
            stackSize = 0;
            restoreSp = switch (r.nextInt(3)) {
                case 0 -> zb + zoneSize;
                case 1 -> zb + zoneSize / 2;
                default -> zb + 1024 + 16L * r.nextLong((zoneSize - 1024) / 16);
            };
        }
        sp2 = restoreSp - 16L * (1 + r.nextInt(32));
        for (int i = 0; i < 31; i++) {
            ax[i] = r.nextLong();
            bx[i] = r.nextLong();
        }
        for (int i = 0; i < 32; i++) {
            ad[i] = r.nextLong();
            bd[i] = r.nextLong();
        }
        afpcr = r.nextLong() & FPCR_MODES;
        long b = r.nextLong() & FPCR_MODES;
        bfpcr = b == afpcr ? b ^ 0x00C0_0000L : b;     // B differs, so that a leak is visible
        anzcv = (r.nextLong() & 0xFL) << 28;
        bnzcv = (r.nextLong() & 0xFL) << 28;
        long rf = r.nextLong() & FPCR_MODES;
        // What the convention needs in B's context to resume it: the resume address where the
        // routine takes it (the lr slot for a ret, or the resume slot), sp, and a FPCR that differs
        // from A's.
        for (Convention.Slot s : conv.slots()) {
            switch (s.holds()) {
                case RSP -> LittleEndian.putLong(restoreBytes, s.offset(), restoreSp);
                case RESUME -> LittleEndian.putLong(restoreBytes, s.offset(), resume);
                case FPCR -> LittleEndian.putLong(restoreBytes, s.offset(), rf == afpcr ? rf ^ 0x0040_0000L : rf);
                case REGISTER -> {
                    if (s.reg() == Arm64Reg.X30 && conv.resume().pc() == Convention.ResumePc.LR) {
                        LittleEndian.putLong(restoreBytes, s.offset(), resume);
                    }
                }
                default -> { }
            }
        }
        data1 = r.nextLong();
        data2 = r.nextLong();
        if (frame) {
            save = entrySp + conv.storage().at();
            restore = restoreSp - size;
            save2 = sp2 + conv.storage().at();
        } else {
            save = saveAt;
            restore = restoreAt;
            save2 = save2At;
        }
    }

    /** Whether a slot of this kind is set by the trial (the rest of B's context is random). */
    static boolean set(Holds h) {
        return h == Holds.RSP || h == Holds.RESUME || h == Holds.FPCR;
    }

    private static long placeContext(SplittableRandom r, long z, long size, int n) {
        return switch (r.nextInt(5)) {
            case 0 -> z + size / 2 - 8L * (1 + r.nextInt(n / 8 - 1));   // crosses the page boundary
            case 1 -> z;                                               // a write before it faults
            case 2 -> z + size - n;                                    // a write past it faults
            default -> z + 8L * r.nextLong((size - n) / 8 + 1);
        };
    }
}
