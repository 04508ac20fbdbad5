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
            ElfFile elf = ElfFile.read(path, name);
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
}
