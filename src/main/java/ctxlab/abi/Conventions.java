package ctxlab.abi;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The conventions ctxlab ships (every {@code *.json} in the {@code ctxlab/conventions} resource
 * folder: adding one is adding a file) and the ones a user names by path.
 *
 * <p>{@link #shipped()}, {@link #names()} and {@link #bySymbol(String)} are the x86-64 ones (what
 * every x86-64 command's auto-detection and listing means); {@link #all()} and the methods taking
 * an {@link Arch} cover every architecture. {@link #byName} and {@link #resolve} find a convention
 * of any architecture, so that a command can say that it is of the wrong one.
 */
public final class Conventions {
    static final String FOLDER = "ctxlab/conventions/";
    /** The convention of the seed's routine and of every command that is Cem's alone. */
    public static final String DEFAULT = "cem";
    /** The default convention of arm64 routines (Cem's AArch64 switch). */
    public static final String DEFAULT_ARM64 = "cem-arm64";

    private static volatile List<Convention> shipped;

    private Conventions() {}

    /** The shipped x86-64 conventions, {@code cem} first, then by name. */
    public static List<Convention> shipped() {
        return of(Arch.X86_64);
    }

    /** The shipped conventions of {@code arch}, its Cem one first, then by name. */
    public static List<Convention> of(Arch arch) {
        return all().stream().filter(c -> c.arch() == arch).toList();
    }

    /** The default convention of {@code arch}. */
    public static String defaultName(Arch arch) {
        return arch == Arch.ARM64 ? DEFAULT_ARM64 : DEFAULT;
    }

    /** Every shipped convention: x86-64 first ({@code cem} first, then by name), then arm64 likewise. */
    public static List<Convention> all() {
        List<Convention> s = shipped;
        if (s == null) {
            List<Convention> all = new ArrayList<>();
            for (String file : resourceFiles()) {
                try (InputStream in = Conventions.class.getClassLoader().getResourceAsStream(FOLDER + file)) {
                    all.add(ConventionFile.parse("conventions/" + file, in.readNBytes(ConventionFile.MAX_BYTES + 1)));
                } catch (IOException e) {
                    throw new ConventionException("conventions/" + file, "cannot read: " + e.getMessage());
                }
            }
            all.sort(Comparator.comparing(Convention::arch)
                    .thenComparing((Convention c) -> !c.name().equals(defaultName(c.arch()))).thenComparing(Convention::name));
            shipped = s = List.copyOf(all);
        }
        return s;
    }

    /** The names of the shipped x86-64 conventions. */
    public static List<String> names() {
        return shipped().stream().map(Convention::name).toList();
    }

    /** The names of every shipped convention. */
    public static List<String> allNames() {
        return all().stream().map(Convention::name).toList();
    }

    public static Optional<Convention> byName(String name) {
        if (shipped == null && name.matches("[a-z0-9][a-z0-9._-]*")) {
            // One file, not all: the default path (cem) should not pay for parsing the others.
            Convention c = single.computeIfAbsent(name, Conventions::readOne);
            if (c != null) return Optional.of(c);
        }
        return all().stream().filter(c -> c.name().equals(name)).findFirst();
    }

    private static final java.util.concurrent.ConcurrentHashMap<String, Convention> single = new java.util.concurrent.ConcurrentHashMap<>();

    private static Convention readOne(String name) {
        try (InputStream in = Conventions.class.getClassLoader().getResourceAsStream(FOLDER + name + ".json")) {
            if (in == null) return null;
            Convention c = ConventionFile.parse("conventions/" + name + ".json", in.readNBytes(ConventionFile.MAX_BYTES + 1));
            return c.name().equals(name) ? c : null;
        } catch (IOException e) {
            throw new ConventionException("conventions/" + name + ".json", "cannot read: " + e.getMessage());
        }
    }

    /** The shipped x86-64 convention one of whose routines is called {@code symbol}. */
    public static Optional<Convention> bySymbol(String symbol) {
        return bySymbol(symbol, Arch.X86_64);
    }

    /** The shipped convention of {@code arch} one of whose routines is called {@code symbol}. */
    public static Optional<Convention> bySymbol(String symbol, Arch arch) {
        Optional<Convention> dflt = byName(defaultName(arch));   // read alone: the common case needs no other file
        if (dflt.isPresent() && dflt.get().symbols().contains(symbol)) return dflt;
        return of(arch).stream().filter(c -> c.symbols().contains(symbol)).findFirst();
    }

    /**
     * A shipped convention by name, or a user's file by path (anything with a '/' or ending in
     * {@code .json}).
     */
    public static Convention resolve(String nameOrPath) {
        Optional<Convention> c = byName(nameOrPath);
        if (c.isPresent()) return c.get();
        if (nameOrPath.contains("/") || nameOrPath.endsWith(".json")) return load(Path.of(nameOrPath));
        throw new ConventionException(nameOrPath, "no such convention (known: " + String.join(", ", allNames())
                + "; or give a path to a convention .json file)");
    }

    public static Convention load(Path path) {
        String name = path.toString();
        if (Files.isDirectory(path)) throw new ConventionException(name, "is a directory, not a convention file");
        if (!Files.isRegularFile(path)) {
            throw new ConventionException(name, Files.exists(path) ? "not a regular file" : "no such file");
        }
        try (InputStream in = Files.newInputStream(path)) {
            return ConventionFile.parse(name, in.readNBytes(ConventionFile.MAX_BYTES + 1));
        } catch (IOException e) {
            throw new ConventionException(name, "cannot read: " + e.getMessage());
        }
    }

    /** The names of the shipped files, from the folder on disk (tests, IDE) or inside the jar. */
    private static List<String> resourceFiles() {
        URL url = Conventions.class.getClassLoader().getResource(FOLDER + DEFAULT + ".json");
        if (url == null) throw new ConventionException("conventions/", "the shipped conventions are missing from the class path");
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
                    return list(fs.getPath("/" + FOLDER));
                } catch (java.nio.file.FileSystemAlreadyExistsException e) {
                    return list(FileSystems.getFileSystem(uri).getPath("/" + FOLDER));
                }
            }
            return list(Path.of(uri).getParent());
        } catch (Exception e) {
            throw new ConventionException("conventions/", "cannot list the shipped conventions: " + e);
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.endsWith(".schema.json")).sorted().toList();
        }
    }
}
