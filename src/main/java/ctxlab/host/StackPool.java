package ctxlab.host;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Guarded stacks of one size, carved from large mappings and reused.
 *
 * <p>One mmap per stack and one munmap per finished strand cost a system call each, and munmap
 * also a TLB shootdown: with 100,000 strands that dominated the scale run. Here a chunk holds
 * many slots of [guard page][stack]; the guard of a slot is installed when the slot is first
 * handed out ({@link Pages#guard}), a finished strand's slot goes back on a free list, and
 * chunks are unmapped only when the pool closes.
 */
final class StackPool implements AutoCloseable {
    /** Bytes per chunk, at least: 256 stacks of 4 KB. */
    static final long CHUNK = 2L << 20;

    private final long stackSize;
    private final long slot;
    private final List<Pages.Region> chunks = new ArrayList<>();
    private final ArrayDeque<Pages.Region> free = new ArrayDeque<>();
    private long next, end;

    StackPool(long stackSize) {
        this.stackSize = Pages.roundUp(stackSize);
        this.slot = this.stackSize + Pages.PAGE;
    }

    long stackSize() {
        return stackSize;
    }

    /** A stack with its guard page below; {@code mapping} of the region is the guard page. */
    Pages.Region take() {
        Pages.Region r = free.poll();
        if (r != null) return r;
        if (next == end) {
            long size = Math.max(CHUNK, slot) / slot * slot;
            long m = Libc.mmap(size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_NORESERVE);
            chunks.add(new Pages.Region(m, size, m, size));
            next = m;
            end = m + size;
        }
        long guard = next;
        next += slot;
        Pages.guard(guard);
        return new Pages.Region(guard, slot, guard + Pages.PAGE, stackSize);
    }

    void give(Pages.Region stack) {
        free.push(stack);
    }

    @Override
    public void close() {
        for (Pages.Region c : chunks) c.unmap();
        chunks.clear();
        free.clear();
        next = end = 0;
    }
}
