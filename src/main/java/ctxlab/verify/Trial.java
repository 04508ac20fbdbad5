package ctxlab.verify;

import java.util.SplittableRandom;

/**
 * One random machine state: everything a verification iteration sets before its two switches
 * (A -> B, then B -> A). Derived from (seed, iteration) alone, so any iteration can be rebuilt and
 * replayed, e.g. with tracing on to explain a counterexample.
 *
 * <h2>Memory</h2>
 * Five zones of two pages each, separated by unmapped pages, hold the save context (A's), the
 * restore context (B's), A's stack, B's stack and B's own save context for the way back. Which
 * zone plays which role is shuffled per iteration, and objects sit at varied places inside their
 * zone: at its first or last bytes (so an access past them faults), straddling the page boundary in
 * its middle, or anywhere 8-aligned. Contexts are 8-aligned, as the C struct (uint64 members) is.
 *
 * <h2>Registers</h2>
 * All 16 general registers random (rdi/rsi/rsp as the call needs), rflags random arithmetic flags
 * with DF and TF clear (bit 1 and IF set, as in user mode), MXCSR random in bits 0-15 (rounding,
 * FTZ, DAZ, masks, sticky flags; the upper bits are reserved and ldmxcsr would fault on them),
 * x87 control word random with its reserved bits as the CPU keeps them.
 */
final class Trial {
    static final int ZONES = 5;
    /** Zone roles, indexes into {@link #zone}. */
    static final int SAVE_A = 0, RESTORE_B = 1, STACK_A = 2, STACK_B = 3, SAVE_B = 4;


    final int iteration;
    /** The restore context comes from makeContext (entry = the resume address) instead of random bytes. */
    final boolean fresh;
    /** zone[role] = index of the zone used for that role. */
    final int[] zone = {0, 1, 2, 3, 4};

    final long save, restore, save2;
    /** A's rsp at entry (≡ 8 mod 16, pointing at the caller's return address). */
    final long entryRsp;
    /** restore.rsp: where B's resume address is (8-aligned, either parity mod 16). */
    final long restoreRsp;
    /** makeContext's stack for a fresh context. */
    final long stackBase, stackSize;
    /** Presets of a fresh context's callee-saved registers (rbx, rbp, r12-r15). */
    final long[] presets = new long[6];

    /** A's registers at entry, in {@link Verifier#GPRS} order, then rflags, MXCSR, FPCW. */
    final long[] a = new long[19];
    /** B's registers when it switches back (call 2). */
    final long[] b = new long[19];
    /** B's rsp at its call of the routine, and how deep below its resume point that is. */
    final long rsp2;

    /** 64 random bytes each: the restore context (slots overwritten below), and the prior contents of both save contexts. */
    final byte[] restoreBytes = new byte[64], saveFill = new byte[64], save2Fill = new byte[64];
    /** Random words placed around the return addresses (so a pop from a wrong slot gets garbage). */
    final long[] garbage = new long[4];

    Trial(long seed, int iteration, long zoneBase, long zoneStride, long zoneSize) {
        this.iteration = iteration;
        SplittableRandom r = new SplittableRandom(seed + 0x9E37_79B9_7F4A_7C15L * (iteration + 1L));
        // Every fourth state (starting with the first) switches to a fresh makeContext context.
        this.fresh = iteration % 4 == 0;
        for (int i = ZONES - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = zone[i];
            zone[i] = zone[j];
            zone[j] = t;
        }
        long[] z = new long[ZONES];
        for (int role = 0; role < ZONES; role++) z[role] = zoneBase + zone[role] * zoneStride;

        save = placeContext(r, z[SAVE_A], zoneSize);
        restore = placeContext(r, z[RESTORE_B], zoneSize);
        save2 = placeContext(r, z[SAVE_B], zoneSize);
        entryRsp = placeEntryRsp(r, z[STACK_A], zoneSize);

        r.nextBytes(restoreBytes);
        r.nextBytes(saveFill);
        r.nextBytes(save2Fill);
        for (int i = 0; i < garbage.length; i++) garbage[i] = r.nextLong();
        for (int i = 0; i < presets.length; i++) presets[i] = r.nextLong();

        long zb = z[STACK_B];
        if (fresh) {
            // makeContext needs >= 4 KiB; vary the base (16-aligned or not) and the size.
            long base = zb + 8L * r.nextInt(64);
            long room = zb + zoneSize - base - 4096;
            stackBase = base;
            stackSize = 4096 + 8L * r.nextLong(room / 8 + 1);
            restoreRsp = ((stackBase + stackSize) & ~15L) - 16;   // what makeContext computes
        } else {
            stackBase = 0;
            stackSize = 0;
            restoreRsp = switch (r.nextInt(4)) {
                case 0 -> zb + 4096 - 8;          // resume address in the last word of the lower page
                case 1 -> zb + 4096;              // ... in the first word of the upper page
                default -> zb + 1024 + 8L * r.nextLong((zoneSize - 1024 - 32) / 8);
            };
        }
        // B calls the routine from some frame below the one it resumed in: call site 16-aligned.
        rsp2 = ((restoreRsp + 8 - 8L * r.nextInt(32)) & ~15L) - 8;

        randomRegisters(r, a);
        randomRegisters(r, b);
        // The restore context: random callee-saved slots and spare bytes, a legal MXCSR, and the
        // rsp whose top word is the resume address. (A fresh context is written by makeContext.)
        LittleEndian.putLong(restoreBytes, 0x30, restoreRsp);
        LittleEndian.putInt(restoreBytes, 0x38, r.nextInt(0x10000));
        if (b[18] == a[18]) b[18] ^= 0x0C00;     // B must change FPCW for the x87 finding to be measurable
    }

    /** A context in [z, z+size): at an edge, straddling the middle page boundary, or anywhere 8-aligned. */
    private static long placeContext(SplittableRandom r, long z, long size) {
        return switch (r.nextInt(6)) {
            case 0 -> z + size / 2 - 8L * (1 + r.nextInt(7));    // crosses the page boundary
            case 1 -> z;                                          // a write before it faults
            case 2 -> z + size - 64;                              // a write past it faults
            case 3 -> z + 64L * r.nextLong(size / 64);            // cache-line aligned
            default -> z + 8L * r.nextLong((size - 64) / 8 + 1);
        };
    }

    /** A's entry rsp, ≡ 8 (mod 16) as after a call from an aligned call site; 128-byte red zone mapped below. */
    private static long placeEntryRsp(SplittableRandom r, long z, long size) {
        return switch (r.nextInt(4)) {
            case 0 -> z + size - 24;                              // top frame: return address + one word above
            case 1 -> z + size / 2 + 8 + 16L * r.nextInt(8);      // red zone straddles the page boundary
            case 2 -> z + 128 + 8;                                // red zone from the zone's 9th byte: 16 bytes below it fault
            default -> z + 256 + 8 + 16L * r.nextLong((size - 512) / 16);
        };
    }

    private static void randomRegisters(SplittableRandom r, long[] regs) {
        for (int i = 0; i < 16; i++) regs[i] = r.nextLong();
        // CF PF AF ZF SF OF random; bit 1 and IF set; TF, DF clear.
        regs[16] = (r.nextLong() & 0x8D5L) | 0x202L;
        regs[17] = r.nextInt(0x10000);
        // x87 CW: masks (0-5), PC (8-9), RC (10-11), X (12) random; bit 6 reads as 1 on real CPUs.
        regs[18] = (r.nextInt(0x10000) & 0x1F3F) | 0x40;
    }
}
