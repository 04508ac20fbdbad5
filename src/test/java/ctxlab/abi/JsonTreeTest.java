package ctxlab.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The convention reader's tree builder gives what ObjectMapper.readTree gives, and refuses what it refuses. */
class JsonTreeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void sameTreeAsObjectMapperForEveryShippedFileAndOddValues() throws Exception {
        int files = 0;
        try (Stream<Path> s = Files.list(Path.of("src/main/resources/ctxlab/conventions"))) {
            for (Path p : s.sorted().toList()) {
                byte[] b = Files.readAllBytes(p);
                assertEquals(MAPPER.readTree(b), JsonTree.read(b), p.toString());
                files++;
            }
        }
        assertTrue(files >= 6, "the shipped conventions and their schema");
        String odd = "{\"i\": 7, \"neg\": -2147483649, \"big\": 123456789012345678901234567890, \"f\": 1.5e3,"
                + " \"t\": true, \"f2\": false, \"n\": null, \"s\": \"\\u00e9\\n\", \"a\": [[], {}, [1, [2]]], \"e\": {}}";
        byte[] b = odd.getBytes(StandardCharsets.UTF_8);
        assertEquals(MAPPER.readTree(b), JsonTree.read(b));
        assertEquals(MAPPER.readTree("[1, 2]"), JsonTree.read("[1, 2]".getBytes(StandardCharsets.UTF_8)));
        assertEquals(MAPPER.readTree("\"x\""), JsonTree.read("\"x\"".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void emptyInputIsNoValue() throws Exception {
        assertNull(JsonTree.read(new byte[0]));
        assertNull(JsonTree.read("  \n ".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void duplicateKeysAndBrokenTextAreRefusedWithTheirLine() {
        var dup = assertThrows(JsonProcessingException.class,
                () -> JsonTree.read("{\"name\": \"a\",\n \"name\": \"b\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(dup.getOriginalMessage().contains("Duplicate field 'name'"), dup.getOriginalMessage());
        assertEquals(2, dup.getLocation().getLineNr());
        var broken = assertThrows(JsonProcessingException.class,
                () -> JsonTree.read("{\"a\": [1,\n 2,\n }".getBytes(StandardCharsets.UTF_8)));
        assertEquals(3, broken.getLocation().getLineNr());
        assertThrows(JsonProcessingException.class, () -> JsonTree.read("{\"a\": 1".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aDuplicateKeyInAConventionFileIsExit2Material() {
        var e = assertThrows(ConventionException.class, () -> ConventionFile.parse("dup.json",
                "{\"name\": \"x\", \"name\": \"y\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("dup.json") && e.getMessage().contains("not valid JSON at line 1"), e.getMessage());
    }
}
