package ctxlab.verify;

import java.util.ArrayList;
import java.util.List;

/**
 * What a verifier's hooks saw during one switch, as both architectures log it: the pcs executed,
 * the writes made (pc, address, size), and when tracing a snapshot of the observed registers
 * before each instruction. The hooks fill the arrays directly (no call per instruction or write);
 * the queries here run only to explain a failure. Each verifier adds what it checks as the switch
 * runs (allowed ranges, alignment).
 */
class SwitchLog {
    final long[] pcs;
    int pcCount;
    final long[] wPc, wAddr;
    final int[] wSize;
    int wCount;
    boolean tracing;
    final List<long[]> snaps = new ArrayList<>();
    /** The landing-pad page: the pads are the harness's, not the routine's instructions. */
    private final long padsBegin, padsEnd;

    /**
     * @param budget    instructions a switch may execute (a few more pcs are kept: the pads')
     * @param maxWrites writes kept; later ones are counted only
     * @param pads      the first address of the landing-pad page
     */
    SwitchLog(int budget, int maxWrites, long pads, long padsSize) {
        pcs = new long[budget + 16];
        wPc = new long[maxWrites];
        wAddr = new long[maxWrites];
        wSize = new int[maxWrites];
        padsBegin = pads;
        padsEnd = pads + padsSize;
    }

    final boolean isPad(long pc) {
        return pc >= padsBegin && pc < padsEnd;
    }

    /** Pcs kept (the hooks count past the array's end). */
    final int kept() {
        return Math.min(pcCount, pcs.length);
    }

    /** The last instruction executed outside the landing pads (the routine's last, normally), or -1. */
    final long lastPc() {
        for (int i = kept() - 1; i >= 0; i--) if (!isPad(pcs[i])) return pcs[i];
        return -1;
    }

    /** Instructions executed outside the landing pads (meaningful when every pc was logged). */
    final long executed() {
        long n = 0;
        for (int i = kept() - 1; i >= 0; i--) if (!isPad(pcs[i])) n++;
        return n;
    }

    /** The pc of the last logged write overlapping [lo, hi), or -1. */
    final long lastWriteTo(long lo, long hi) {
        for (int i = Math.min(wCount, wPc.length) - 1; i >= 0; i--) {
            if (wAddr[i] < hi && wAddr[i] + wSize[i] > lo) return wPc[i];
        }
        return -1;
    }

    /**
     * From the trace, the last instruction after which {@code snapshot[idx] & mask} changed
     * ({@code after}: the registers when the switch ended), skipping the pads when
     * {@code skipPads}; -1 when none did or nothing was traced.
     */
    final long lastWriter(long[] after, int idx, long mask, boolean skipPads) {
        if (!tracing) return -1;
        int n = Math.min(snaps.size(), kept());
        for (int k = n - 1; k >= 0; k--) {
            long[] before = snaps.get(k);
            long[] next = k + 1 < n ? snaps.get(k + 1) : after;
            if (((before[idx] ^ next[idx]) & mask) != 0 && !(skipPads && isPad(pcs[k]))) return pcs[k];
        }
        return -1;
    }
}
