package ctxlab.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs native work in a child JVM ({@link Child}) so that a crash there — a broken switch
 * routine, a strand running into its guard page — is reported, not suffered: the parent reads
 * the child's JSON lines, and if the child dies it says which signal, at which address and
 * instruction, and what was running.
 *
 * <p>Where the details come from: when the JVM's own signal handler can run, it writes an
 * hs_err file (into a temporary directory given by {@code -XX:ErrorFile}) with the signal,
 * {@code si_addr} and the pc. When it cannot — the strand's rsp points into a guard page or at
 * garbage, so the kernel has nowhere to push the signal frame — the kernel kills the child with
 * the signal itself and only the exit status (128 + signal) is left.
 */
public final class Isolation {
    private Isolation() {}

    /** What the child said and how it ended. */
    public record ChildRun(int exitCode, List<ChildEvent> events, String stderr, Optional<Crash> crash, boolean timedOut) {
        /** Whether the child said it was done (or refused, or reported an error). */
        public boolean finished() {
            return finished(events);
        }

        static boolean finished(List<ChildEvent> events) {
            return events.stream().anyMatch(e -> e instanceof ChildEvent.Done || e instanceof ChildEvent.Error
                    || e instanceof ChildEvent.Code c && c.refused());
        }

        /** The child's last line on stderr, for a one-line message when it failed without a word. */
        public String lastStderrLine() {
            return stderr.strip().lines().reduce((a, b) -> b).orElse("");
        }

        /** Why a child that ended without its result failed, in one line: its last line on stderr, else its last event. */
        public String failure() {
            String line = lastStderrLine();
            if (!line.isEmpty()) return line;
            // The record's simple name is the event's name on the wire (ChildEvent's JsonSubTypes).
            return events.isEmpty() ? "it reported nothing (no event, nothing on stderr)"
                    : "nothing on stderr; its last event was '" + events.getLast().getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + "'";
        }

        /** The last event of the given kind, if any. */
        public <E extends ChildEvent> Optional<E> last(Class<E> kind) {
            E found = null;
            for (ChildEvent e : events) if (kind.isInstance(e)) found = kind.cast(e);
            return Optional.ofNullable(found);
        }

        public <E extends ChildEvent> List<E> all(Class<E> kind) {
            return events.stream().filter(kind::isInstance).map(kind::cast).toList();
        }

        /** The child's own error report, as the parent's: its message is for the user. */
        public void throwIfError() {
            last(ChildEvent.Error.class).ifPresent(e -> {
                throw new HostException(e.message());
            });
        }
    }

    /**
     * A child that died of a signal.
     *
     * @param signal  "SIGSEGV", "SIGILL", … (or "signal N")
     * @param address the faulting address (si_addr), -1 when unknown
     * @param pc      the instruction that faulted, -1 when unknown
     * @param running what the child said it was running last ("scenario simple-switch")
     * @param source  where the details came from: "hs_err" or "exit status"
     */
    public record Crash(String signal, long address, long pc, long rsp, String running, String source) {
        /**
         * "strand crashed: SIGSEGV at 0x… (pc 0x… file:line: text, rsp 0x…) while running …".
         *
         * @param explain turns an address into words ("in the guard page below strand 1's stack"), or null
         * @param describePc turns a pc into "file:line: text", or null
         */
        public String message(LongFunction<String> describePc, LongFunction<String> explain) {
            if (signal.equals("SIGSYS")) {
                return "killed by the seccomp wall: the routine made a system call from its code pages"
                        + " (syscall, int $0x80, ...), which native code run by ctxlab may not do"
                        + (running != null ? "; while running " + running : "");
            }
            StringBuilder b = new StringBuilder("strand crashed: ").append(signal);
            if (address >= 0) {
                b.append(String.format(" at 0x%x", address));
                String why = explain == null ? null : explain.apply(address);
                if (why != null) b.append(" ").append(why);
            }
            if (pc >= 0) {
                String where = describePc == null ? null : describePc.apply(pc);
                b.append(String.format(" (pc 0x%x%s", pc, where == null ? "" : " " + where));
                if (rsp >= 0) b.append(String.format(", rsp 0x%x", rsp));
                b.append(")");
            }
            if (address < 0 && pc < 0) b.append(" (no crash report from the child: only its exit status is known)");
            if (running != null) b.append(" while running ").append(running);
            return b.toString();
        }
    }

    /**
     * The crash of a child run in words: signal, address (and what lies there: a strand's guard
     * page, its stack, the code), the faulting instruction as {@code file:line: text}.
     *
     * @param sources the files the child assembled (to map the pc back to a source line)
     */
    public static String describe(ChildRun run, List<ctxlab.asm.SourceFile> sources) {
        Crash c = run.crash().orElseThrow();
        ChildEvent.Code code = run.last(ChildEvent.Code.class).orElse(null);
        ctxlab.asm.Assembly[] assembly = new ctxlab.asm.Assembly[1];
        LongFunction<String> describePc = pc -> {
            if (code == null) return null;
            long base = code.base(), size = code.size();
            if (pc < base || pc >= base + size) return "(outside the assembled code)";
            try {
                if (assembly[0] == null) assembly[0] = ctxlab.asm.Assembler.assemble(sources, base);
                return assembly[0].lineAt(pc) == null ? null : "= " + assembly[0].describe(pc);
            } catch (RuntimeException e) {
                return null;
            }
        };
        LongFunction<String> explain = address -> {
            for (ChildEvent.Spawned s : run.all(ChildEvent.Spawned.class)) {
                long guard = s.guard(), stack = s.stack(), size = s.stackSize();
                if (address >= guard && address < stack) {
                    return "in the guard page below strand " + s.id() + "'s stack (a stack overflow)";
                }
                if (address >= stack && address < stack + size) return "in strand " + s.id() + "'s stack";
            }
            if (code != null && address >= code.base() && address < code.base() + code.size()) return "in the code";
            if (address < Pages.PAGE) return "(a null pointer)";
            return null;
        };
        String privileged = privilegedAt(code, sources, c.pc());
        if (privileged != null && (c.signal().equals("SIGSEGV") || c.signal().equals("SIGILL") || c.signal().equals("SIGTRAP"))) {
            // #GP of a privileged instruction reaches user space as SIGSEGV with si_addr 0: not a null pointer.
            String where = describePc.apply(c.pc());
            return String.format("strand crashed: %s from the privileged instruction %s at pc 0x%x%s, which user code cannot execute%s",
                    c.signal(), privileged, c.pc(), where == null ? "" : " " + where,
                    c.running() == null ? "" : " while running " + c.running());
        }
        return c.message(describePc, explain);
    }

    /** The instruction at {@code pc} in the child's code, if it is one user code cannot execute. */
    private static String privilegedAt(ChildEvent.Code code, List<ctxlab.asm.SourceFile> sources, long pc) {
        if (code == null || pc < 0) return null;
        long base = code.base(), size = code.size();
        if (pc < base || pc >= base + size) return null;
        try {
            byte[] all = ctxlab.asm.Assembler.assemble(sources, base).code();
            int off = (int) (pc - base);
            byte[] b = java.util.Arrays.copyOfRange(all, off, Math.min(all.length, off + ctxlab.emu.UserTraps.MAX_LENGTH));
            return ctxlab.emu.UserTraps.name(b, b.length);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The java binary of this JVM, and its class path, run {@link Child} with {@code args}. */
    public static ChildRun run(List<String> args, List<String> jvmOptions, Duration timeout) {
        return run(Child.class.getName(), args, jvmOptions, timeout);
    }

    /** @param mainClass the child's main class: {@link Child}, or a test's stand-in speaking the protocol */
    static ChildRun run(String mainClass, List<String> args, List<String> jvmOptions, Duration timeout) {
        Path dir;
        try {
            dir = Files.createTempDirectory("ctxlab-host");
        } catch (IOException e) {
            throw new HostException("cannot create a temporary directory: " + e.getMessage());
        }
        try {
            return run(dir, mainClass, args, jvmOptions, timeout);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static ChildRun run(Path dir, String mainClass, List<String> args, List<String> jvmOptions, Duration timeout) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // No perf-data file: a child killed by a crash or its timeout would leave /tmp/hsperfdata_USER/PID
        // behind, and making it costs every start some 15 ms (the launcher's flags say the same).
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"), "-XX:-CreateCoredumpOnCrash",
                "-XX:+UseSerialGC", "-Xss8m", "-XX:-UsePerfData"));
        cmd.addAll(jvmOptions);
        String root = System.getProperty("ctxlab.root");
        if (root != null) cmd.add("-Dctxlab.root=" + root);
        // The child asks the kernel to kill it when this process dies (PR_SET_PDEATHSIG), checking it was not orphaned already.
        cmd.add("-D" + Child.PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid());
        if (Boolean.getBoolean(ctxlab.emu.Machine.IGNORE_PRIVILEGE_PROPERTY)) {
            cmd.add("-D" + ctxlab.emu.Machine.IGNORE_PRIVILEGE_PROPERTY + "=true");   // tests of the seccomp wall only
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        Process p;
        Path stderrFile = dir.resolve("stderr.txt");
        try {
            p = new ProcessBuilder(cmd).redirectError(stderrFile.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new HostException("cannot start the child JVM (" + java + "): " + e.getMessage());
        }
        List<ChildEvent> events = Collections.synchronizedList(new ArrayList<>());
        List<String> malformed = Collections.synchronizedList(new ArrayList<>());
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                // Only lines that look like JSON objects: the JVM's crash banner ("# A fatal error ...")
                // and native libraries write to this file descriptor too.
                for (String line; (line = r.readLine()) != null; ) {
                    if (!line.startsWith("{")) continue;
                    try {
                        events.add(Events.read(line));
                    } catch (Events.MalformedEventException e) {
                        malformed.add(e.getMessage() + ": " + abbreviate(line));
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        });
        // Ctrl-C or SIGTERM of this JVM: end the child (and what it started) and remove the temporary folder.
        Thread cleanup = new Thread(() -> {
            kill(p);
            deleteQuietly(dir);
        }, "ctxlab-child-cleanup");
        boolean hooked = addShutdownHook(cleanup);
        boolean timedOut = false;
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                timedOut = true;
                kill(p);
                p.waitFor();
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while waiting for the child JVM");
        } finally {
            if (hooked) removeShutdownHook(cleanup);
        }
        int exit = p.exitValue();
        String stderr = read(stderrFile);
        List<ChildEvent> evs = List.copyOf(events);
        Optional<Crash> crash = Optional.empty();
        if (!timedOut && !ChildRun.finished(evs)) crash = crash(dir, exit, lastRunning(evs));
        // A line cut short by a crash or a kill says nothing; from a child that ended by itself, a line
        // this build cannot read means parent and child disagree, and no result of the run can be trusted.
        if (!malformed.isEmpty() && !timedOut && crash.isEmpty()) {
            throw new HostException("the host child JVM sent an event this ctxlab cannot read (" + malformed.getFirst()
                    + (malformed.size() > 1 ? "; and " + (malformed.size() - 1) + " more" : "") + ")");
        }
        return new ChildRun(exit, evs, stderr, crash, timedOut);
    }

    /** A line of the child's, short enough for a one-line message. */
    static String abbreviate(String line) {
        return line.length() <= 160 ? line : line.substring(0, 160) + "...";
    }

    /** Kills the child and everything it started (a Boost ping-pong, say): SIGKILL, no cleanup in there needed. */
    static void kill(Process p) {
        try {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        } catch (RuntimeException e) {
            // the tree is changing under us: the child itself still gets killed
        }
        p.destroyForcibly();
    }

    private static boolean addShutdownHook(Thread t) {
        try {
            Runtime.getRuntime().addShutdownHook(t);
            return true;
        } catch (IllegalStateException e) {
            return false;   // already shutting down
        }
    }

    private static void removeShutdownHook(Thread t) {
        try {
            Runtime.getRuntime().removeShutdownHook(t);
        } catch (IllegalStateException e) {
            // shutting down: the hook runs, harmlessly
        }
    }

    private static String lastRunning(List<ChildEvent> events) {
        String running = null;
        for (ChildEvent e : events) if (e instanceof ChildEvent.Running r) running = r.what();
        return running;
    }

    private static final Pattern HS_SIGNAL = Pattern.compile("#\\s+(SIG[A-Z]+) \\(0x[0-9a-f]+\\) at pc=(0x[0-9a-f]+)");
    private static final Pattern HS_RSP = Pattern.compile("(?m)^RSP=(0x[0-9a-f]+)");
    private static final Pattern HS_SIGINFO = Pattern.compile("siginfo: si_signo: \\d+ \\((SIG[A-Z]+)\\).*?si_addr: (0x[0-9a-f]+)");

    /**
     * What killed the child: the hs_err file if the JVM wrote one, else the signal in the exit
     * status; empty when it just exited (it did not start, or failed in Java: see its stderr).
     */
    static Optional<Crash> crash(Path dir, int exit, String running) {
        Optional<Path> hsErr;
        try (Stream<Path> files = Files.list(dir)) {
            hsErr = files.filter(f -> f.getFileName().toString().startsWith("hs_err_")).max(Comparator.naturalOrder());
        } catch (IOException e) {
            hsErr = Optional.empty();
        }
        if (hsErr.isPresent()) {
            String text = read(hsErr.get());
            Matcher sig = HS_SIGNAL.matcher(text);
            Matcher info = HS_SIGINFO.matcher(text);
            String signal = sig.find() ? sig.group(1) : info.find(0) ? info.group(1) : "fatal error";
            long pc = sig.find(0) ? Long.parseUnsignedLong(sig.group(2).substring(2), 16) : -1;
            long address = info.find(0) ? Long.parseUnsignedLong(info.group(2).substring(2), 16) : -1;
            Matcher rsp = HS_RSP.matcher(text);
            long sp = rsp.find() ? Long.parseUnsignedLong(rsp.group(1).substring(2), 16) : -1;
            return Optional.of(new Crash(signal, address, pc, sp, running, "hs_err"));
        }
        if (exit <= 128) return Optional.empty();
        return Optional.of(new Crash(signalName(exit - 128), -1, -1, -1, running, "exit status"));
    }

    static String signalName(int n) {
        return switch (n) {
            case 4 -> "SIGILL";
            case 5 -> "SIGTRAP";
            case 6 -> "SIGABRT";
            case 7 -> "SIGBUS";
            case 8 -> "SIGFPE";
            case 9 -> "SIGKILL";
            case 11 -> "SIGSEGV";
            case 31 -> "SIGSYS";
            default -> "signal " + n;
        };
    }

    private static String read(Path f) {
        try {
            return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
        dir.toFile().delete();
    }
}
