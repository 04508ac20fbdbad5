package ctxlab.selftest;

import java.time.Duration;
import java.util.List;

/**
 * The result of one scenario.
 *
 * @param switches     calls of the switch routine observed (-1 if the backend cannot count)
 * @param instructions instructions executed (-1 if the backend cannot count)
 * @param failures     what did not hold, one line each ("main r13: expected 0x…, got 0x…")
 * @param notes        observations worth reporting that are not failures
 */
public record Outcome(String name, boolean passed, long switches, long instructions,
                      Duration time, List<String> failures, List<String> notes) {

    /** The JSON form ({@code selftest --json}, and the host child's reports), fields in this order. */
    public record Json(String name, boolean passed, long switches, long instructions, double timeMs,
                       List<String> failures, List<String> notes) {}

    public Json toJson() {
        return new Json(name, passed, switches, instructions, time.toNanos() / 1e6, failures, notes);
    }
}
