package ctxlab.abi;

/**
 * Little-endian memory as the ABI code sees it. Implemented over the emulator's memory and over
 * host memory, so that one {@link MakeContext} serves both.
 */
public interface Memory {
    void writeLong(long address, long value);

    long readLong(long address);

    void writeInt(long address, int value);

    int readInt(long address);
}
