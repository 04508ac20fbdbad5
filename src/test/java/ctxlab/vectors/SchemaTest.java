package ctxlab.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ctxlab.abi.ContextLayout.Slot;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schema beside the vectors and the parser agree on every field name: a field added to one
 * and not the other fails here. (The corpus itself is checked by the parser, which checks more.)
 */
class SchemaTest {
    static JsonNode schema() throws IOException {
        return new ObjectMapper().readTree(VectorCorpusTest.CORPUS.resolve(Corpus.SCHEMA).toFile());
    }

    static Set<String> names(JsonNode properties) {
        Set<String> s = new TreeSet<>();
        properties.fieldNames().forEachRemaining(s::add);
        return s;
    }

    @Test
    void schemaFieldsAreTheParsersFields() throws IOException {
        JsonNode s = schema();
        JsonNode p = s.get("properties");
        assertEquals(new TreeSet<>(VectorParser.TOP), names(p));
        assertEquals(new TreeSet<>(VectorParser.CALL), names(p.get("call").get("properties")));
        assertEquals(new TreeSet<>(VectorParser.EXPECT), names(p.get("expect").get("properties")));
        assertEquals(new TreeSet<>(VectorParser.REGION), names(s.get("$defs").get("region").get("properties")));
        assertEquals(new TreeSet<>(VectorParser.CONTENT), names(s.get("$defs").get("content").get("properties")));
        Set<String> slots = new TreeSet<>(Arrays.stream(Slot.values()).map(Slot::label).toList());
        slots.add(VectorParser.SPARE);
        assertEquals(slots, names(s.get("$defs").get("context").get("properties")));
        assertEquals(new TreeSet<>(Vector.BEFORE.stream().map(Vector::label).toList()), names(p.get("registers").get("properties")));
        assertEquals(new TreeSet<>(Vector.AFTER.stream().map(Vector::label).toList()),
                names(p.get("expect").get("properties").get("registers").get("properties")));
        // The conventions a vector may name are the shipped ones.
        List<String> conventions = new ArrayList<>();
        p.get("convention").get("enum").forEach(c -> conventions.add(c.asText()));
        assertEquals(new TreeSet<>(ctxlab.abi.Conventions.names()), new TreeSet<>(conventions));
        List<String> faults = new ArrayList<>();
        p.get("expect").get("properties").get("fault").get("enum").forEach(f -> faults.add(f.asText()));
        assertEquals(Arrays.stream(FaultKind.values()).map(k -> k.label).toList(), faults);
    }
}
