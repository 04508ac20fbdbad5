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

    @Test
    void theArm64ConventionsLoadWithTheirArchitecture() {
        assertEquals(List.of("cem-arm64", "boost-fcontext-arm64"), Conventions.of(Arch.ARM64).stream().map(Convention::name).toList());
        assertEquals(List.of("cem", "boost-fcontext", "libaco", "libco", "minicoro", "cem-arm64", "boost-fcontext-arm64"),
                Conventions.allNames());
        Convention cem = Conventions.byName("cem-arm64").orElseThrow();
        assertEquals(Arch.ARM64, cem.arch());
        assertEquals(176, cem.storage().size());
        assertEquals(ctxlab.emu.Arm64Reg.X30, cem.slot("x30").orElseThrow().register(ctxlab.emu.Arm64Reg.class));
        assertEquals(Convention.Holds.FPCR, cem.slot("fpcr").orElseThrow().holds());
        assertEquals(Convention.ResumePc.LR, cem.resume().pc());
        assertEquals("cem-arm64", Conventions.bySymbol("cem_swapcontext", Arch.ARM64).orElseThrow().name());
        assertEquals("boost-fcontext-arm64", Conventions.bySymbol("jump_fcontext", Arch.ARM64).orElseThrow().name());
        Convention boost = Conventions.byName("boost-fcontext-arm64").orElseThrow();
        assertEquals(Map.of(ctxlab.emu.Arm64Reg.X0, Convention.Role.RESTORE, ctxlab.emu.Arm64Reg.X1, Convention.Role.DATA),
                boost.arguments(ctxlab.emu.Arm64Reg.class));
        assertEquals(ctxlab.emu.Arm64Reg.X0, boost.fresh().maker().returns(ctxlab.emu.Arm64Reg.class));
        // An x86-64 file without "arch" is x86-64, as every file written before the field existed.
        assertEquals(Arch.X86_64, Conventions.byName("cem").orElseThrow().arch());
        // An x86-64 view of an arm64 convention is a programming error, not a silent cast.
        assertThrows(IllegalStateException.class, boost::arguments);
    }

    @Test
    void aRegisterOfTheOtherArchitectureIsRefusedNamingFileFieldAndRegister() {
        String arm = """
                {"name": "t", "arch": "arm64", "arguments": {"x0": "save", "x1": "restore"}, "storage": {"kind": "struct", "size": 16},
                 "slots": [{"name": "a", "offset": 0, "holds": "%s"}, {"name": "sp", "offset": 8, "holds": "sp"}],
                 "resume": {"pc": "lr", "rsp": "slot"}, "preserved": ["%s"]}""";
        String[][] cases = {
                {String.format(arm, "rbx", "x19"), "slots[0].holds: 'rbx' is not a register of arm64"},
                {String.format(arm, "x30", "r12"), "preserved: 'r12' is not a register of arm64"},
                {String.format(arm, "x30", "x19").replace("\"x0\": \"save\"", "\"rdi\": \"save\""),
                        "arguments: 'rdi' is not a general-purpose register of arm64"},
                {String.format(arm, "x30", "x19").replace("\"arm64\"", "\"mips\""), "arch must be one of x86-64, arm64, got 'mips'"},
                {String.format(arm, "x30", "x19").replace("\"lr\"", "\"stack\""), "resume.pc 'stack' (a ret that pops) is x86-64 only"},
                {String.format(arm, "x19", "x19"), "resume.pc 'lr' needs an arm64 convention with a slot that holds x30"},
                {String.format(arm, "mxcsr", "x19"), "'mxcsr' is not a register of arm64"},
        };
        for (String[] c : cases) {
            ConventionException e = assertThrows(ConventionException.class, () -> ConventionFile.parse("t.json", c[0].getBytes()), c[1]);
            assertTrue(e.getMessage().startsWith("t.json: ") && e.getMessage().contains(c[1]), e.getMessage());
        }
        // The same file is fine as written for arm64, and an x86-64 register in an x86-64 file is fine too.
        assertEquals(Arch.ARM64, ConventionFile.parse("t.json", String.format(arm, "x30", "x19").getBytes()).arch());
        ConventionException x86 = assertThrows(ConventionException.class, () -> ConventionFile.parse("t.json", String.format(arm, "x30", "x19")
                .replace("\"arch\": \"arm64\", ", "").getBytes()));
        assertTrue(x86.getMessage().contains("'x0' is not a general-purpose register of x86-64"), x86.getMessage());
    }
}
