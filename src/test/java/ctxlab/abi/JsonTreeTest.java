package ctxlab.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The convention reader gives the tree ObjectMapper's readTree gives, and refuses what a strict
 * ObjectMapper refuses (duplicate keys, anything after the value): on the shipped files, odd
 * values, and thousands of one-byte edits of them.
 */
class JsonTreeTest {
    /** Jackson as the oracle: strict about duplicates and trailing content, as JsonTree is. */
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<byte[]> shipped() throws Exception {
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("src/main/resources/ctxlab/conventions"))) {
            for (Path p : s.sorted().toList()) files.add(Files.readAllBytes(p));
        }
        return files;
    }

    @Test
    void sameTreeAsObjectMapperForEveryShippedFileAndOddValues() throws Exception {
        List<byte[]> files = shipped();
        assertTrue(files.size() >= 6, "the shipped conventions and their schema");
        for (byte[] b : files) assertEquals(MAPPER.readTree(b), JsonTree.read(b));
        String odd = "{\"i\": 7, \"neg\": -2147483649, \"big\": 123456789012345678901234567890, \"f\": 1.5e3,"
                + " \"t\": true, \"f2\": false, \"n\": null, \"s\": \"\\u00e9\\n\\\"\\\\\\/\\b\\f\\r\\t\", \"a\": [[], {}, [1, [2]]], \"e\": {},"
                + " \"utf8\": \"é ∑ 😀\", \"pair\": \"\\ud83d\\ude00\", \"z\": -0, \"zf\": -0.0, \"e2\": 1E-2, \"ep\": 2e+3,"
                + " \"lmax\": 9223372036854775807, \"lmin\": -9223372036854775808, \"over\": 9223372036854775808,"
                + " \"imax\": 2147483647, \"imin\": -2147483648, \"i18\": 999999999999999999, \"inf\": 1e400}";
        for (String text : List.of(odd, "[1, 2]", "\"x\"", "7", "-12.5", "true", "null", " \n\t[ ] \r\n", "\uFEFF{\"bom\": 1}")) {
            JsonNode ours = JsonTree.read(utf8(text)), theirs = MAPPER.readTree(utf8(text));
            assertEquals(theirs, ours, text);
        }
        // Node types, not only values: 7 is an int node, 2^31 a long node, 2^63 a BigInteger node.
        JsonNode o = JsonTree.read(utf8(odd));
        assertTrue(o.get("i").isInt() && o.get("neg").isLong() && o.get("big").isBigInteger() && o.get("f").isDouble()
                && o.get("lmin").isLong() && o.get("over").isBigInteger() && o.get("imin").isInt(), o.toString());
    }

    /** The test vectors are read with it too: every vector file of the repository, the same tree. */
    @Test
    void sameTreeAsObjectMapperForEveryVectorFile() throws Exception {
        int files = 0;
        for (String dir : List.of("testvectors", "testvectors-arm64", "src/test/resources")) {
            try (Stream<Path> s = Files.walk(Path.of(dir))) {
                for (Path p : s.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                    byte[] b = Files.readAllBytes(p);
                    JsonNode theirs;
                    try {
                        theirs = MAPPER.readTree(b);
                    } catch (Exception e) {
                        assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(b), p + " is refused by Jackson");
                        continue;
                    }
                    assertEquals(theirs == null || theirs.isMissingNode() ? null : theirs, JsonTree.read(b), p.toString());
                    files++;
                }
            }
        }
        assertTrue(files >= 100, files + " vector and resource files");
    }

    @Test
    void emptyInputIsNoValue() throws Exception {
        assertNull(JsonTree.read(new byte[0]));
        assertNull(JsonTree.read(utf8("  \n ")));
    }

    @Test
    void duplicateKeysAndBrokenTextAreRefusedWithTheirLine() {
        var dup = assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(utf8("{\"name\": \"a\",\n \"name\": \"b\"}")));
        assertTrue(dup.reason().contains("Duplicate field 'name'"), dup.reason());
        assertEquals(2, dup.line());
        assertEquals(2, dup.column());
        var broken = assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(utf8("{\"a\": [1,\n 2,\n }")));
        assertEquals(3, broken.line());
        assertTrue(broken.reason().contains("'}'"), broken.reason());
        var open = assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(utf8("{\"a\": 1")));
        assertTrue(open.reason().contains("end of input"), open.reason());
    }

    @Test
    void whatStrictJsonRefusesIsRefused() {
        for (String text : List.of("{\"a\": 1,}", "[1,]", "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[+1]", "[NaN]", "[Infinity]",
                "{'a': 1}", "{a: 1}", "[true1]", "[nul]", "[\"tab\there\"]", "[\"\\x\"]", "[\"\\u12g4\"]", "// c\n{}",
                "{\"a\": 1} {\"b\": 2}", "{\"a\": 1} x", "[1 2]", "{\"a\" 1}", "{\"a\": }", "\"open")) {
            assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(utf8(text)), text);
            assertThrows(Exception.class, () -> MAPPER.readTree(utf8(text)), "the oracle also refuses " + text);
        }
        byte[] badUtf8 = {'[', '"', (byte) 0xC3, '"', ']'};
        var e = assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(badUtf8));
        assertTrue(e.reason().contains("UTF-8"), e.reason());
    }

    @Test
    void hostileNestingIsAnErrorNotAStackOverflow() throws Exception {
        byte[] deep = utf8("[".repeat(200_000));
        var e = assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(deep));
        assertTrue(e.reason().contains("nested deeper than"), e.reason());
        String ok = "[".repeat(JsonTree.MAX_DEPTH) + "]".repeat(JsonTree.MAX_DEPTH);
        assertEquals(MAPPER.readTree(utf8(ok)), JsonTree.read(utf8(ok)));
        String object = "{\"a\":".repeat(JsonTree.MAX_DEPTH + 1) + "1" + "}".repeat(JsonTree.MAX_DEPTH + 1);
        assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(utf8(object)));
    }

    /** A huge number literal is refused before it is parsed (BigInteger's parse is quadratic), as Jackson refuses it. */
    @Test
    void hostileNumbersAreRefusedBeforeTheyAreParsed() throws Exception {
        String ok = "[" + "7".repeat(JsonTree.MAX_NUMBER_LENGTH) + "]";
        assertEquals(MAPPER.readTree(utf8(ok)), JsonTree.read(utf8(ok)));
        for (String text : List.of("[" + "7".repeat(JsonTree.MAX_NUMBER_LENGTH + 1) + "]", "[" + "7".repeat(2_000_000) + "]",
                "[1." + "5".repeat(JsonTree.MAX_NUMBER_LENGTH) + "]")) {
            var e = assertThrows(JsonTree.SyntaxException.class, () -> JsonTree.read(utf8(text)));
            assertTrue(e.reason().contains("at most " + JsonTree.MAX_NUMBER_LENGTH), e.reason());
            assertThrows(Exception.class, () -> MAPPER.readTree(utf8(text)), "the oracle refuses it too");
        }
    }

    /**
     * One-byte edits (delete, insert or replace with a JSON-significant byte) of the shipped files:
     * JsonTree accepts exactly what the oracle accepts, with the same tree. A reader that accepted
     * a trailing comma, or dropped a duplicate, fails here.
     */
    @Test
    void agreesWithObjectMapperOnThousandsOfEditedFiles() throws Exception {
        byte[] alphabet = utf8("{}[]\",:0123456789-+.eE \n\\tfnru/x");
        SplittableRandom r = new SplittableRandom(13);
        int accepted = 0, refused = 0;
        for (byte[] file : shipped()) {
            for (int k = 0; k < 600; k++) {
                byte[] b = edit(file, r, alphabet);
                JsonNode theirs;
                try {
                    theirs = MAPPER.readTree(b);
                } catch (Exception e) {
                    theirs = null;
                }
                JsonNode ours;
                try {
                    ours = JsonTree.read(b);
                } catch (JsonTree.SyntaxException e) {
                    ours = null;
                }
                if (theirs == null && ours != null) fail("accepted what Jackson refuses:\n" + new String(b, StandardCharsets.UTF_8));
                if (theirs != null) {
                    assertEquals(theirs, ours, () -> "differs from Jackson:\n" + new String(b, StandardCharsets.UTF_8));
                    accepted++;
                } else {
                    refused++;
                }
            }
        }
        assertTrue(accepted > 100 && refused > 100, accepted + " accepted, " + refused + " refused: both kinds exercised");
    }

    private static byte[] edit(byte[] file, SplittableRandom r, byte[] alphabet) {
        int at = r.nextInt(file.length);
        byte c = alphabet[r.nextInt(alphabet.length)];
        return switch (r.nextInt(3)) {
            case 0 -> {   // delete
                byte[] b = new byte[file.length - 1];
                System.arraycopy(file, 0, b, 0, at);
                System.arraycopy(file, at + 1, b, at, file.length - at - 1);
                yield b;
            }
            case 1 -> {   // insert
                byte[] b = new byte[file.length + 1];
                System.arraycopy(file, 0, b, 0, at);
                b[at] = c;
                System.arraycopy(file, at, b, at + 1, file.length - at);
                yield b;
            }
            default -> {  // replace
                byte[] b = file.clone();
                b[at] = c;
                yield b;
            }
        };
    }

    @Test
    void aDuplicateKeyInAConventionFileIsExit2Material() {
        var e = assertThrows(ConventionException.class, () -> ConventionFile.parse("dup.json",
                utf8("{\"name\": \"x\", \"name\": \"y\"}")));
        assertTrue(e.getMessage().contains("dup.json") && e.getMessage().contains("not valid JSON at line 1, column 15"),
                e.getMessage());
    }
}
