package ctxlab.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The convention format: schema and parser agree, the shipped files load, expressions evaluate. */
class ConventionFileTest {
    static JsonNode schema() throws Exception {
        try (var in = ConventionFileTest.class.getClassLoader().getResourceAsStream("ctxlab/conventions/convention.schema.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    static Set<String> names(JsonNode properties) {
        Set<String> s = new TreeSet<>();
        properties.fieldNames().forEachRemaining(s::add);
        return s;
    }

    @Test
    void schemaFieldsAreTheParsersFields() throws Exception {
        JsonNode p = schema().get("properties");
        assertEquals(new TreeSet<>(List.of(ConventionFile.TOP)), names(p));
        assertEquals(new TreeSet<>(List.of(ConventionFile.STORAGE)), names(p.get("storage").get("properties")));
        assertEquals(new TreeSet<>(List.of(ConventionFile.SLOT)), names(p.get("slots").get("items").get("properties")));
        assertEquals(new TreeSet<>(List.of(ConventionFile.RESUME)), names(p.get("resume").get("properties")));
        JsonNode f = p.get("fresh").get("properties");
        assertEquals(new TreeSet<>(List.of(ConventionFile.FRESH)), names(f));
        assertEquals(new TreeSet<>(List.of(ConventionFile.LAYOUT)), names(f.get("layout").get("properties")));
        assertEquals(new TreeSet<>(List.of(ConventionFile.MAKER)), names(f.get("maker").get("properties")));
        assertEquals(new TreeSet<>(List.of(ConventionFile.ENTRY)), names(f.get("entry").get("properties")));
    }

    @Test
    void theFiveShippedConventionsLoad() {
        assertEquals(List.of("cem", "boost-fcontext", "libaco", "libco", "minicoro"), Conventions.names());
        Convention boost = Conventions.byName("boost-fcontext").orElseThrow();
        assertEquals(Convention.StorageKind.FRAME, boost.storage().kind());
        assertEquals(0x40, boost.slotHolding(Convention.Holds.RESUME).orElseThrow().offset());
        assertEquals("boost-fcontext", Conventions.bySymbol("jump_fcontext").orElseThrow().name());
        assertEquals("cem", Conventions.bySymbol("cem_swapcontext").orElseThrow().name());
    }

    @Test
    void layoutExpressionsFollowCPrecedence() {
        Set<String> names = Set.of("top");
        assertEquals(0x1000 - 16 - 8, LayoutExpr.parse("((top - 16) & ~15) - 8", names).eval(Map.of("top", 0x1000L)));
        assertEquals((0x1009L - 8) & ~15L, LayoutExpr.parse("top - 8 & ~15", names).eval(Map.of("top", 0x1009L)));
        assertEquals(-5, LayoutExpr.parse("-5", names).eval(Map.of()));
        assertEquals(0xff, LayoutExpr.parse("0xf0 | 0x0f", names).eval(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> LayoutExpr.parse("top +", names));
        assertThrows(IllegalArgumentException.class, () -> LayoutExpr.parse("(top", names));
        assertThrows(IllegalArgumentException.class, () -> LayoutExpr.parse("bottom", names));
        assertThrows(IllegalArgumentException.class, () -> LayoutExpr.parse("(".repeat(60) + "1" + ")".repeat(60), names));
    }

    @Test
    void inconsistentConventionsAreRefusedWithTheReason() {
        String base = """
                {"name": "t", "arguments": {"rdi": "save", "rsi": "restore"}, "storage": {"kind": "struct", "size": 16},
                 "slots": [%s], "resume": %s, "preserved": ["rbx"]}""";
        String rsp = "{\"name\": \"rsp\", \"offset\": 8, \"holds\": \"rsp\"}";
        String[][] cases = {
                {String.format(base, "{\"name\": \"a\", \"offset\": 0, \"holds\": \"rbx\"}, {\"name\": \"b\", \"offset\": 4, \"holds\": \"rbp\"}",
                        "{\"pc\": \"stack\", \"rsp\": \"slot\"}"), "overlaps"},
                {String.format(base, "{\"name\": \"a\", \"offset\": 0, \"holds\": \"rbx\"}",
                        "{\"pc\": \"stack\", \"rsp\": \"slot\"}"), "needs a slot that holds 'rsp'"},
                {String.format(base, rsp, "{\"pc\": \"slot\", \"rsp\": \"slot\"}"), "needs a slot that holds 'resume'"},
                {String.format(base, rsp, "{\"pc\": \"stack\", \"rsp\": \"frame-end\"}"), "'frame-end' needs frame storage"},
                {String.format(base, "{\"name\": \"a\", \"offset\": 0, \"holds\": \"rbx\", \"width\": 4}, " + rsp,
                        "{\"pc\": \"stack\", \"rsp\": \"slot\"}"), "a rbx slot is 8 bytes wide"},
                {String.format(base, rsp, "{\"pc\": \"stack\", \"rsp\": \"slot\", \"rspPlus\": 3}"), "multiple of 8"},
        };
        for (String[] c : cases) {
            ConventionException e = assertThrows(ConventionException.class, () -> ConventionFile.parse("t.json", c[0].getBytes()), c[1]);
            assertTrue(e.getMessage().startsWith("t.json: ") && e.getMessage().contains(c[1]), e.getMessage());
        }
        assertThrows(ConventionException.class, () -> ConventionFile.parse("big.json", new byte[ConventionFile.MAX_BYTES + 1]));
    }
}
