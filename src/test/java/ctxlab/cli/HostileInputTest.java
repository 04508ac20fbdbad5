package ctxlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ctxlab.TestFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Hostile input across every command, in one JVM (each case through {@link Main#execute} with the
 * same escaping writers {@code main} uses). Each case has an expected exit code and a time bound
 * (a future that must finish in time, else the case fails), and must print no stack trace, never
 * echo the planted secret, and write no file outside what it was asked to write.
 */
class HostileInputTest {
    static final String SECRET = "S3CRET-" + UUID.randomUUID();
    static Path dir;
    static ExecutorService pool;

    /** One case: the arguments ({@code @name} = a file in the case folder), the exit code, a check of the output. */
    record Case(String name, int exit, int seconds, List<String> args, Predicate<String> output, Set<String> mayWrite) {}

    @BeforeAll
    static void inputs() throws Exception {
        dir = Files.createTempDirectory("ctxlab-hostile");
        pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "hostile-case");
            t.setDaemon(true);   // a case that hangs must not keep the test JVM alive
            return t;
        });
        String sw = Files.readString(TestFiles.SWITCH);
        write("secret.txt", SECRET + ": the password\nroot:x:0:0:" + SECRET + "\n");
        write("secret-twice.txt", SECRET + ":\n" + SECRET + ":\n");
        write("empty.s", "");
        write("binary.s", new String(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}, StandardCharsets.ISO_8859_1));
        Files.write(dir.resolve("binary.s"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        write("nul.s", ".globl f\nf:\n  movq %rax, \u0000(%rbx)\n  ret\n");
        write("esc.s", ".globl f\nf:\n  \u001b[2J\u001b[31mfake line\n  ret\n");
        for (String[] v : new String[][] {{"syscall", "syscall"}, {"cli", "cli"}, {"sti", "sti"}, {"int80", "int $0x80"},
                {"int3", "int3"}, {"wrmsr", "wrmsr"}, {"rdmsr", "rdmsr"}, {"in", "inb $0x60, %al"}, {"out", "outb %al, $0x80"},
                {"hlt", "hlt"}, {"cr0", "movq %rax, %cr0"}, {"lgdt", "lgdt (%rax)"}, {"invlpg", "invlpg (%rax)"}}) {
            write(v[0] + ".s", sw.replaceFirst("(?m)^(\\s+)ret\\b", "$1" + v[1].replace("$", "\\$") + "\n$1ret"));
        }
        write("jump0.s", ".globl cem_swapcontext\ncem_swapcontext:\n  xorl %eax, %eax\n  jmp *%rax\n");
        write("loop.s", ".globl cem_swapcontext\ncem_swapcontext:\n  jmp cem_swapcontext\n");
        byte[] big = new byte[(16 << 20) + 10];
        java.util.Arrays.fill(big, (byte) '#');
        Files.write(dir.resolve("big.s"), big);
        Files.write(dir.resolve("big.json"), big);
        Files.createDirectories(dir.resolve("folder.s"));
        Files.createDirectories(dir.resolve("outdir"));

        ObjectMapper json = new ObjectMapper();
        Path base = TestFiles.ROOT.resolve("testvectors/registers").toFile().listFiles((d, n) -> n.endsWith(".json"))[0].toPath();
        ObjectNode v = (ObjectNode) json.readTree(base.toFile());
        v.remove("$schema");
        vector(json, v, "abs-source.json", n -> n.put("source", "/etc/passwd"));
        vector(json, v, "dotdot-source.json", n -> n.put("source", "../../../../etc/shadow"));
        vector(json, v, "secret-source.json", n -> n.put("source", dir.relativize(dir.resolve("secret.txt")).toString()));
        vector(json, v, "tree-escape-asm.json", n -> n.set("asm", json.createArrayNode().add("asm/../../../etc/passwd.s")));
        vector(json, v, "esc-name.json", n -> n.put("name", "ok\u001b[2K\rvector passed\nforged"));
        vector(json, v, "nul-name.json", n -> n.put("name", "a\u0000b"));
        vector(json, v, "huge-regions.json", n -> {
            ObjectNode mem = json.createObjectNode();
            for (int i = 0; i < 600; i++) {
                mem.putObject("r" + i).put("base", String.format("0x%x", 0x200000000000L + (long) i * (32L << 20)))
                        .put("size", "0x1000000").put("prot", "rw");
            }
            n.set("memory", mem);
        });
        vector(json, v, "negative-size.json", n -> ((ObjectNode) n.get("memory").get("save")).put("size", "-0x1000"));
        vector(json, v, "wrapping-base.json", n -> ((ObjectNode) n.get("memory").get("save")).put("base", "0xfffffffffffff000"));
        write("malformed.json", "{\"name\": ");
        write("empty-object.json", "{}");
        write("deep.json", "[".repeat(200_000));
        write("not-json.json", SECRET + "\n");
    }

    interface Edit {
        void apply(ObjectNode n);
    }

    static void vector(ObjectMapper json, ObjectNode template, String name, Edit edit) throws IOException {
        ObjectNode n = template.deepCopy();
        edit.apply(n);
        Files.writeString(dir.resolve(name), json.writeValueAsString(n));
    }

    static void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    @AfterAll
    static void cleanup() throws IOException {
        pool.shutdownNow();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    static final Predicate<String> ANY = s -> true;

    static Case c(String name, int exit, String... args) {
        return new Case(name, exit, 60, List.of(args), ANY, Set.of());
    }

    static Case c(String name, int exit, Predicate<String> output, String... args) {
        return new Case(name, exit, 60, List.of(args), output, Set.of());
    }

    static Predicate<String> says(String... words) {
        return s -> {
            for (String w : words) if (!s.contains(w)) return false;
            return true;
        };
    }

    static List<Case> cases() {
        List<Case> l = new ArrayList<>();
        // usage
        l.add(c("no command", 2));
        l.add(c("unknown command", 2, "frobnicate"));
        l.add(c("unknown option", 2, "verify", "--frobnicate"));
        // assemble
        l.add(c("assemble: missing file", 2, says("no such file"), "assemble", "@nope.s"));
        l.add(c("assemble: a folder", 2, "assemble", "@folder.s"));
        l.add(c("assemble: /dev/zero is capped", 2, says("16 MiB"), "assemble", "/dev/zero"));
        l.add(c("assemble: 16 MiB + 10 bytes", 2, says("16 MiB"), "assemble", "@big.s"));
        l.add(c("assemble: not UTF-8", 2, says("UTF-8"), "assemble", "@binary.s"));
        l.add(c("assemble: a secret file is not quoted", 2, "assemble", "@secret.txt"));
        l.add(c("assemble: a secret as duplicate labels is not quoted", 2, "assemble", "@secret-twice.txt"));
        l.add(c("assemble: --base -1", 2, says("--base 0xffffffffffffffff"), "assemble", "--base", "-1"));
        l.add(c("assemble: --base near 2^64", 2, says("user address space"), "assemble", "--base", "0xfffffffffffffff0"));
        l.add(c("assemble: code wrapping past user space", 2, says("run past"), "assemble", "--base", "0x7ffffffffff0"));
        l.add(c("assemble: --base not a number", 2, "assemble", "--base", "zz"));
        l.add(c("assemble: NUL in a line is escaped", 2, s -> !s.contains("\u0000"), "assemble", "@nul.s"));
        l.add(c("assemble: ESC in a line is escaped", 2, s -> !s.contains("\u001b"), "assemble", "@esc.s"));
        // verify
        l.add(c("verify: /dev/zero", 2, says("16 MiB"), "verify", "/dev/zero"));
        l.add(c("verify: a secret file", 2, "verify", "@secret.txt"));
        l.add(c("verify: empty file", 2, "verify", "@empty.s"));
        l.add(c("verify: --iterations 0", 2, "verify", "--iterations", "0"));
        l.add(c("verify: --iterations -5", 2, "verify", "--iterations", "-5"));
        l.add(c("verify: --iterations past int", 2, "verify", "--iterations", "99999999999"));
        l.add(c("verify: no such symbol", 2, "verify", "--symbol", "nosuch"));
        l.add(c("verify: --seed garbage", 2, "verify", "--seed", "zz"));
        for (String[] p : new String[][] {{"syscall", "syscall"}, {"cli", "cli"}, {"sti", "sti"}, {"int80", "int $0x80"},
                {"int3", "int3"}, {"wrmsr", "wrmsr"}, {"rdmsr", "rdmsr"}, {"in", "in"}, {"out", "out"}, {"cr0", "%cr0"},
                {"lgdt", "lgdt"}, {"invlpg", "invlpg"}}) {
            l.add(c("verify: " + p[1] + " is a termination violation", 1, says("termination", p[1]), "verify",
                    "--iterations", "20", "@" + p[0] + ".s"));
        }
        l.add(c("verify: hlt in the routine", 1, says("termination", "hlt"), "verify", "--iterations", "20", "@hlt.s"));
        l.add(c("verify: a jump to 0", 1, "verify", "--iterations", "50", "@jump0.s"));
        l.add(c("verify: an endless loop", 1, says("termination"), "verify", "--iterations", "20", "@loop.s"));
        // selftest
        l.add(c("selftest: --asm /dev/zero", 2, "selftest", "--asm", "/dev/zero"));
        l.add(c("selftest: --asm a secret", 2, "selftest", "--asm", "@secret.txt"));
        l.add(c("selftest: a syscall routine fails", 1, "selftest", "--asm", "@syscall.s"));
        l.add(c("selftest: --unverified without --host", 2, "selftest", "--unverified"));
        l.add(c("selftest --host: --timeout 0", 2, says("--timeout"), "selftest", "--host", "--timeout", "0"));
        l.add(c("selftest --host: --timeout 99999", 2, says("--timeout"), "selftest", "--host", "--timeout", "99999"));
        // vectors
        l.add(c("vectors: /dev/null is not a vector", 2, says("not a vector file"), "vectors", "/dev/null"));
        l.add(c("vectors: missing", 2, says("no such file"), "vectors", "@nope.json"));
        l.add(c("vectors: absolute source", 2, says("$.source", "relative"), "vectors", "@abs-source.json"));
        l.add(c("vectors: .. out of the tree", 2, says("$.source"), "vectors", "@dotdot-source.json"));
        l.add(c("vectors: a secret as source", 2, says("$.source"), "vectors", "@secret-source.json"));
        l.add(c("vectors: asm escaping the tree", 2, says("$.asm[0]"), "vectors", "@tree-escape-asm.json"));
        l.add(c("vectors: ESC and newline in a name", 2, says("$.name", "U+001B"), "vectors", "@esc-name.json"));
        l.add(c("vectors: NUL in a name", 2, says("$.name"), "vectors", "@nul-name.json"));
        l.add(c("vectors: 600 regions of 16 MiB", 2, says("64 MiB"), "vectors", "@huge-regions.json"));
        l.add(c("vectors: negative region size", 2, "vectors", "@negative-size.json"));
        l.add(c("vectors: region wrapping past 2^64", 2, "vectors", "@wrapping-base.json"));
        l.add(c("vectors: malformed JSON", 2, says("malformed JSON"), "vectors", "@malformed.json"));
        l.add(c("vectors: an empty object", 2, "vectors", "@empty-object.json"));
        l.add(c("vectors: 200,000 nested arrays", 2, "vectors", "@deep.json"));
        l.add(c("vectors: a secret instead of JSON", 2, "vectors", "@not-json.json"));
        l.add(c("vectors: 16 MiB + 10 bytes", 2, says("16 MiB"), "vectors", "@big.json"));
        l.add(c("vectors: /dev/zero", 2, "vectors", "/dev/zero"));
        l.add(c("vectors --host: --timeout 0", 2, says("--timeout"), "vectors", "--host", "--timeout", "0", "@malformed.json"));
        // trace
        l.add(c("trace: --max-steps 2000000000", 2, says("--max-steps"), "trace", "--max-steps", "2000000000"));
        l.add(c("trace: --max-steps 0", 2, says("--max-steps"), "trace", "--max-steps", "0"));
        l.add(c("trace: --out ''", 2, says("--out needs a file name"), "trace", "--out", ""));
        l.add(c("trace: --out a folder", 2, says("is a folder"), "trace", "--out", "@outdir"));
        l.add(c("trace: --format pdf", 2, "trace", "--format", "pdf"));
        l.add(c("trace: unknown scenario", 2, "trace", "--scenario", "nosuch"));
        l.add(c("trace: --vector /etc/passwd", 2, "trace", "--vector", "/etc/passwd"));
        l.add(c("trace: --vector with an absolute source", 2, "trace", "--vector", "@abs-source.json"));
        l.add(c("trace: a secret file", 2, "trace", "@secret.txt"));
        l.add(c("trace: a syscall routine stops at it", 1, says("syscall"), "trace", "@syscall.s"));
        l.add(new Case("trace: --out writes exactly that file", 0, 60, List.of("trace", "--out", "@trace.txt"), ANY, Set.of("trace.txt")));
        // strands
        l.add(c("strands: --count 0", 2, says("--count"), "strands", "--count", "0"));
        l.add(c("strands: --count 10,000,000", 2, says("--count"), "strands", "--count", "10000000"));
        l.add(c("strands: --stack near 2^63", 2, says("--stack"), "strands", "--stack", "9223372036854775000"));
        l.add(c("strands: --stack 100", 2, says("--stack"), "strands", "--stack", "100"));
        l.add(c("strands: a million 1 GiB stacks", 2, says("available"), "strands", "--count", "1000000", "--stack", "1073741824"));
        l.add(c("strands: --timeout 0", 2, says("--timeout"), "strands", "--timeout", "0"));
        // bench
        l.add(c("bench: --switches 1", 2, says("--switches must be at least 2"), "bench", "--switches", "1"));
        l.add(c("bench: --rounds 0", 2, says("--rounds"), "bench", "--rounds", "0"));
        l.add(c("bench: --scale-strands 10,000,000", 2, says("--count"), "bench", "--scale-strands", "10000000"));
        l.add(c("bench: --timeout 0", 2, says("--timeout"), "bench", "--timeout", "0"));
        return l;
    }

    @TestFactory
    Stream<DynamicTest> everyCommandHoldsAgainstHostileInput() {
        List<Case> all = cases();
        assertTrue(all.size() >= 60, "the suite has " + all.size() + " cases");
        return all.stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> check(k)));
    }

    static void check(Case k) throws Exception {
        String[] args = k.args().stream().map(a -> a.startsWith("@") ? dir.resolve(a.substring(1)).toString() : a).toArray(String[]::new);
        Set<String> before = listing(dir);
        Set<String> rootBefore = listing1(TestFiles.ROOT);
        StringWriter out = new StringWriter(), err = new StringWriter();
        Future<Integer> f = pool.submit(() -> Main.execute(args,
                new PrintWriter(new Output.Escaping(out), true), new PrintWriter(new Output.Escaping(err), true)));
        int exit;
        try {
            exit = f.get(k.seconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            fail(k.name() + ": no answer within " + k.seconds() + " s");
            return;
        }
        String text = out + "\n" + err;
        String shown = k.name() + " (" + String.join(" ", args) + "):\n" + text;
        assertEquals(k.exit(), exit, shown);
        assertFalse(text.contains("\tat ") || text.contains("Exception in thread") || text.matches("(?s).*\\bat ctxlab\\..*"),
                "a stack trace: " + shown);
        assertFalse(text.contains(SECRET), "the planted secret was echoed: " + shown);
        assertFalse(text.contains("\u001b") || text.contains("\u0000"), "a raw control character: " + shown);
        assertTrue(k.output().test(text), "unexpected message: " + shown);
        if (k.exit() == 2) assertFalse(err.toString().isBlank(), "bad input without a message: " + shown);
        Set<String> after = listing(dir);
        after.removeAll(before);
        after.removeAll(k.mayWrite());
        assertEquals(Set.of(), after, "files written that were not asked for: " + shown);
        for (String w : k.mayWrite()) assertTrue(Files.size(dir.resolve(w)) > 0, w + " was asked for and is empty");
        for (String w : k.mayWrite()) Files.deleteIfExists(dir.resolve(w));
        assertEquals(rootBefore, listing1(TestFiles.ROOT), "files appeared in the project root: " + shown);
    }

    static Set<String> listing(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return new TreeSet<>(s.map(p -> d.relativize(p).toString()).toList());
        }
    }

    static Set<String> listing1(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return new TreeSet<>(s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("target")).toList());
        }
    }

    /** A FIFO fed without end: read with the cap, refused, not a hang. */
    @TestFactory
    Stream<DynamicTest> aFifoFedForeverIsCapped() throws Exception {
        return Stream.of(DynamicTest.dynamicTest("verify: a FIFO that never ends", () -> {
            Path fifo = dir.resolve("fifo.s");
            Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
            if (!mk.waitFor(10, TimeUnit.SECONDS) || mk.exitValue() != 0) return;   // no mkfifo: nothing to test
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                try (OutputStream o = Files.newOutputStream(fifo)) {
                    byte[] b = new byte[1 << 16];
                    java.util.Arrays.fill(b, (byte) ' ');
                    while (true) o.write(b);
                } catch (IOException e) {
                    // the reader stopped reading: as intended
                }
            });
            StringWriter out = new StringWriter(), err = new StringWriter();
            Future<Integer> f = pool.submit(() -> Main.execute(new String[] {"verify", fifo.toString()},
                    new PrintWriter(out, true), new PrintWriter(err, true)));
            try {
                assertEquals(2, f.get(60, TimeUnit.SECONDS), err.toString());
            } catch (TimeoutException e) {
                fail("verify of an endless FIFO did not answer within 60 s");
            }
            assertTrue(err.toString().contains("16 MiB"), err.toString());
            writer.interrupt();
            Files.deleteIfExists(fifo);
        }));
    }
}
