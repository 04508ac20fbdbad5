package ctxlab.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ctxlab.TestFiles;
import ctxlab.emu.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's walls: the seccomp filter stops a system call the emulator was told to miss, and no
 * child outlives its parent (Ctrl-C, SIGKILL).
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")  // native code: x86-64 Linux only
class WallsTest {

    /** The switch routine, plus mkdir(dir) right before its ret. */
    static Path mkdirRoutine(Path work, Path target) throws IOException {
        String text = Files.readString(TestFiles.SWITCH);
        String syscall = "leaq    dirname(%rip), %rdi\n        movl    $0x1ed, %esi\n        movl    $83, %eax\n"
                + "        syscall\n        ret\ndirname:\n        .asciz \"" + target + "\"\n";
        String changed = text.replaceFirst("(?m)^        ret\\b.*$", java.util.regex.Matcher.quoteReplacement(syscall));
        assertFalse(changed.equals(text));
        Path f = work.resolve("mkdir.s");
        Files.writeString(f, changed);
        return f;
    }

    @Test
    void theEmulatorRefusesTheSyscall(@TempDir Path work) throws Exception {
        Path target = work.resolve("made-by-the-routine");
        Path routine = mkdirRoutine(work, target);
        HostSelftest.Report r = HostSelftest.run(TestFiles.ROOT, routine, routine.toString(), false);
        assertEquals(1, r.exit(), String.join("\n", r.text()));
        assertTrue(String.join("\n", r.text()).contains("syscall"), String.join("\n", r.text()));
        assertFalse(Files.exists(target), "the system call ran");
    }

    @Test
    void withTheEmulatorsCheckOffTheSeccompWallKillsTheChild(@TempDir Path work) throws Exception {
        Path target = work.resolve("made-by-the-routine");
        Path routine = mkdirRoutine(work, target);
        System.setProperty(Machine.IGNORE_PRIVILEGE_PROPERTY, "true");   // test-only: the emulator lets syscall through
        HostSelftest.Report r;
        try {
            r = HostSelftest.run(TestFiles.ROOT, routine, routine.toString(), false);
        } finally {
            System.clearProperty(Machine.IGNORE_PRIVILEGE_PROPERTY);
        }
        String text = String.join("\n", r.text());
        assertEquals(1, r.exit(), text);
        assertTrue(text.contains("killed by the seccomp wall"), text);
        assertFalse(text.contains("\tat "), text);
        assertFalse(Files.exists(target), "the system call reached the kernel: " + target + " exists");
    }

    @Test
    void theFilterProgramCoversTheRangeInclusiveAndSplitsAt4GiB() {
        List<Seccomp.Insn> one = Seccomp.program(0x7f0000001000L, 0x7f0000101000L);
        assertEquals(7, one.size());
        assertEquals(0x7f00, one.get(1).k());
        assertEquals(0x1000, one.get(3).k());
        assertEquals(0x101000, one.get(4).k());
        List<Seccomp.Insn> two = Seccomp.program(0x1fffff000L, 0x200001000L);
        assertEquals(13, two.size(), "two 4 GiB halves");
        assertEquals(Seccomp.SECCOMP_RET_ALLOW, two.get(two.size() - 1).k());
    }

    /** Java processes whose command line runs the host child, and whose parent is {@code parent}. */
    static List<ProcessHandle> children(ProcessHandle parent) {
        return parent.descendants().filter(p -> p.info().commandLine().orElse("").contains(Child.class.getName())).toList();
    }

    static Process spinningParent(Path work) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "-Dctxlab.root=" + TestFiles.ROOT, "-Djava.io.tmpdir=" + work, "ctxlab.cli.Main",
                "strands", "--program", "spin_program", "--count", "1", "--timeout", "600")
                .redirectErrorStream(true).redirectOutput(work.resolve("parent.log").toFile()).start();
    }

    static ProcessHandle awaitChild(Process parent, Path work) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> c = children(parent.toHandle());
            // running: its JSON said so in the parent's stdout? The spin starts right after the gate; give it a moment.
            if (!c.isEmpty() && Files.list(work).anyMatch(p -> p.getFileName().toString().startsWith("ctxlab-host"))) {
                Thread.sleep(1500);
                return c.get(0);
            }
            if (!parent.isAlive()) fail("the parent ended early: " + Files.readString(work.resolve("parent.log")));
            Thread.sleep(100);
        }
        parent.destroyForcibly();
        fail("no child JVM appeared within 60 s");
        return null;
    }

    static void awaitGone(ProcessHandle p, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (p.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
    }

    @Test
    void ctrlCDuringARunawayStrandLeavesNoChildAndNoTemporaryFolder(@TempDir Path work) throws Exception {
        Process parent = spinningParent(work);
        ProcessHandle child = awaitChild(parent, work);
        new ProcessBuilder("sh", "-c", "kill -INT " + parent.pid()).start().waitFor(10, TimeUnit.SECONDS);
        if (!parent.waitFor(30, TimeUnit.SECONDS)) {
            parent.destroyForcibly();
            child.destroyForcibly();
            fail("the parent did not end within 30 s of SIGINT");
        }
        awaitGone(child, 10);
        boolean orphan = child.isAlive();
        if (orphan) child.destroyForcibly();
        assertFalse(orphan, "the child JVM " + child.pid() + " outlived its parent");
        try (Stream<Path> s = Files.list(work)) {
            Optional<Path> left = s.filter(p -> p.getFileName().toString().startsWith("ctxlab-host")).findFirst();
            assertTrue(left.isEmpty(), "temporary folder left behind: " + left);
        }
    }

    @Test
    void sigkillOfTheParentTakesTheChildWithIt(@TempDir Path work) throws Exception {
        Process parent = spinningParent(work);
        ProcessHandle child = awaitChild(parent, work);
        parent.destroyForcibly();   // SIGKILL: no shutdown hook runs; PR_SET_PDEATHSIG must do it
        parent.waitFor(30, TimeUnit.SECONDS);
        awaitGone(child, 10);
        boolean orphan = child.isAlive();
        if (orphan) child.destroyForcibly();
        assertFalse(orphan, "the child JVM " + child.pid() + " outlived its SIGKILLed parent");
    }
}
