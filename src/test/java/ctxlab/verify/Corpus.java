package ctxlab.verify;

import ctxlab.TestFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The variants in {@code asm/variants/}, with what their header says must happen:
 * {@code # expect: pass} or {@code # expect: prop prop ...} (exactly the properties the
 * verifier must report violated), and optionally {@code # findings: id id ...} or
 * {@code none} (exactly the warning findings).
 */
record Corpus(Path file, String text, Set<Property> expect, Optional<Set<String>> findings) {
    static final Path DIR = TestFiles.ROOT.resolve("asm/variants");

    boolean correct() {
        return expect.isEmpty();
    }

    String name() {
        return file.getFileName().toString();
    }

    static List<Corpus> all() {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".s")).sorted().map(Corpus::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Corpus read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String expect = header(text, "expect").orElseThrow(() -> new IllegalStateException(file + ": no '# expect:' header"));
        Set<Property> props = EnumSet.noneOf(Property.class);
        if (!expect.equals("pass")) {
            for (String id : expect.split("\\s+")) {
                props.add(Property.byId(id).orElseThrow(() -> new IllegalStateException(file + ": unknown property '" + id + "'")));
            }
        }
        Optional<Set<String>> findings = header(text, "findings").map(f -> f.equals("none") ? Set.of()
                : Arrays.stream(f.split("\\s+")).collect(Collectors.toCollection(TreeSet::new)));
        return new Corpus(file, text, props, findings);
    }

    private static Optional<String> header(String text, String key) {
        return text.lines().filter(l -> l.startsWith("# " + key + ":")).findFirst()
                .map(l -> l.substring(key.length() + 3).strip());
    }
}
