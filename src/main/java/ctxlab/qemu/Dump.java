package ctxlab.qemu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a generated program ({@link Program}) writes to stdout, and its reading. One header of
 * {@link #WORDS} little-endian 64-bit words, then the bytes of the routine's code as the program
 * holds them, then every region of the vector in the vector's order.
 *
 * <p>The word indices are shared by the generator (which stores at {@code 8 * index}) and the
 * reader, so that the two cannot drift apart.
 */
record Dump(int kind, long[] words, byte[] code, Map<String, byte[]> memory) {
    /** "CTXQEMU1" in little-endian order: a header that is not ours is not read as one. */
    static final long MAGIC = 0x31554d4551585443L;

    static final int KIND_LANDED = 0, KIND_SIGNAL = 1, KIND_MISPLACED = 2;

    static final int W_MAGIC = 0, W_KIND = 1;
    static final int W_X0 = 2;          // x0..x30: 2..32
    static final int W_SP = 33, W_PC = 34;
    static final int W_D0 = 35;         // d0..d31: 35..66
    static final int W_FPCR = 67, W_NZCV = 68;
    static final int W_SIGNO = 69, W_SICODE = 70, W_SIADDR = 71;
    /** The ESR record of the signal frame, {@link #NO_ESR} when the frame has none (qemu-user 7.2). */
    static final int W_ESR = 72;
    /** 1 once the program has started loading the vector's registers, 0 during its own setup. */
    static final int W_PHASE = 73;
    /** A region that could not be placed: its index (-1: the landing page) and where mmap put it. */
    static final int W_MISPLACED_INDEX = 74, W_MISPLACED_GOT = 75;
    /** The entry symbol's address as GNU ld linked it. */
    static final int W_ENTRY = 76;
    static final int WORDS = 77;
    static final int BYTES = WORDS * 8;

    static final long NO_ESR = -1L;

    static int x(int i) {
        return W_X0 + i;
    }

    static int d(int i) {
        return W_D0 + i;
    }

    long word(int index) {
        return words[index];
    }

    /**
     * Reads a dump; {@code regionSizes} in the vector's order (name to size). Throws
     * IllegalStateException naming what is missing when the output is short or not a dump.
     */
    static Dump read(byte[] out, int codeSize, Map<String, Long> regionSizes) {
        if (out.length < BYTES) throw new IllegalStateException("printed " + out.length + " bytes, not a dump header");
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        long[] w = new long[WORDS];
        for (int i = 0; i < WORDS; i++) w[i] = b.getLong();
        if (w[W_MAGIC] != MAGIC) throw new IllegalStateException("printed something other than a dump header");
        int kind = (int) w[W_KIND];
        if (kind == KIND_MISPLACED) return new Dump(kind, w, new byte[0], Map.of());
        long need = BYTES + codeSize + regionSizes.values().stream().mapToLong(Long::longValue).sum();
        if (out.length != need) throw new IllegalStateException("printed " + out.length + " bytes, expected " + need);
        byte[] code = new byte[codeSize];
        b.get(code);
        Map<String, byte[]> memory = new LinkedHashMap<>();
        for (Map.Entry<String, Long> r : regionSizes.entrySet()) {
            byte[] m = new byte[(int) (long) r.getValue()];
            b.get(m);
            memory.put(r.getKey(), m);
        }
        return new Dump(kind, w, code, memory);
    }

    /** The registers a vector compares, by name, in {@link ctxlab.vectors.Arm64Vector#compared()} order. */
    Map<String, Long> registers() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i <= 30; i++) m.put("x" + i, words[x(i)]);
        m.put("sp", words[W_SP]);
        for (int i = 0; i < 32; i++) m.put("d" + i, words[d(i)]);
        m.put("fpcr", words[W_FPCR]);
        m.put("nzcv", words[W_NZCV]);
        return m;
    }
}
