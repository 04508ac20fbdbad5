package ctxlab.cli;

import ctxlab.asm.Assembly;
import ctxlab.asm.AssemblyCache;
import ctxlab.asm.SourceFile;
import ctxlab.asm.elf.ElfFile;
import ctxlab.asm.elf.ElfInput;
import java.nio.file.Path;
import java.util.Map;

/**
 * The routine a command works on, from a GNU-as source or from an ELF file (object, shared library,
 * executable: recognised by its {@code \x7fELF} magic, whatever its name).
 *
 * @param name     the file as messages name it
 * @param symbol   the routine: as asked, or for an ELF file without {@code --symbol}, its only function
 * @param sources  file name to text, for source views (empty for ELF input)
 * @param kind     "GNU-as source", or the ELF file's type ("relocatable object", "shared library", "executable")
 */
record Input(Assembly assembly, String name, String symbol, Map<String, String> sources, String kind) {

    boolean elf() {
        return !kind.equals(SOURCE);
    }

    static final String SOURCE = "GNU-as source";

    static Input load(Path path, long base, String symbol, boolean symbolGiven, ctxlab.asm.SourceOptions options) {
        String name = Common.display(path);
        if (ElfFile.isElf(path)) {
            ElfFile elf = x86(ElfFile.read(path, name));
            ElfInput.Routine r = ElfInput.load(elf, symbol, symbolGiven, base);
            return new Input(r.assembly(), name, r.symbol(), Map.of(), elf.typeName());
        }
        SourceFile source = new SourceFile(name, SourceFile.read(path, options).text());
        // The source view shows the file as written, not the preprocessor's output.
        String shown = options.preprocesses(path.toString()) ? SourceFile.readRaw(path) : source.text();
        // Through the assembled-output cache (--no-cache turns it off); ELF input above never is.
        Assembly a = AssemblyCache.assemble(java.util.List.of(source), base, options);
        return new Input(a, name, symbol, Map.of(name, shown), SOURCE);
    }

    /** The x86-64 path's ELF file: an AArch64 one here means --arch x86-64 was forced on it. */
    static ElfFile x86(ElfFile elf) {
        if (elf.machine() != ElfFile.EM_X86_64) {
            throw new IllegalArgumentException(elf.name() + ": an AArch64 ELF file (e_machine " + elf.machine()
                    + "), read as x86-64: give --arch arm64 or leave --arch out");
        }
        return elf;
    }

    /** The arm64 path's ELF file. */
    static ElfFile arm64(ElfFile elf) {
        if (elf.machine() != ElfFile.EM_AARCH64) {
            throw new IllegalArgumentException(elf.name() + ": an x86-64 ELF file (e_machine " + elf.machine()
                    + "), read as arm64: give --arch x86-64 or leave --arch out");
        }
        return elf;
    }

    /**
     * Like {@link #load}, but without {@code --symbol} the routine is the first of {@code preferred}
     * the file defines (the known conventions' routine names), else the file's only global routine.
     */
    static Input loadPreferring(Path path, long base, String symbol, String first,
                                java.util.function.Supplier<java.util.List<String>> rest, ctxlab.asm.SourceOptions options) {
        if (symbol != null) return load(path, base, symbol, true, options);
        // first is tried before the list is built: building it may mean reading every convention file.
        java.util.function.Function<java.util.function.Predicate<String>, String> choose = defined ->
                first != null && defined.test(first) ? first : rest.get().stream().filter(defined).findFirst().orElse(null);
        String name = Common.display(path);
        if (ElfFile.isElf(path)) {
            ElfFile elf = x86(ElfFile.read(path, name));
            // Any defined symbol: hand-written assembly often has no .size, so no function size.
            java.util.Set<String> defined = new java.util.HashSet<>();
            for (java.util.List<ElfFile.Symbol> t : java.util.List.of(elf.symtab(), elf.dynsym())) {
                t.stream().filter(ElfFile.Symbol::defined).forEach(f -> defined.add(f.name()));
            }
            String pick = choose.apply(defined::contains);
            ElfInput.Routine r = ElfInput.load(elf, pick, pick != null, base);
            return new Input(r.assembly(), name, r.symbol(), Map.of(), elf.typeName());
        }
        Input in = load(path, base, null, false, options);
        Map<String, Assembly.Symbol> symbols = in.assembly().symbols();
        String pick = choose.apply(symbols::containsKey);
        if (pick == null) {
            java.util.List<String> globals = symbols.values().stream().filter(Assembly.Symbol::global).map(Assembly.Symbol::name)
                    .sorted().toList();
            if (globals.size() != 1) {
                throw new IllegalArgumentException(name + ": " + (globals.isEmpty() ? "no global symbol and none of the known"
                        + " routines (" + String.join(", ", rest.get()) + ")" : "several global symbols (" + String.join(", ", globals)
                        + ") and none of the known routines: pick one with --symbol"));
            }
            pick = globals.get(0);
        }
        return new Input(in.assembly(), name, pick, in.sources(), in.kind());
    }
}
