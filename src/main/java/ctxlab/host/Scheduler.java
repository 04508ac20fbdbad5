package ctxlab.host;

import ctxlab.abi.ContextLayout;
import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.MakeContext;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A FIFO scheduler of native strands.
 *
 * <p>A strand is a program of {@code asm/host/scheduler.s} (native code, assembled with the
 * verified switch routine) on an mmap'd stack with a guard page below it. The scheduler resumes
 * the strand at the head of the ready queue by a downcall of
 * {@code cem_swapcontext(scheduler context, strand context)}; the strand runs until it switches
 * back to the scheduler context (a yield, or its exit), and the downcall returns. Java therefore
 * only ever runs on its own thread stack, between switches.
 *
 * <p>Each strand has a control block (SCB, 128 bytes, layout in scheduler.s) holding its context,
 * state, yield count, argument and result, all readable from Java. When a strand finishes, its
 * last values are kept in the {@link Strand} object and its stack and SCB are released.
 *
 * <p>Not thread-safe: one scheduler belongs to one Java thread.
 */
public final class Scheduler implements AutoCloseable {
    static final int SCB_SIZE = 128;
    static final int STATE = 0x40, YIELDS = 0x48, ARGUMENT = 0x50, RESULT = 0x58, YIELD_BY_CALL = 0x60;
    static final long FINISHED = 1;
    /** SCBs come from chunks of this many bytes. */
    private static final long CHUNK = 1 << 20;

    /** What a strand runs: a program of scheduler.s and the argument it gets in rbx. */
    public record Program(String entry, long argument) {}

    public enum State { RUNNABLE, FINISHED }

    /** One strand; its counters are read from its SCB while it lives. */
    public final class Strand {
        private final long id;
        private final Program program;
        private long scb;
        private Pages.Region stack;
        private State finalState;
        private long finalYields, finalResult;
        private long resumes;

        private Strand(long id, Program program, long scb, Pages.Region stack) {
            this.id = id;
            this.program = program;
            this.scb = scb;
            this.stack = stack;
        }

        public long id() { return id; }
        public Program program() { return program; }
        public long resumes() { return resumes; }

        public State state() {
            if (finalState != null) return finalState;
            return HostMemory.ALL.get(ValueLayout.JAVA_LONG, scb + STATE) == FINISHED ? State.FINISHED : State.RUNNABLE;
        }

        /** Times the strand yielded. */
        public long yields() {
            return finalState != null ? finalYields : HostMemory.ALL.get(ValueLayout.JAVA_LONG, scb + YIELDS);
        }

        /** The program's result word (see each program in scheduler.s). */
        public long result() {
            return finalState != null ? finalResult : HostMemory.ALL.get(ValueLayout.JAVA_LONG, scb + RESULT);
        }

        /** The guarded stack, while the strand lives. */
        public Pages.Region stack() {
            return stack;
        }

        private void retire() {
            finalYields = yields();
            finalResult = result();
            finalState = State.FINISHED;
            memory.remove(stack.base());
            pools.get(stack.size()).give(stack);
            stack = null;
            freeScbs.push(scb);
            scb = 0;
        }
    }

    private final HostCode code;
    private final MethodHandle swap;
    private final boolean yieldByCall;
    private final HostMemory memory = new HostMemory();
    private final Pages.Region own;            // the scheduler's context
    private final long schedulerContext;
    private final long exit;
    private final List<Pages.Region> chunks = new ArrayList<>();
    private final ArrayDeque<Long> freeScbs = new ArrayDeque<>();
    private long chunkNext, chunkEnd;
    private final ArrayDeque<Strand> ready = new ArrayDeque<>();
    /** Stack pools by (page-rounded) stack size. */
    private final java.util.Map<Long, StackPool> pools = new java.util.HashMap<>();
    private long nextId = 1;
    private long resumes;
    private long finished;

    public Scheduler(HostCode code) {
        this.code = code;
        // critical: no thread-state transition around the call, which is most of an FFM call's
        // cost; allowed because the strands never block, call back into Java, or take long.
        // Return-stack balance (scheduler.s): a routine ending in ret is called directly and strands
        // yield by call; one ending in a jump is entered through sched_resume and strands yield by
        // push+jmp. Either way the return stack buffer stays in step with Java's own calls.
        this.yieldByCall = returnsWithRet(code);
        this.swap = code.function(yieldByCall ? ctxlab.selftest.Selftest.SWITCH : "sched_resume",
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.critical(false));
        this.exit = code.address("strand_exit");
        this.own = Pages.fenced(ContextLayout.SIZE);
        memory.add(own.base(), own.size());
        this.schedulerContext = own.base();
    }

    /**
     * A new strand running {@code program} on a stack of at least {@code stackSize} bytes (whole
     * pages) with a guard page below (a fresh one, or one a finished strand left); it goes to the
     * back of the ready queue.
     */
    public Strand spawn(Program program, long stackSize) {
        MakeContext.checkStack(stackSize);
        long entry = code.address(program.entry());
        long scb = allocateScb();
        Pages.Region stack = pools.computeIfAbsent(Pages.roundUp(stackSize), StackPool::new).take();
        memory.add(stack.base(), stack.size());
        HostMemory.ALL.asSlice(scb, SCB_SIZE).fill((byte) 0);
        memory.writeLong(scb + ARGUMENT, program.argument());
        memory.writeLong(scb + YIELD_BY_CALL, yieldByCall ? 1 : 0);
        MakeContext.make(memory, scb, stack.base(), stack.size(), entry,
                Map.of(Slot.R12, scb, Slot.R13, schedulerContext, Slot.RBX, program.argument()), exit);
        Strand s = new Strand(nextId++, program, scb, stack);
        ready.add(s);
        return s;
    }

    /** Whether the switch routine's last instruction is a {@code ret} (the seed) rather than a jump. */
    static boolean returnsWithRet(HostCode code) {
        List<ctxlab.asm.Assembly.Line> lines = code.assembly().linesOf(ctxlab.selftest.Selftest.SWITCH).stream()
                .filter(ctxlab.asm.Assembly.Line::instruction).toList();
        return lines.isEmpty() || lines.getLast().text().strip().toLowerCase(java.util.Locale.ROOT).matches("retq?\\b.*|retq?");
    }

    private long allocateScb() {
        Long free = freeScbs.poll();
        if (free != null) return free;
        if (chunkNext == chunkEnd) {
            Pages.Region c = Pages.fenced(CHUNK);
            chunks.add(c);
            memory.add(c.base(), c.size());
            chunkNext = c.base();
            chunkEnd = c.top();
        }
        long scb = chunkNext;
        chunkNext += SCB_SIZE;
        return scb;
    }

    /**
     * Resumes the strand at the head of the queue until it switches back; requeues it unless it
     * finished.
     *
     * @return false when no strand was ready
     */
    public boolean step() {
        Strand s = ready.poll();
        if (s == null) return false;
        resume(s);
        if (HostMemory.ALL.get(ValueLayout.JAVA_LONG, s.scb + STATE) == FINISHED) {
            s.retire();
            finished++;
        } else {
            ready.add(s);
        }
        return true;
    }

    private void resume(Strand s) {
        try {
            swap.invokeExact(schedulerContext, s.scb);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
        s.resumes++;
        resumes++;
    }

    /** Runs until every strand has finished; returns the number of resumes. */
    public long run() {
        long before = resumes;
        while (step()) {
            // each step is one scheduler -> strand -> scheduler round trip
        }
        return resumes - before;
    }

    public int ready() {
        return ready.size();
    }

    /** Round trips scheduler → strand → scheduler so far. */
    public long resumes() {
        return resumes;
    }

    /** Switches so far: two per resume. */
    public long switches() {
        return 2 * resumes;
    }

    public long finished() {
        return finished;
    }

    public HostCode code() {
        return code;
    }

    /** Releases every stack, SCB chunk and the scheduler context; strands still queued are dropped. */
    @Override
    public void close() {
        ready.clear();
        for (StackPool p : pools.values()) p.close();
        pools.clear();
        for (Pages.Region c : chunks) c.unmap();
        chunks.clear();
        own.unmap();
    }
}
