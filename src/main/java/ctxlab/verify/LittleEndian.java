package ctxlab.verify;

/**
 * Little-endian words in byte arrays (contexts, landing pads), by shifts. Not a
 * {@code byteArrayViewVarHandle}: the first checks of every run are interpreted, and a VarHandle
 * access there goes through a chain of method-handle frames, each costing more than these shifts;
 * the launcher's C1-only JIT does not make them free either.
 */
final class LittleEndian {
    private LittleEndian() {}

    static long getLong(byte[] b, int at) {
        return (getInt(b, at) & 0xFFFF_FFFFL) | ((long) getInt(b, at + 4) << 32);
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    static void putLong(byte[] b, int at, long v) {
        putInt(b, at, (int) v);
        putInt(b, at + 4, (int) (v >>> 32));
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }
}
