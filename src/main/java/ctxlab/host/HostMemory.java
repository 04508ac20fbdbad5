package ctxlab.host;

import ctxlab.abi.Memory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.TreeMap;

/**
 * Host memory as {@link ctxlab.abi.Memory}: the same {@link ctxlab.abi.MakeContext} and
 * {@link ctxlab.abi.ContextLayout} code that prepares contexts in Unicorn prepares them here.
 *
 * <p>Every access is checked against the regions registered as readable and writable: a wrong
 * address from Java becomes an exception with the address in it, not a crash of the JVM.
 */
public final class HostMemory implements Memory {
    /** All of the address space, for the checked accesses below. */
    static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    /** start → end (exclusive) of the regions Java may touch. */
    private final TreeMap<Long, Long> regions = new TreeMap<>();

    public void add(long start, long size) {
        regions.put(start, start + size);
    }

    public void remove(long start) {
        regions.remove(start);
    }

    /** Whether {@code [address, address+width)} lies inside one registered region. */
    public boolean contains(long address, long width) {
        Map.Entry<Long, Long> e = regions.floorEntry(address);
        return e != null && address >= e.getKey() && address + width <= e.getValue() && address + width > address;
    }

    private void check(long address, int width) {
        if (!contains(address, width)) {
            throw new HostException(String.format("host memory access of %d bytes at 0x%x is outside the memory ctxlab allocated", width, address));
        }
    }

    @Override
    public void writeLong(long address, long value) {
        check(address, 8);
        ALL.set(LONG, address, value);
    }

    @Override
    public long readLong(long address) {
        check(address, 8);
        return ALL.get(LONG, address);
    }

    @Override
    public void writeInt(long address, int value) {
        check(address, 4);
        ALL.set(INT, address, value);
    }

    @Override
    public int readInt(long address) {
        check(address, 4);
        return ALL.get(INT, address);
    }

    public byte[] read(long address, int length) {
        check(address, length);
        return ALL.asSlice(address, length).toArray(ValueLayout.JAVA_BYTE);
    }
}
