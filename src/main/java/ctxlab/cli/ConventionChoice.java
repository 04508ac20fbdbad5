package ctxlab.cli;

import ctxlab.abi.Convention;
import ctxlab.abi.Conventions;
import ctxlab.verify.ConventionVerifier;
import ctxlab.verify.Verifier;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which convention a routine is written in, chosen as {@code verify} chooses: {@code --convention
 * NAME|PATH}, else a {@code # convention: NAME} line in the file, else the convention whose routine
 * the symbol names; and the {@code --maker FILE:SYMBOL} routine. Used by verify and trace.
 */
final class ConventionChoice {
    private static final Pattern NAMED = Pattern.compile("(?m)^\\s*(?:#|//|;|/\\*)\\s*convention:\\s*([A-Za-z0-9._-]+)");

    private ConventionChoice() {}

    /** A {@code # convention: NAME} line naming an x86-64 convention (one of another architecture: one line, exit 2). */
    static Optional<Convention> named(Input input) {
        return named(input, ctxlab.abi.Arch.X86_64);
    }

    /** A convention of {@code arch} (x86-64 for every command but verify --arch arm64), else one line, exit 2. */
    static Convention ofArch(Convention c, ctxlab.abi.Arch arch, String what) {
        if (c.arch() != arch) {
            throw new IllegalArgumentException(what + " names " + c.name() + ", an " + c.arch().id() + " convention, but the routine is "
                    + arch.id() + (arch == ctxlab.abi.Arch.X86_64 ? " (give --arch " + c.arch().id() + " where the command takes it)" : ""));
        }
        return c;
    }

    /** A {@code # convention: NAME} (or {@code // convention: NAME}) line in the source, naming a convention of {@code arch}. */
    static Optional<Convention> named(Input input, ctxlab.abi.Arch arch) {
        return namedAny(input).map(c -> ofArch(c, arch, input.name() + ": the file's convention line"));
    }

    private static Optional<Convention> namedAny(Input input) {
        for (String text : input.sources().values()) {
            Matcher m = NAMED.matcher(text);
            if (m.find()) {
                String n = m.group(1);
                return Optional.of(Conventions.byName(n).orElseThrow(() -> new IllegalArgumentException(input.name()
                        + ": names convention '" + n + "', which is not known (known: " + String.join(", ", Conventions.names())
                        + "); give its file with --convention PATH")));
            }
        }
        return Optional.empty();
    }

    /** The file's or the symbol's convention, if either names one. */
    static Optional<Convention> implied(Input input) {
        Optional<Convention> c = named(input);
        return c.isPresent() ? c : Conventions.bySymbol(input.symbol());
    }

    /**
     * The input with its routine set to the convention's when no {@code --symbol} was given and the
     * default one is not defined (a Boost file traced without --symbol: jump_fcontext).
     */
    static Input routineOf(Input input, Convention c) {
        if (input.assembly().symbols().containsKey(input.symbol())) return input;
        for (String s : c.symbols()) {
            if (input.assembly().symbols().containsKey(s)) {
                return new Input(input.assembly(), input.name(), s, input.sources(), input.kind());
            }
        }
        return input;
    }

    /** {@code --maker FILE:SYMBOL}: the routine, assembled (or loaded from ELF) at the maker's base. */
    static ConventionVerifier.MakerCode maker(String spec, ctxlab.asm.SourceOptions options) {
        int colon = spec.lastIndexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new IllegalArgumentException("--maker takes FILE:SYMBOL (e.g. runtime/context.o:cem_makecontext), got '"
                    + spec + "'");
        }
        Input in = Input.load(Path.of(spec.substring(0, colon)), ConventionVerifier.MAKER_BASE, spec.substring(colon + 1), true, options);
        in.assembly().symbol(in.symbol());
        if (in.assembly().size() > ConventionVerifier.MAKER_BASE - Verifier.CODE_BASE) {
            throw new IllegalArgumentException(in.name() + ": the maker's code is larger than "
                    + (ConventionVerifier.MAKER_BASE - Verifier.CODE_BASE) + " bytes");
        }
        return new ConventionVerifier.MakerCode(in.assembly(), in.symbol(), in.name());
    }

    /** {@code --maker FILE:SYMBOL} for an arm64 routine: a GNU-as source, assembled for AArch64 at the maker's base. */
    static ConventionVerifier.MakerCode makerArm64(String spec, AsmOptions options) {
        int colon = spec.lastIndexOf(':');
        if (colon <= 0 || colon == spec.length() - 1) {
            throw new IllegalArgumentException("--maker takes FILE:SYMBOL (e.g. asm/make.s:make_fcontext), got '" + spec + "'");
        }
        ctxlab.asm.SourceFile src = Arm64Commands.source(Path.of(spec.substring(0, colon)), options);
        ctxlab.asm.Assembly a = ctxlab.asm.AssemblyCache.assembleArm64(java.util.List.of(src), ConventionVerifier.MAKER_BASE);
        String symbol = spec.substring(colon + 1);
        a.symbol(symbol);
        if (a.size() > 0x10_0000) throw new IllegalArgumentException(src.name() + ": the maker's code is larger than 1 MiB");
        return new ConventionVerifier.MakerCode(a, symbol, src.name());
    }
}
