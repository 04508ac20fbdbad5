package ctxlab.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ctxlab.abi.Conventions;
import ctxlab.asm.Assembler;
import ctxlab.asm.SourceFile;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The Cem variants under the data description of Cem (conventions/cem.json) and the generic verifier. */
class CemAsDataTest {
    @TestFactory
    Stream<DynamicTest> cemVariants() {
        return Corpus.all().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            var assembly = Assembler.assemble(new SourceFile("asm/variants/" + c.name(), c.text()), ConventionVerifier.CODE_BASE);
            try (var v = new ConventionVerifier(Conventions.byName("cem").orElseThrow(), assembly, "asm/variants/" + c.name(), Verifier.DEFAULT_SYMBOL, null)) {
                Report r = v.run(400, 1);
                Set<Property> got = r.violations().stream().map(Violation::property).collect(Collectors.toCollection(() -> EnumSet.noneOf(Property.class)));
                assertEquals(c.expect(), got, c.name() + CorpusTest.describe(r));
            }
        }));
    }
}
