package ctxlab.vectors;

import ctxlab.asm.AsmException;
import ctxlab.asm.AssemblyCache;
import ctxlab.asm.Assembly;
import ctxlab.asm.SourceFile;
import ctxlab.asm.SourceOptions;
import ctxlab.emu.EmulationException;
import ctxlab.emu.Machine;
import ctxlab.emu.Reg;
import ctxlab.emu.UcConst;
import ctxlab.vectors.Linked.Image;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs vectors in Unicorn. Each run gets a fresh {@link Machine} (≈20 ms to create), so no state,
 * translated code or mapping of one vector can reach another, whatever the order. Assemblies are
 * cached per set of source texts: the same files assemble to the same bytes.
 *
 * <p>The code is mapped read-execute at {@link #CODE_BASE}; each region is mapped at its base,
 * filled with its initial bytes, then given its protection; the registers are set and the machine
 * runs from the called symbol until rip reaches the stop address (which is not executed and need
 * not be mapped), a fault, or the instruction budget.
 */
public final class UnicornRunner {
    /** Where the code goes; vectors name code addresses by symbol, so any page would do. */
    public static final long CODE_BASE = 0x40_0000L;
    /** Stands for "no stop address": rip can never hold a non-canonical address. */
    static final long NO_STOP = 0x8000_0000_0000_0000L;

    private final Path root;
    private final Path routine;
    private final SourceOptions options;
    /** The routine already as source (an ELF file's code as bytes), or null: {@link #routine} is read. */
    private final SourceFile routineSource;
    private final Map<List<SourceFile>, Assembly> assemblies = new HashMap<>();

    /** @param root the project root, against which {@code source} and {@code asm} are resolved */
    public UnicornRunner(Path root) {
        this(root, (Path) null);
    }

    /**
     * @param routine when not null, the switch routine to test instead of every vector's
     *                {@code source}: the corpus run against another implementation
     */
    public UnicornRunner(Path root, Path routine) {
        this(root, routine, SourceOptions.DEFAULT);
    }

    /** @param options how {@code routine} is read (C preprocessor options) */
    public UnicornRunner(Path root, Path routine, SourceOptions options) {
        this.root = root;
        this.routine = routine;
        this.options = options;
        this.routineSource = null;
    }

    /** @param routine the switch routine to test, already read (named as messages should name it) */
    public UnicornRunner(Path root, SourceFile routine) {
        this.root = root;
        this.routine = null;
        this.options = SourceOptions.DEFAULT;
        this.routineSource = routine;
    }

    /** The routine given to the constructor as source, or null when every vector uses its own. */
    private SourceFile routineFile() {
        if (routineSource != null) return routineSource;
        if (routine == null) return null;
        try {
            return new SourceFile(Corpus.display(routine), SourceFile.read(routine, options).text());
        } catch (AsmException e) {
            throw new VectorException(e.getMessage());
        }
    }

    /** The vector's code: {@code source} then {@code asm}, assembled as one unit at {@link #CODE_BASE}. */
    public Assembly assemble(Vector v) {
        List<SourceFile> files = new ArrayList<>();
        SourceFile given = routineFile();
        files.add(given != null ? given : source(v, v.source(), "$.source"));
        for (int i = 0; i < v.asm().size(); i++) files.add(source(v, v.asm().get(i), "$.asm[" + i + "]"));
        Assembly a = assemblies.get(files);
        if (a == null) {
            try {
                a = AssemblyCache.assemble(files, CODE_BASE);
            } catch (AsmException e) {
                throw new VectorException(v.display() + ": " + e.getMessage());
            }
            assemblies.put(files, a);
        }
        return a;
    }

    /**
     * The global symbols the routine given to the constructor defines (assembled alone), or the
     * empty set when every vector uses its own {@code source}.
     */
    public java.util.Set<String> routineSymbols() {
        SourceFile f = routineFile();
        if (f == null) return java.util.Set.of();
        try {
            Assembly a = AssemblyCache.assemble(List.of(f), CODE_BASE);
            java.util.Set<String> s = new java.util.TreeSet<>();
            a.symbols().values().stream().filter(Assembly.Symbol::global).forEach(x -> s.add(x.name()));
            return s;
        } catch (AsmException e) {
            throw new VectorException(e.getMessage());
        }
    }

    private SourceFile source(Vector v, String file, String path) {
        try {
            SourceFile f = SourceFile.read(Sources.resolve(root, file, v.display(), path));
            return new SourceFile(file, f.text());
        } catch (AsmException e) {
            throw new VectorException(v.display(), path, file + ": " + e.getMessage().replaceFirst("^.*: ", ""));
        }
    }

    /** Assembles and resolves; every problem with the vector shows here, before anything runs. */
    public Linked link(Vector v) {
        Assembly a = assemble(v);
        long codeEnd = CODE_BASE + Machine.pages(a.size());
        for (Vector.Region r : v.regions().values()) {
            if (r.base() < codeEnd && CODE_BASE < r.end()) {
                throw new VectorException(v.display(), "$.memory." + VectorParser.key(r.name()), "overlaps the code, which "
                        + "this runner maps at [" + Expr.hex(CODE_BASE) + ", " + Expr.hex(codeEnd) + ")");
            }
        }
        return Linked.link(v, a);
    }

    public Outcome run(Vector v) {
        Linked l = link(v);
        Observed o = execute(l);
        return new Outcome(v, l, o, Comparison.diffs(l, o));
    }

    /** One call on a fresh machine. */
    public Observed execute(Linked l) {
        try (Machine m = Machine.x86_64()) {
            Assembly a = l.assembly();
            // At the assembly's own base: CODE_BASE for this runner's assemblies, the host's base
            // when a host replay links the vector against the code it runs natively.
            m.map(a.base(), Machine.pages(a.size()), UcConst.UC_PROT_READ | UcConst.UC_PROT_EXEC);
            m.write(a.base(), a.code());
            for (Image i : l.images()) {
                // Filled while writable, then protected as the vector says.
                m.map(i.base(), i.region().size(), UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE);
                m.write(i.base(), i.bytes());
                if (i.region().prot() != (UcConst.UC_PROT_READ | UcConst.UC_PROT_WRITE)) {
                    m.protect(i.base(), i.region().size(), i.region().prot());
                }
            }
            Reg[] regs = Vector.BEFORE.toArray(new Reg[0]);
            long[] values = new long[regs.length];
            for (int k = 0; k < regs.length; k++) values[k] = l.registers().get(regs[k]);
            m.set(regs, values);

            long until = l.until() == null ? NO_STOP : l.until();
            long instructions;
            FaultKind fault = null;
            long faultAddress = 0, faultPc = 0;
            String message = null;
            try {
                instructions = m.run(l.entry(), until, l.budget(), Machine.DEFAULT_TIMEOUT).instructions();
            } catch (EmulationException e) {
                instructions = -1;
                fault = FaultKind.of(e.kind());
                faultAddress = e.address();
                faultPc = e.pc();
                message = e.getMessage();
            }
            Reg[] after = Vector.AFTER.toArray(new Reg[0]);
            long[] got = m.get(after);
            Map<Reg, Long> registers = new EnumMap<>(Reg.class);
            for (int k = 0; k < after.length; k++) registers.put(after[k], got[k]);
            Map<String, byte[]> memory = new LinkedHashMap<>();
            for (Image i : l.images()) memory.put(i.region().name(), m.read(i.base(), (int) i.region().size()));
            return new Observed(registers, memory, instructions, fault, faultAddress, faultPc, message);
        }
    }

}
