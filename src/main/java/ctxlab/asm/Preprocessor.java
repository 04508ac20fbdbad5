package ctxlab.asm;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The system C preprocessor, run as {@code gcc -c file.S} runs it ({@code -x assembler-with-cpp}):
 * {@code cpp} from PATH, else {@code gcc -E}. Its output keeps the line markers
 * ({@code # 12 "file.S"}) that {@link Assembler} follows, so that every {@code file:line} points
 * into the original file and its headers.
 *
 * <p>For AArch64 sources ({@link Target#AARCH64}) the predefined macros must be AArch64's: real
 * switch files choose their code with {@code #if defined(__aarch64__)}, and an x86-64 cpp would
 * pick the x86-64 branch. So, in this order: on an aarch64 host, the host's own {@code cpp}; else
 * Debian's cross preprocessor {@code aarch64-linux-gnu-cpp} (package cpp-aarch64-linux-gnu: it
 * predefines exactly what {@code aarch64-linux-gnu-gcc} does); else the host's x86-64 cpp with its
 * architecture macros undefined and AArch64's defined ({@link #AARCH64_MACROS}, checked against the
 * cross preprocessor's in a test). The user's {@code -D}/{@code -U} come last and win.
 */
public final class Preprocessor {
    /** Which architecture's predefined macros the preprocessor must have. */
    public enum Target { X86_64, AARCH64 }

    /**
     * x86-64 GCC 12's architecture macros: without the cross preprocessor, they are undefined
     * ({@code cpp -dM} on x86-64 against {@code aarch64-linux-gnu-cpp -dM}: every name the first has
     * and the second lacks that says something about the CPU).
     */
    static final List<String> X86_64_MACROS = List.of("__x86_64", "__x86_64__", "__amd64", "__amd64__", "__k8",
            "__k8__", "__code_model_small__", "__MMX__", "__SSE__", "__SSE2__", "__FXSR__", "__SSE_MATH__",
            "__SSE2_MATH__", "__MMX_WITH_SSE__", "__SEG_FS", "__SEG_GS", "__SIZEOF_FLOAT80__", "__SIZEOF_FLOAT128__",
            "__ATOMIC_HLE_ACQUIRE", "__ATOMIC_HLE_RELEASE", "__DECIMAL_BID_FORMAT__", "__CET__", "__SHSTK__");

    /**
     * AArch64 GCC 12's architecture macros (armv8-a, Linux, little-endian), as
     * {@code aarch64-linux-gnu-cpp -dM} prints them; the generic ones (__linux__, __ELF__, __LP64__,
     * __GNUC__) are the same on both and come from the host preprocessor.
     */
    static final List<String> AARCH64_MACROS = List.of("__aarch64__=1", "__AARCH64EL__=1", "__AARCH64_CMODEL_SMALL__=1",
            "__ARM_64BIT_STATE=1", "__ARM_ALIGN_MAX_PWR=28", "__ARM_ALIGN_MAX_STACK_PWR=16", "__ARM_ARCH=8",
            "__ARM_ARCH_8A=1", "__ARM_ARCH_ISA_A64=1", "__ARM_ARCH_PROFILE=65", "__ARM_FEATURE_CLZ=1",
            "__ARM_FEATURE_FMA=1", "__ARM_FEATURE_IDIV=1", "__ARM_FEATURE_NUMERIC_MAXMIN=1", "__ARM_FEATURE_UNALIGNED=1",
            "__ARM_FP=14", "__ARM_FP16_ARGS=1", "__ARM_FP16_FORMAT_IEEE=1", "__ARM_NEON=1", "__ARM_PCS_AAPCS64=1",
            "__ARM_SIZEOF_MINIMAL_ENUM=4", "__ARM_SIZEOF_WCHAR_T=4", "__CHAR_UNSIGNED__=1");

    /**
     * Longest a preprocessor run may take, whether or not it prints anything: {@code #include "/dev/zero"}
     * or a macro that doubles itself thirty times keeps cc1 busy, silent and growing until it is killed.
     */
    static final long TIMEOUT_SECONDS = 30;
    /** Address space cc1 may take (KiB, for {@code ulimit -v}): headers need tens of MiB, a macro bomb all there is. */
    static final long MEMORY_KIB = 1L << 20;
    private static volatile long timeoutMillis = TIMEOUT_SECONDS * 1000;

    /** Tests: another time limit (milliseconds); 0 restores the default. */
    static void timeoutMillis(long millis) {
        timeoutMillis = millis > 0 ? millis : TIMEOUT_SECONDS * 1000;
    }

    private Preprocessor() {}

    /** The preprocessed text of {@code path}; errors name the file and line as cpp reports them. */
    public static String run(Path path, SourceOptions options) {
        return run(path, options, Target.X86_64);
    }

    /** The same for a source of {@code target}'s architecture (its predefined macros; see the class comment). */
    public static String run(Path path, SourceOptions options, Target target) {
        // Through sh for its ulimit: the JVM cannot bound a child's memory itself.
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -v " + MEMORY_KIB + " && exec \"$@\"", "sh"));
        cmd.addAll(command(System.getenv().getOrDefault("PATH", ""), target, System.getProperty("os.arch")));
        cmd.add("-x");
        cmd.add("assembler-with-cpp");
        for (String d : options.defines()) cmd.add("-D" + d);
        for (String u : options.undefines()) cmd.add("-U" + u);
        for (String i : options.includes()) cmd.add("-I" + i);
        cmd.add(path.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new AsmException(path + ": cannot run the C preprocessor (" + cmd.get(4) + "): " + e.getMessage());
        }
        long limit = timeoutMillis, deadline = System.nanoTime() + limit * 1_000_000;
        String late = path + ": the C preprocessor did not finish within "
                + (limit % 1000 == 0 ? limit / 1000 + " s" : limit + " ms") + "; ctxlab stopped it";
        try {
            FutureTask<byte[]> err = reader(p.getErrorStream(), 64 * 1024, true);
            // The output is read beside the clock, not before it: cc1 may print nothing for ever.
            FutureTask<byte[]> outTask = reader(p.getInputStream(), SourceFile.MAX_BYTES + 1, false);
            byte[] out;
            try {
                out = outTask.get(limit, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                throw new AsmException(late);
            }
            if (out.length > SourceFile.MAX_BYTES) {
                throw new AsmException(path + ": the preprocessed text is larger than " + SourceFile.MAX_BYTES / (1024 * 1024)
                        + " MiB; ctxlab refuses it");
            }
            if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) throw new AsmException(late);
            String diagnostics;
            try {
                diagnostics = new String(err.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS), StandardCharsets.UTF_8);
            } catch (TimeoutException | ExecutionException e) {
                throw new AsmException(late);
            }
            if (p.exitValue() != 0) {
                throw new AsmException(firstError(diagnostics, path));
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AsmException(path + ": interrupted while preprocessing");
        } finally {
            if (p.isAlive()) kill(p);
        }
    }

    /** The driver and what it started (cc1): killing only the driver leaves cc1 running, reparented. */
    private static void kill(Process p) {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        for (ProcessHandle h : all) if (h.isAlive()) h.destroyForcibly();
    }

    private static FutureTask<byte[]> reader(InputStream in, long cap, boolean drain) {
        FutureTask<byte[]> t = new FutureTask<>(() -> readCapped(in, cap, drain));
        Thread.ofPlatform().daemon().name("cpp-reader").start(t);
        return t;
    }

    /**
     * The command for {@code target} on a host of {@code hostArch} ({@code os.arch}): the host's own
     * preprocessor when the architectures agree, else the cross preprocessor, else the host's with
     * the macros swapped.
     */
    static List<String> command(String pathVariable, Target target, String hostArch) {
        if (target == Target.X86_64 || hostArch.equals("aarch64")) return command(pathVariable);
        if (onPath(pathVariable, "aarch64-linux-gnu-cpp")) return List.of("aarch64-linux-gnu-cpp");
        List<String> cmd = new ArrayList<>(command(pathVariable));
        for (String m : X86_64_MACROS) cmd.add("-U" + m);
        for (String m : AARCH64_MACROS) cmd.add("-D" + m);
        return cmd;
    }

    /** cpp, else gcc -E (gcc's driver runs the same preprocessor); neither: a missing prerequisite. */
    static List<String> command(String pathVariable) {
        if (onPath(pathVariable, "cpp")) return List.of("cpp");
        if (onPath(pathVariable, "gcc")) return List.of("gcc", "-E");
        throw new AsmException("a .S file needs the C preprocessor, and neither cpp nor gcc is on PATH:"
                + " install the Debian package cpp (apt-get install cpp)");
    }

    private static boolean onPath(String pathVariable, String tool) {
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** The first "file:line: error: ..." of cpp's diagnostics (they already name file and line). */
    private static String firstError(String diagnostics, Path path) {
        for (String line : diagnostics.split("\n")) {
            if (line.contains("error")) return Text.escape(line.strip());
        }
        String first = diagnostics.strip().split("\n", 2)[0];
        return path + ": the C preprocessor failed" + (first.isEmpty() ? "" : ": " + Text.escape(first));
    }

    private static byte[] readCapped(InputStream in, long cap, boolean drain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try (in) {
            int n;
            // The output stops at the cap (past it the text is refused anyway, and cpp may never stop
            // printing); diagnostics are drained, else a file of many warnings would block cpp.
            while ((drain || out.size() < cap) && (n = in.read(buf)) > 0) {
                if (out.size() < cap) out.write(buf, 0, (int) Math.min(n, cap - out.size()));
            }
        } catch (IOException e) {
            // the process died; its exit status tells
        }
        return out.toByteArray();
    }
}
