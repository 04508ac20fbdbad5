package ctxlab.host;

import ctxlab.asm.AsmException;
import ctxlab.asm.Assembler;
import ctxlab.asm.Assembly;
import ctxlab.selftest.Outcome;
import ctxlab.selftest.Scenario;
import ctxlab.selftest.Scenarios;
import ctxlab.selftest.Selftest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The crash-isolated child JVM ({@link Isolation} starts it): everything that executes native
 * code of the project runs here, so that a broken routine or a strand running into its guard page
 * kills this process and not the CLI. It reports on stdout as JSON lines ({@link Events}) and
 * exits 0 (done), 1 (a check failed or the code was refused) or 2 (bad input).
 *
 * <p>Usage: {@code Child MODE ROOT SWITCH_FILE [args] [--unverified]} with MODE one of
 * {@code selftest}, {@code strands PROGRAM COUNT STACK ARG}, {@code bench [Bench options]},
 * {@code vectors FILE…} ({@link HostVectors}).
 */
public final class Child {
    /** Proof, for {@link HostCode#loadUnverified}, that the code is about to run in this child. */
    static final class Sandbox {
        private Sandbox() {}
    }

    private static volatile boolean sandbox;
    /** The parent's pid, given by {@link Isolation}: the child must die with that process. */
    static final String PARENT_PID_PROPERTY = "ctxlab.parentPid";

    private Child() {}

    static boolean inSandbox() {
        return sandbox;
    }

    public static void main(String[] args) {
        sandbox = true;
        dieWithParent();
        PrintStream stdout = System.out;
        // Keystone's and Unicorn's chatter must not mix with the protocol on stdout.
        System.setOut(System.err);
        Events events = new Events(stdout);
        CrashReporting.install();
        int exit;
        try {
            exit = run(events, args);
        } catch (AsmException | HostException | IllegalArgumentException e) {
            // a routine the gate refused here (bench's --compare) is a failed check, as the routine's own refusal
            exit = e instanceof VerificationGate.VerificationFailedException ? 1 : 2;
            events.emit(new ChildEvent.Error(e.getMessage(), exit));
        } catch (Throwable t) {
            events.emit(new ChildEvent.Error("internal error in the host child: " + t, 2));
            t.printStackTrace();
            exit = 2;
        }
        stdout.flush();
        System.exit(exit);
    }

    /**
     * PR_SET_PDEATHSIG: the kernel sends SIGKILL to this JVM when its parent dies (SIGKILL of the CLI
     * included, where no shutdown hook runs). If the parent is already gone, exit now.
     */
    static void dieWithParent() {
        String parent = System.getProperty(PARENT_PID_PROPERTY);
        if (parent == null) return;
        try {
            Libc.dieWithParent();
            if (Libc.getppid() != Long.parseLong(parent)) {
                System.err.println("ctxlab host child: the parent process " + parent + " is gone; exiting");
                System.exit(2);
            }
        } catch (RuntimeException e) {
            System.err.println("ctxlab host child: cannot tie this process to its parent: " + e.getMessage());
        }
    }

    static int run(Events events, String[] args) {
        if (args.length < 3) throw new IllegalArgumentException("usage: Child MODE ROOT SWITCH_FILE [args]");
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(3, args.length));
        boolean unverified = rest.remove("--unverified");
        // "--convention NAME SYMBOL N ASM…": a routine of another convention (vectors only) and the
        // N further files its vectors assemble with it: its own unit and gate.
        int ci = rest.indexOf("--convention");
        ctxlab.abi.Convention convention = null;
        String symbol = null;
        List<String> asm = List.of();
        if (ci >= 0) {
            String name = rest.get(ci + 1);
            convention = ctxlab.abi.Conventions.byName(name).orElseThrow(() -> new IllegalArgumentException("unknown convention " + name));
            symbol = rest.get(ci + 2);
            int n = Integer.parseInt(rest.get(ci + 3));
            asm = List.copyOf(rest.subList(ci + 4, ci + 4 + n));
            rest.subList(ci, ci + 4 + n).clear();
        }
        Path root = Path.of(args[1]);
        Path switchFile = Path.of(args[2]);
        Loaded loaded = load(events, root, switchFile, unverified, convention, symbol, asm);
        if (loaded.code == null) return 1;
        try (HostCode code = loaded.code) {
            // The second wall: from here on a system call made from the code pages kills this process.
            Seccomp.killSyscallsFrom(code.base(), code.base() + HostCode.RESERVATION);
            events.emit(new ChildEvent.Wall(true, code.base(), code.base() + HostCode.RESERVATION));
            return switch (args[0]) {
                case "selftest" -> selftest(events, loaded.assembly, code);
                case "strands" -> strands(events, code, rest);
                case "bench" -> Bench.main(events, code, rest);
                case "vectors" -> HostVectors.child(events, root, loaded.assembly, code, rest);
                default -> throw new IllegalArgumentException("unknown child mode '" + args[0] + "'");
            };
        }
    }

    record Loaded(Assembly assembly, HostCode code) {}

    /** Assembles for a fresh reservation, passes the gate (or, if asked, skips it) and loads. */
    static Loaded load(Events events, Path root, Path switchFile, boolean unverified) {
        return load(events, root, switchFile, unverified, null, null, List.of());
    }

    /** @param convention null: Cem's unit and gate; else the routine's file and the harness, verified under it */
    static Loaded load(Events events, Path root, Path switchFile, boolean unverified, ctxlab.abi.Convention convention,
                       String symbol, List<String> asm) {
        HostCode.Reservation r = HostCode.reserve();
        try {
            Assembly a = Assembler.assemble(convention == null ? HostSources.files(root, switchFile)
                    : HostSources.conventionFiles(root, switchFile, asm), r.base());
            // The gate verifies the convention's switch: the vector's routine, or, when that is not
            // one of the convention's switches (Boost's ontop_fcontext) and the file has one, that one.
            String gateSymbol = convention == null || convention.symbols().contains(symbol)
                    || !a.symbols().containsKey(convention.symbols().getFirst()) ? symbol : convention.symbols().getFirst();
            VerificationGate gate = convention == null ? VerificationGate.standard() : VerificationGate.forConvention(convention, gateSymbol);
            String sha256 = VerificationGate.sha256(a.code());
            HostCode code;
            ChildEvent.Code ev;
            try {
                VerificationGate.Verified token = gate.check(a);
                ev = new ChildEvent.Code(a.base(), a.size(), sha256, true, token.verifiers(), null, null, false, null);
                code = HostCode.load(r, a, token);
            } catch (VerificationGate.VerificationFailedException e) {
                if (!unverified) {
                    events.emit(new ChildEvent.Code(a.base(), a.size(), sha256, false, null, e.getMessage(), e.failures(), true,
                            convention == null ? outcomes(Selftest.runEmulated(a)) : null));
                    r.close();
                    return new Loaded(a, null);
                }
                ev = new ChildEvent.Code(a.base(), a.size(), sha256, false, null, e.getMessage(), e.failures(), false, null);
                code = HostCode.loadUnverified(r, a, new Sandbox());
            }
            events.emit(ev);
            return new Loaded(a, code);
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    static int selftest(Events events, Assembly assembly, HostCode code) {
        boolean passed = true;
        for (Scenario s : Scenarios.all()) {
            events.emit(new ChildEvent.Running("scenario " + s.name(), null));
            Differential.Result r = Differential.run(s, assembly, code);
            events.emit(new ChildEvent.Scenario(r.name(), r.passed(), r.same(), outcome(r.unicorn()), outcome(r.host()),
                    r.differences()));
            passed &= r.passed();
        }
        events.emit(new ChildEvent.Done(passed));
        return passed ? 0 : 1;
    }

    static int strands(Events events, HostCode code, List<String> args) {
        if (args.size() != 4) throw new IllegalArgumentException("usage: strands PROGRAM COUNT STACK ARG");
        String program = args.get(0);
        int count = Integer.parseInt(args.get(1));
        long stack = Long.parseLong(args.get(2));
        long arg = Long.parseLong(args.get(3));
        try (Scheduler s = new Scheduler(code)) {
            List<Scheduler.Strand> strands = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Scheduler.Strand st = s.spawn(new Scheduler.Program(program, arg), stack);
                strands.add(st);
                events.emit(new ChildEvent.Spawned(st.id(), st.stack().base(), st.stack().size(), st.stack().mapping(),
                        Pages.guardMethod().label));
            }
            events.emit(new ChildEvent.Running(count + " strand(s) of " + program, null));
            long resumes = s.run();
            events.emit(new ChildEvent.Strands(resumes, s.switches(), s.finished(), strands.stream()
                    .map(st -> new ChildEvent.Strand(st.id(), st.state().name(), st.yields(), st.result(), st.resumes())).toList()));
        }
        events.emit(new ChildEvent.Done(null));
        return 0;
    }

    static Outcome.Json outcome(Outcome o) {
        return o.toJson();
    }

    static List<Outcome.Json> outcomes(List<Outcome> os) {
        return os.stream().map(Child::outcome).toList();
    }

}
