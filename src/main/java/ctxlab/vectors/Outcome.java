package ctxlab.vectors;

import java.util.List;

/**
 * The verdict on one vector: passed when it has an expect block and nothing differs.
 *
 * @param diffs one line per difference: {@code r13: expected 0x…, got 0x…}
 */
public record Outcome(Vector vector, Linked linked, Observed observed, List<String> diffs) {
    public Outcome {
        diffs = List.copyOf(diffs);
    }

    public boolean passed() {
        return vector.expect() != null && diffs.isEmpty();
    }

    public String name() {
        return vector.name();
    }
}
