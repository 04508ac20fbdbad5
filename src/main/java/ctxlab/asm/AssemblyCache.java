package ctxlab.asm;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * A content-addressed cache of assembled output, so that a repeated command skips Keystone (whose
 * instantiation is most of a cold start: about half a second).
 *
 * <p>The key is everything the output depends on: this cache's format version, the shape of the
 * {@link Assembly} record (its component names and types, recursively), the <em>build</em> of the
 * assembler (name, size and CRC of every class and resource under {@code ctxlab/asm/} — the
 * front-end, Keystone's binding and Keystone's wasm itself, whose compiled module lives there —
 * so any change of ctxlab's front-end or of the Keystone wasm is a different key; stricter than a
 * version number), the base address, the caller's flags, and each source file's name and bytes in
 * order. An entry is stored under a 128-bit hash of the key ({@code <hash>.asm} in
 * {@code $XDG_CACHE_HOME/ctxlab/assembly}, else {@code ~/.cache/ctxlab/assembly}) and holds the
 * whole key before the serialised {@link Assembly}: a lookup compares it byte for byte, so two
 * inputs whose hashes collide can only miss, never get each other's output. (Not a SHA-256 of the
 * key: the JDK's digest providers took a cold start 15-20 ms to set up, and a comparison of the
 * whole key is exact where a digest is only very probably so.)
 *
 * <p>Safe to share between processes: an entry is written to a temporary file in the same
 * directory and renamed into place (atomic on one file system), so a reader sees a whole entry or
 * none. It fails closed: an entry it cannot read completely, or an {@link Assembly} with
 * components this serialiser does not know (another branch may add one), is a miss and the files
 * are assembled; errors are never cached; a cache directory that cannot be written only costs the
 * time saved.
 */
public final class AssemblyCache {
    /** Bump on any change of {@link #write}/{@link #read}. */
    static final int FORMAT = 2;
    private static final int MAGIC = 0x43544141; // "CTAA"

    /** The components this serialiser writes, per record: anything else is not understood. */
    private static final Map<Class<?>, String> KNOWN = Map.of(
            Assembly.class, "code:byte[],base:long,symbols:java.util.Map,lines:java.util.List,relocations:java.util.List",
            Assembly.Symbol.class, "name:java.lang.String,offset:long,global:boolean,size:long",
            Assembly.Line.class, "offset:long,length:int,where:ctxlab.asm.SourceLocation,text:java.lang.String,instruction:boolean",
            SourceLocation.class, "file:java.lang.String,line:int",
            Relocation.class, "offset:long,width:int,symbol:java.lang.String,addend:long,instruction:long,kind:ctxlab.asm.Relocation$Kind");

    private static volatile boolean enabled = !"false".equals(System.getProperty("ctxlab.cache"));
    private static volatile AssemblyCache shared;
    private static String build; // the assembler build's fingerprint, computed once

    private final Path dir;
    private volatile int hits, misses;

    public AssemblyCache(Path dir) {
        this.dir = dir;
    }

    /** Turns the shared cache on or off for this process ({@code --no-cache}). */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    public static boolean isEnabled() {
        return enabled;
    }

    /** The per-user cache directory: {@code $XDG_CACHE_HOME/ctxlab/assembly} or {@code ~/.cache/ctxlab/assembly}. */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("ctxlab").resolve("assembly");
    }

    /** {@link Assembler#assemble(List, long)} through the shared cache, unless it is turned off. */
    public static Assembly assemble(List<SourceFile> files, long base) {
        if (!enabled) return Assembler.assemble(files, base);
        AssemblyCache c = shared;
        if (c == null) shared = c = new AssemblyCache(defaultDirectory());
        return c.get(files, base, List.of());
    }

    public static Assembly assemble(SourceFile file, long base) {
        return assemble(List.of(file), base);
    }

    /**
     * The same for files read with these preprocessor options. The texts are already the
     * preprocessor's output, so they alone decide the result; the options are in the key as well, so
     * that an entry is never shared between runs that asked for different preprocessing.
     */
    public static Assembly assemble(List<SourceFile> files, long base, SourceOptions options) {
        if (!enabled) return Assembler.assemble(files, base);
        AssemblyCache c = shared;
        if (c == null) shared = c = new AssemblyCache(defaultDirectory());
        return c.get(files, base, flags(options));
    }

    /**
     * {@link Arm64Assembler#assemble(List, long)} through the shared cache: the same key with an
     * {@code arch=arm64} flag, which no x86-64 lookup has, so the two never share an entry.
     */
    public static Assembly assembleArm64(List<SourceFile> files, long base) {
        if (!enabled) return Arm64Assembler.assemble(files, base);
        AssemblyCache c = shared;
        if (c == null) shared = c = new AssemblyCache(defaultDirectory());
        return c.get(files, base, List.of(ARM64), Arm64Assembler::assemble);
    }

    static final String ARM64 = "arch=arm64";

    /** The options as the C preprocessor's arguments, in order, with {@code --cpp} first. */
    static List<String> flags(SourceOptions options) {
        List<String> f = new ArrayList<>();
        f.add("--cpp=" + options.cpp());
        for (String d : options.defines()) f.add("-D" + d);
        for (String u : options.undefines()) f.add("-U" + u);
        for (String i : options.includes()) f.add("-I" + i);
        return f;
    }

    /**
     * The assembly of {@code files} at {@code base}: from the cache when an entry exists for exactly
     * these inputs, else assembled (and stored).
     *
     * @param flags anything else the output depends on (preprocessor definitions, options), in order
     */
    public Assembly get(List<SourceFile> files, long base, List<String> flags) {
        return get(files, base, flags, Assembler::assemble);
    }

    /** The same with another assembler; {@code flags} must tell its entries apart (see {@link #assembleArm64}). */
    Assembly get(List<SourceFile> files, long base, List<String> flags,
                 java.util.function.BiFunction<List<SourceFile>, Long, Assembly> assembler) {
        byte[] key = understood() ? key(files, base, flags) : null;
        if (key == null) return assembler.apply(files, base);
        Path entry = dir.resolve(name(key) + ".asm");
        Assembly cached = load(entry, key);
        if (cached != null) {
            hits++;
            return cached;
        }
        misses++;
        Assembly a = assembler.apply(files, base); // errors propagate, and are not cached
        store(entry, key, a);
        return a;
    }

    /** Lookups through the shared cache in this process so far (hits and misses): what went through it. */
    public static int sharedLookups() {
        AssemblyCache c = shared;
        return c == null ? 0 : c.hits + c.misses;
    }

    public int hits() {
        return hits;
    }

    public int misses() {
        return misses;
    }

    public Path directory() {
        return dir;
    }

    // ---- the key ----------------------------------------------------------------------------

    /** The key of these inputs (everything the output depends on), or null if the build cannot be fingerprinted. */
    byte[] key(List<SourceFile> files, long base, List<String> flags) {
        String b = build();
        if (b == null) return null;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeUTF(shape());
            writeString(out, b);
            out.writeLong(base);
            out.writeInt(flags.size());
            for (String f : flags) writeString(out, f);
            out.writeInt(files.size());
            for (SourceFile f : files) {
                writeString(out, f.name());
                writeString(out, f.text());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The entry's file name: 128 bits of two 64-bit multiply-xor hashes of the key, in hex. Only where
     * an entry lives; whether it is this key's is decided by comparing the key it holds.
     */
    static String name(byte[] key) {
        long h1 = 0xCBF2_9CE4_8422_2325L, h2 = 0x9E37_79B9_7F4A_7C15L ^ key.length;
        for (byte b : key) {
            h1 = (h1 ^ (b & 0xFF)) * 0x0000_0100_0000_01B3L;
            h2 = Long.rotateLeft(h2 ^ ((b & 0xFF) * 0xC2B2_AE3D_27D4_EB4FL), 31) * 0x1656_67B1_9E37_79F9L;
        }
        return HexFormat.of().toHexDigits(mix(h1)) + HexFormat.of().toHexDigits(mix(h2 ^ h1));
    }

    /** SplitMix64's finaliser: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** True when every record of an {@link Assembly} has exactly the components written here. */
    static boolean understood() {
        for (var e : KNOWN.entrySet()) {
            if (!e.getValue().equals(components(e.getKey()))) return false;
        }
        return true;
    }

    private static String shape() {
        StringBuilder s = new StringBuilder();
        for (Class<?> c : List.of(Assembly.class, Assembly.Symbol.class, Assembly.Line.class, SourceLocation.class, Relocation.class)) {
            s.append(c.getName()).append('{').append(components(c)).append('}');
        }
        s.append(Arrays.toString(Relocation.Kind.values()));
        return s.toString();
    }

    private static String components(Class<?> record) {
        RecordComponent[] rc = record.getRecordComponents();
        if (rc == null) return "";
        StringBuilder s = new StringBuilder();
        for (RecordComponent c : rc) {
            if (!s.isEmpty()) s.append(',');
            s.append(c.getName()).append(':').append(c.getType().getTypeName());
        }
        return s.toString();
    }

    /**
     * A fingerprint of the assembler as built: name, size and CRC of every entry under
     * {@code ctxlab/asm/} of the jar it was loaded from (the central directory has them: nothing is
     * decompressed), or of every file under that directory of a classes folder.
     */
    static synchronized String build() {
        if (build != null) return build;
        try {
            var source = Assembler.class.getProtectionDomain().getCodeSource();
            if (source == null) return null;
            Path where = Path.of(source.getLocation().toURI());
            StringBuilder fp = new StringBuilder();
            if (Files.isRegularFile(where)) {
                try (JarFile jar = new JarFile(where.toFile())) {
                    List<JarEntry> entries = new ArrayList<>();
                    jar.stream().filter(e -> e.getName().startsWith("ctxlab/asm/") && !e.isDirectory()).forEach(entries::add);
                    entries.sort((x, y) -> x.getName().compareTo(y.getName()));
                    for (JarEntry e : entries) {
                        if (e.getCrc() < 0 || e.getSize() < 0) return null;
                        fp.append(e.getName()).append(':').append(e.getSize()).append(':').append(e.getCrc()).append('\n');
                    }
                }
            } else {
                Path pkg = where.resolve("ctxlab").resolve("asm");
                List<Path> paths;
                try (Stream<Path> s = Files.walk(pkg)) {
                    paths = s.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path p : paths) {
                    byte[] content = Files.readAllBytes(p);
                    CRC32 crc = new CRC32();
                    crc.update(content);
                    fp.append(pkg.relativize(p)).append(':').append(content.length).append(':').append(crc.getValue()).append('\n');
                }
            }
            return build = fp.toString();
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return null; // cannot tell which build this is: no caching
        }
    }

    // ---- entries ----------------------------------------------------------------------------

    private static Assembly load(Path entry, byte[] key) {
        byte[] data;
        try {
            data = Files.readAllBytes(entry);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return read(data, key);
    }

    private void store(Path entry, byte[] key, Assembly a) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, entry.getFileName().toString().substring(0, 16) + ".", ".tmp");
            try {
                Files.write(tmp, write(a, key));
                try {
                    Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, entry, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            // an unwritable cache costs the time it would have saved, nothing else
        }
    }

    /** The entry's bytes: magic, format, the whole key, then the assembly. */
    static byte[] write(Assembly a, byte[] key) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT);
            out.writeInt(key.length);
            out.write(key);
            byte[] code = a.code();
            out.writeInt(code.length);
            out.write(code);
            out.writeLong(a.base());
            out.writeInt(a.symbols().size());
            for (Assembly.Symbol s : a.symbols().values()) {
                writeString(out, s.name());
                out.writeLong(s.offset());
                out.writeBoolean(s.global());
                out.writeLong(s.size());
            }
            out.writeInt(a.lines().size());
            for (Assembly.Line l : a.lines()) {
                out.writeLong(l.offset());
                out.writeInt(l.length());
                writeString(out, l.where().file());
                out.writeInt(l.where().line());
                writeString(out, l.text());
                out.writeBoolean(l.instruction());
            }
            out.writeInt(a.relocations().size());
            for (Relocation r : a.relocations()) {
                out.writeLong(r.offset());
                out.writeInt(r.width());
                writeString(out, r.symbol());
                out.writeLong(r.addend());
                out.writeLong(r.instruction());
                writeString(out, r.kind().name());
            }
            out.writeInt(MAGIC); // a truncated entry never parses
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The assembly in an entry, or null if it is not a complete entry of this format for this key. */
    static Assembly read(byte[] data, byte[] key) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT || in.readInt() != key.length) return null;
            byte[] stored = new byte[key.length];
            in.readFully(stored);
            if (!Arrays.equals(stored, key)) return null;   // another input whose name collided, or a damaged entry
            byte[] code = new byte[count(in, data.length)];
            in.readFully(code);
            long base = in.readLong();
            int n = count(in, data.length);
            Map<String, Assembly.Symbol> symbols = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Assembly.Symbol s = new Assembly.Symbol(readString(in), in.readLong(), in.readBoolean(), in.readLong());
                symbols.put(s.name(), s);
            }
            n = count(in, data.length);
            List<Assembly.Line> lines = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long offset = in.readLong();
                int length = in.readInt();
                SourceLocation where = new SourceLocation(readString(in), in.readInt());
                lines.add(new Assembly.Line(offset, length, where, readString(in), in.readBoolean()));
            }
            n = count(in, data.length);
            List<Relocation> relocations = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                relocations.add(new Relocation(in.readLong(), in.readInt(), readString(in), in.readLong(), in.readLong(),
                        Relocation.Kind.valueOf(readString(in))));
            }
            if (in.readInt() != MAGIC || in.read() != -1) return null;
            return new Assembly(code, base, symbols, lines, relocations);
        } catch (IOException | RuntimeException e) {
            return null; // truncated, corrupt, or from something else: a miss
        }
    }

    private static int count(DataInputStream in, int limit) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > limit) throw new IOException("bad count " + n);
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) throw new IOException("bad string length " + n);
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
