package ctxlab.host;

import ctxlab.abi.ContextLayout.Slot;
import ctxlab.abi.MakeContext;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The measurements of {@code ctxlab bench}, run in the child JVM (full JIT, virtual-thread
 * scheduler on one carrier). Every measurement is repeated in interleaved rounds — a, b, c, d
 * (and Boost.Context's binary when given) in each round — and reported as the median, so that
 * the machine's drift affects them alike.
 *
 * <ul>
 *   <li>(a) nativeSwitchNs: two strands switching to each other with the routine under test.
 *   <li>(b) roundTripNs: {@link Scheduler} → strand → scheduler, the Java-driven round trip.
 *   <li>(c) glibcSwapcontextNs: the same ping-pong as (a) through glibc's swapcontext.
 *   <li>(d) virtualThreadNs: two Java virtual threads handing off on one carrier.
 *   <li>scale: 100,000 strands with 4 KB stacks, each yielding 10 times, through the scheduler.
 * </ul>
 */
final class Bench {
    static final long STACK = 64 * 1024;

    /** Options, as the parent passes them: --rounds N --switches N --scale-strands N ... */
    record Options(int rounds, long switches, long roundTrips, long glibcSwitches, long handoffs,
                   int scaleStrands, long scaleStack, long scaleYields, Path boost, Path root, Path compare,
                   boolean nativeOnly) {
        static Options parse(List<String> args) {
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i + 1 < args.size(); i += 2) m.put(args.get(i), args.get(i + 1));
            return new Options(Integer.parseInt(m.getOrDefault("--rounds", "7")),
                    Long.parseLong(m.getOrDefault("--switches", "10000000")),
                    Long.parseLong(m.getOrDefault("--round-trips", "2000000")),
                    Long.parseLong(m.getOrDefault("--glibc-switches", "400000")),
                    Long.parseLong(m.getOrDefault("--handoffs", "400000")),
                    Integer.parseInt(m.getOrDefault("--scale-strands", "100000")),
                    Long.parseLong(m.getOrDefault("--scale-stack", "4096")),
                    Long.parseLong(m.getOrDefault("--scale-yields", "10")),
                    m.containsKey("--boost") ? Path.of(m.get("--boost")) : null,
                    m.containsKey("--root") ? Path.of(m.get("--root")) : null,
                    m.containsKey("--compare") ? Path.of(m.get("--compare")) : null,
                    "1".equals(m.get("--native-only")));
        }
    }

    private Bench() {}

    static int main(Events events, HostCode code, List<String> args) {
        Options o = Options.parse(args);
        if (o.nativeOnly) return nativeOnly(events, code, o);
        BenchFigures.Machine machine = machine();
        ChildEvent.Bench result;
        // A second routine (--compare, e.g. asm/context_x86_64_fast.s) is measured in the same rounds,
        // interleaved with the first: its own unit of code, through the same verification gate.
        HostCode other = o.compare == null ? null : HostCode.build(HostSources.files(o.root, o.compare));
        try (Native a = new Native(code); Glibc c = new Glibc(code); Scheduler s = new Scheduler(code);
             RawRoundTrip raw = new RawRoundTrip(code);
             Native a2 = other == null ? null : new Native(other); Scheduler s2 = other == null ? null : new Scheduler(other);
             RawRoundTrip raw2 = other == null ? null : new RawRoundTrip(other)) {
            // Warm-up: the JIT compiles the Java halves before anything is timed.
            a.run(o.switches / 20);
            roundTrip(s, o.roundTrips / 10);
            raw.run(o.roundTrips / 10);
            c.run(o.glibcSwitches / 20);
            virtualThreads(o.handoffs / 10);
            if (o.boost != null) boost(o.boost, o.switches / 10);
            if (other != null) {
                a2.run(o.switches / 20);
                roundTrip(s2, o.roundTrips / 10);
                raw2.run(o.roundTrips / 10);
            }

            double[][] rounds = new double[9][o.rounds];
            for (int r = 0; r < o.rounds; r++) {
                rounds[0][r] = a.run(o.switches);
                if (other != null) rounds[6][r] = a2.run(o.switches);
                rounds[1][r] = roundTrip(s, o.roundTrips);
                if (other != null) rounds[7][r] = roundTrip(s2, o.roundTrips);
                rounds[2][r] = c.run(o.glibcSwitches);
                rounds[3][r] = virtualThreads(o.handoffs);
                if (o.boost != null) rounds[4][r] = boost(o.boost, o.switches);
                rounds[5][r] = raw.run(o.roundTrips);
                if (other != null) rounds[8][r] = raw2.run(o.roundTrips);
                events.emit(new ChildEvent.Round(r + 1));
            }
            boolean boost = o.boost != null;
            BenchFigures.Compared compared = other == null ? null : new BenchFigures.Compared(o.compare.toString(),
                    median(rounds[6]), median(rounds[7]), median(rounds[8]), boost ? median(rounds[6]) / median(rounds[4]) : null,
                    new BenchFigures.CompareRounds(rounds[6], rounds[7], rounds[8]));
            result = new ChildEvent.Bench(machine, Pages.guardMethod().label, median(rounds[0]), median(rounds[1]),
                    median(rounds[2]), median(rounds[3]), median(rounds[5]), boost ? median(rounds[4]) : null,
                    boost ? median(rounds[0]) / median(rounds[4]) : null,
                    new BenchFigures.Rounds(rounds[0], rounds[1], rounds[2], rounds[3], rounds[5], boost ? rounds[4] : null),
                    new BenchFigures.PerRound(2 * (o.switches / 2) + 1, o.roundTrips + 1, 2 * (o.glibcSwitches / 2) + 1,
                            2 * (o.handoffs / 2)),
                    compared, null);
        } finally {
            if (other != null) other.close();
        }
        if (o.scaleStrands > 0) {
            events.emit(new ChildEvent.Running("scale run: " + o.scaleStrands + " strands", null));
            result = result.withScale(scale(code, o.scaleStrands, o.scaleStack, o.scaleYields));
        }
        events.emit(result);
        events.emit(new ChildEvent.Done(null));
        return 0;
    }

    /**
     * Only (a), for the routine and the --compare one, interleaved: what {@link SwitchCost} asks for.
     * Emits a "switchcost" event with both medians.
     */
    static int nativeOnly(Events events, HostCode code, Options o) {
        ChildEvent.SwitchCost result;
        try (HostCode other = HostCode.build(HostSources.files(o.root, o.compare));
             Native a = new Native(code); Native b = new Native(other)) {
            a.run(o.switches / 10);
            b.run(o.switches / 10);
            double[][] rounds = new double[2][o.rounds];
            for (int r = 0; r < o.rounds; r++) {
                rounds[0][r] = a.run(o.switches);
                rounds[1][r] = b.run(o.switches);
            }
            result = new ChildEvent.SwitchCost(median(rounds[0]), median(rounds[1]), o.rounds, o.switches);
        }
        events.emit(result);
        events.emit(new ChildEvent.Done(null));
        return 0;
    }

    /** (a) Strand A and strand B switching to each other natively (asm/host/bench.s). */
    static final class Native implements AutoCloseable {
        private final HostMemory memory = new HostMemory();
        private final Pages.Region block = Pages.fenced(4096), stackA = Pages.stack(STACK), stackB = Pages.stack(STACK);
        private final MethodHandle main;
        private final long ping, pong;

        Native(HostCode code) {
            memory.add(block.base(), block.size());
            memory.add(stackA.base(), stackA.size());
            memory.add(stackB.base(), stackB.size());
            main = code.function("bench_pingpong_main", FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                    Linker.Option.critical(false));
            ping = code.address("bench_ping");
            pong = code.address("bench_pong");
        }

        /** ns per switch for about {@code switches} switches. */
        double run(long switches) {
            long rounds = Math.max(1, switches / 2);
            long b = block.base();
            MakeContext.make(memory, b + 0x40, stackA.base(), stackA.size(), ping, Map.of(Slot.R12, b), 0);
            MakeContext.make(memory, b + 0x80, stackB.base(), stackB.size(), pong, Map.of(Slot.R12, b), 0);
            long t0 = System.nanoTime();
            try {
                main.invokeExact(b, rounds);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            return (double) (System.nanoTime() - t0) / (2 * rounds + 1);
        }

        @Override
        public void close() {
            block.unmap();
            stackA.unmap();
            stackB.unmap();
        }
    }

    /**
     * (b') The bare round trip, for comparison with (b): a Java loop of downcalls
     * {@code cem_swapcontext(own, strand)} to a strand that yields straight back (spin_program),
     * without the scheduler's queue and state checks.
     */
    static final class RawRoundTrip implements AutoCloseable {
        private final HostMemory memory = new HostMemory();
        private final Pages.Region page = Pages.fenced(4096), stack = Pages.stack(STACK);
        private final MethodHandle swap;
        private final long spin;
        private final boolean byCall;

        RawRoundTrip(HostCode code) {
            memory.add(page.base(), page.size());
            memory.add(stack.base(), stack.size());
            byCall = Scheduler.returnsWithRet(code);   // the scheduler's return-stack balance (scheduler.s)
            swap = code.function(byCall ? ctxlab.selftest.Selftest.SWITCH : "sched_resume",
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.critical(false));
            spin = code.address("spin_program");
        }

        double run(long roundTrips) {
            long own = page.base(), scb = page.base() + 0x100;   // scb: a strand control block (scheduler.s)
            MakeContext.make(memory, scb, stack.base(), stack.size(), spin, Map.of(Slot.R12, scb, Slot.R13, own), 0);
            memory.writeLong(scb + Scheduler.YIELD_BY_CALL, byCall ? 1 : 0);
            long t0 = System.nanoTime();
            try {
                for (long i = 0; i < roundTrips; i++) swap.invokeExact(own, scb);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
            return (double) (System.nanoTime() - t0) / roundTrips;
        }

        @Override
        public void close() {
            page.unmap();
            stack.unmap();
        }
    }

    /** (b) ns per scheduler → strand → scheduler round trip, through {@link Scheduler#run()}. */
    static double roundTrip(Scheduler s, long roundTrips) {
        s.spawn(new Scheduler.Program("counter_program", roundTrips), STACK);
        long t0 = System.nanoTime();
        long resumes = s.run();
        return (double) (System.nanoTime() - t0) / resumes;
    }

    /** (c) glibc's getcontext/makecontext/swapcontext: A and B switching to each other. */
    static final class Glibc implements AutoCloseable {
        static final long UC_LINK = 8, SS_SP = 16, SS_FLAGS = 24, SS_SIZE = 32;
        private final Pages.Region block = Pages.fenced(4096), stackA = Pages.stack(STACK), stackB = Pages.stack(STACK);
        private final MethodHandle getcontext = Libc.bind("getcontext",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), false);
        // makecontext(ucp, func, argc, ...) is variadic: the one argument (the block) is the variadic part.
        private final MethodHandle makecontext = Libc.LINKER.downcallHandle(Libc.symbol("makecontext"),
                FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(3));
        private final MethodHandle main;
        private final long ping, pong, swapcontext;

        Glibc(HostCode code) {
            main = code.function("glibc_pingpong_main", FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
            ping = code.address("glibc_ping");
            pong = code.address("glibc_pong");
            swapcontext = Libc.symbol("swapcontext").address();
        }

        private void prepare(long ucp, Pages.Region stack, long entry) throws Throwable {
            if ((int) getcontext.invokeExact(ucp) != 0) throw new HostException("getcontext failed");
            HostMemory.ALL.set(ValueLayout.JAVA_LONG, ucp + SS_SP, stack.base());
            HostMemory.ALL.set(ValueLayout.JAVA_INT, ucp + SS_FLAGS, 0);
            HostMemory.ALL.set(ValueLayout.JAVA_LONG, ucp + SS_SIZE, stack.size());
            HostMemory.ALL.set(ValueLayout.JAVA_LONG, ucp + UC_LINK, 0L);
            makecontext.invokeExact(ucp, entry, 1, block.base());
        }

        double run(long switches) {
            long rounds = Math.max(1, switches / 2);
            long b = block.base();
            try {
                prepare(b + 0x400, stackA, ping);
                prepare(b + 0x800, stackB, pong);
                HostMemory.ALL.set(ValueLayout.JAVA_LONG, b + 0xC00, swapcontext);
                long t0 = System.nanoTime();
                main.invokeExact(b, rounds);
                return (double) (System.nanoTime() - t0) / (2 * rounds + 1);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        }

        @Override
        public void close() {
            block.unmap();
            stackA.unmap();
            stackB.unmap();
        }
    }

    /** (d) ns per hand-off between two virtual threads (one carrier: the child runs with parallelism 1). */
    static double virtualThreads(long handoffs) {
        long rounds = Math.max(1, handoffs / 2);
        final class PingPong {
            volatile int turn;
            Thread a, b;
        }
        PingPong p = new PingPong();
        p.a = Thread.ofVirtual().unstarted(() -> {
            for (long i = 0; i < rounds; i++) {
                while (p.turn != 0) LockSupport.park();
                p.turn = 1;
                LockSupport.unpark(p.b);
            }
        });
        p.b = Thread.ofVirtual().unstarted(() -> {
            for (long i = 0; i < rounds; i++) {
                while (p.turn != 1) LockSupport.park();
                p.turn = 0;
                LockSupport.unpark(p.a);
            }
        });
        long t0 = System.nanoTime();
        p.a.start();
        p.b.start();
        try {
            p.a.join();
            p.b.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted");
        }
        return (double) (System.nanoTime() - t0) / (2 * rounds);
    }

    /** Boost.Context's ping-pong (scripts/bench-boost.cpp): it prints ns per switch. */
    static double boost(Path binary, long switches) {
        try {
            Process p = new ProcessBuilder(binary.toString(), Long.toString(Math.max(1, switches / 2)))
                    .redirectErrorStream(true).start();
            // Read on the side: a binary that never exits must not hang the bench (it is killed after 60 s).
            var output = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getInputStream().readNBytes(1 << 16), StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    return "";
                }
            });
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new HostException("Boost ping-pong " + binary + " did not exit within 60 s; killed");
            }
            String out = output.join();
            if (p.exitValue() != 0) throw new HostException("Boost ping-pong failed: " + out);
            return Double.parseDouble(out);
        } catch (IOException | NumberFormatException e) {
            throw new HostException("Boost ping-pong " + binary + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException("interrupted");
        }
    }

    /** The scale run: many strands with small stacks, each yielding a few times, FIFO. */
    static BenchFigures.Scale scale(HostCode code, int strands, long stack, long yields) {
        // Warm-up with a tenth of the strands: the JIT compiles spawn and run before the timed run.
        try (Scheduler w = new Scheduler(code)) {
            for (int i = 0; i < strands / 10; i++) w.spawn(new Scheduler.Program("counter_program", yields), stack);
            w.run();
        }
        long rssBefore = rss("VmRSS:");
        try (Scheduler s = new Scheduler(code)) {
            long t0 = System.nanoTime();
            for (int i = 0; i < strands; i++) s.spawn(new Scheduler.Program("counter_program", yields), stack);
            long t1 = System.nanoTime();
            long rssSpawned = rss("VmRSS:");
            long resumes = s.run();
            long t2 = System.nanoTime();
            if (s.finished() != strands) throw new HostException("scale run: only " + s.finished() + " of " + strands + " strands finished");
            return new BenchFigures.Scale(strands, stack, yields, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t2 - t0) / 1e6,
                    2 * resumes, 2 * resumes / ((t2 - t1) / 1e9), rssSpawned, rssSpawned - rssBefore,
                    (rssSpawned - rssBefore) / strands, rss("VmHWM:"));
        }
    }

    /** A line of /proc/self/status, in bytes. */
    static long rss(String field) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(field)) return Long.parseLong(l.substring(field.length()).strip().split("\\s+")[0]) * 1024;
            }
        } catch (IOException e) {
            // reported as -1
        }
        return -1;
    }

    static BenchFigures.Machine machine() {
        String cpu = "unknown";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException e) {
            // unknown
        }
        return new BenchFigures.Machine(cpu, Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

}
