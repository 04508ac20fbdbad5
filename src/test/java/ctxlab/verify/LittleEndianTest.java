package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The shifts agree with the JDK's little-endian view at every offset, for every byte value. */
class LittleEndianTest {

    @Test
    void agreesWithAByteBufferAtEveryOffset() {
        SplittableRandom r = new SplittableRandom(7);
        byte[] b = new byte[64];
        for (int round = 0; round < 200; round++) {
            r.nextBytes(b);
            ByteBuffer view = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; at + 8 <= b.length; at++) {
                assertEquals(view.getLong(at), LittleEndian.getLong(b, at), "getLong at " + at);
                assertEquals(view.getInt(at), LittleEndian.getInt(b, at), "getInt at " + at);
            }
            long v = r.nextLong();
            int at = r.nextInt(57);
            byte[] mine = b.clone(), theirs = b.clone();
            LittleEndian.putLong(mine, at, v);
            ByteBuffer.wrap(theirs).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
            assertArrayEquals(theirs, mine);
            LittleEndian.putInt(mine, at + 1, (int) ~v);
            ByteBuffer.wrap(theirs).order(ByteOrder.LITTLE_ENDIAN).putInt(at + 1, (int) ~v);
            assertArrayEquals(theirs, mine);
        }
    }
}
