package ctxlab.host;

import ctxlab.selftest.Backend;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The selftest scenarios on the host CPU: the same scenario code as in Unicorn, with memory from
 * mmap and the scenario's {@code *_main} called by an FFM downcall on the Java thread's own stack
 * (the routines keep the ABI towards their caller). Strands run on the mmap'd stacks the
 * scenario allocates; Java never does.
 *
 * <p>A fault here is a real signal: it cannot be turned into a {@link ScenarioFault}. That is why
 * host scenarios run in the crash-isolated child ({@link Isolation}).
 */
public final class HostBackend implements Backend {
    private final HostCode code;
    private final HostMemory memory = new HostMemory();
    private final List<Pages.Region> regions = new ArrayList<>();

    public HostBackend(HostCode code) {
        this.code = code;
    }

    @Override
    public String name() {
        return "host";
    }

    @Override
    public long allocate(long size) {
        Pages.Region r = Pages.fenced(size);
        regions.add(r);
        memory.add(r.base(), r.size());
        return r.base();
    }

    @Override
    public long symbol(String name) {
        return code.address(name);
    }

    @Override
    public Run call(String symbol, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("at most 6 integer arguments");
        MemoryLayout[] params = new MemoryLayout[args.length];
        java.util.Arrays.fill(params, ValueLayout.JAVA_LONG);
        MethodHandle h = code.function(symbol, FunctionDescriptor.ofVoid(params));
        Object[] boxed = new Object[args.length];
        for (int i = 0; i < args.length; i++) boxed[i] = args[i];
        try {
            h.invokeWithArguments(boxed);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        return new Run(-1, -1);
    }

    @Override public void writeLong(long address, long value) { memory.writeLong(address, value); }
    @Override public long readLong(long address) { return memory.readLong(address); }
    @Override public void writeInt(long address, int value) { memory.writeInt(address, value); }
    @Override public int readInt(long address) { return memory.readInt(address); }

    @Override
    public void close() {
        for (Pages.Region r : regions) {
            memory.remove(r.base());
            r.unmap();
        }
        regions.clear();
    }
}
