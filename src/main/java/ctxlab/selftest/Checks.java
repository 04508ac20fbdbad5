package ctxlab.selftest;

import java.util.ArrayList;
import java.util.List;

/** Collects what a scenario found wrong, in words a user can act on. */
final class Checks {
    final List<String> failures = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    void equal(String what, long expected, long actual) {
        if (expected != actual) {
            failures.add(String.format("%s: expected 0x%x, got 0x%x", what, expected, actual));
        }
    }

    void that(boolean ok, String failure) {
        if (!ok) failures.add(failure);
    }

    void note(String note) {
        notes.add(note);
    }
}
