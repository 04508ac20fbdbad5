package ctxlab.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What {@code vectors --json} prints, fields in this order: {@code arch} only for AArch64 (whose
 * results are {@link Arm64Result}s), {@code timeMs} only for x86-64 (whose results are {@link Result}s).
 */
record VectorsJson<R>(@JsonInclude(JsonInclude.Include.NON_NULL) String arch, int total, long passed, long failed,
                      List<R> results, @JsonInclude(JsonInclude.Include.NON_NULL) Double timeMs) {

    /** An x86-64 vector: {@code instructions} null when it faulted, {@code fault} null when it did not. */
    record Result(String name, boolean passed, List<String> diffs, String file, String convention, Long instructions,
                  String fault, boolean hardwareSafe, double timeMs) {}

    record Arm64Result(String name, boolean passed, List<String> diffs) {}
}
