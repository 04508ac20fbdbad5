package ctxlab.host;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import ctxlab.selftest.Outcome;
import java.util.List;

/**
 * One line of the child's report to the parent ({@link Events}): the "event" field names the kind,
 * the record's components are the rest. Parent and child are the same build, so the parent reads
 * strictly: a kind it does not know, a field missing or extra, is a broken protocol, not a guess.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "event")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ChildEvent.Code.class, name = "code"),
        @JsonSubTypes.Type(value = ChildEvent.Wall.class, name = "wall"),
        @JsonSubTypes.Type(value = ChildEvent.Running.class, name = "running"),
        @JsonSubTypes.Type(value = ChildEvent.Scenario.class, name = "scenario"),
        @JsonSubTypes.Type(value = ChildEvent.Spawned.class, name = "spawned"),
        @JsonSubTypes.Type(value = ChildEvent.Strands.class, name = "strands"),
        @JsonSubTypes.Type(value = ChildEvent.Round.class, name = "round"),
        @JsonSubTypes.Type(value = ChildEvent.Bench.class, name = "bench"),
        @JsonSubTypes.Type(value = ChildEvent.SwitchCost.class, name = "switchcost"),
        @JsonSubTypes.Type(value = ChildEvent.Vector.class, name = "vector"),
        @JsonSubTypes.Type(value = ChildEvent.Error.class, name = "error"),
        @JsonSubTypes.Type(value = ChildEvent.Done.class, name = "done")})
public sealed interface ChildEvent {

    /**
     * The assembled code and the gate's verdict on it.
     *
     * @param verifiers what vouched for it; null when it was not verified
     * @param refusal   the gate's words when it was not verified, else null
     * @param refused   not verified and so not run (without --unverified)
     * @param unicorn   a refused Cem routine's scenarios in Unicorn, else null
     */
    record Code(long base, long size, String sha256, boolean verified, List<String> verifiers, String refusal,
                List<String> failures, boolean refused, List<Outcome.Json> unicorn) implements ChildEvent {
        public Code {
            requireNonNull(sha256, "sha256");
            if (!verified) requireNonNull(refusal, "refusal");
        }
    }

    /** The seccomp wall around the code pages, [begin, end). */
    record Wall(boolean seccomp, long begin, long end) implements ChildEvent {}

    /** What the child is about to run: a crash after it is blamed on it. {@code index}: the vector's, else null. */
    record Running(String what, Integer index) implements ChildEvent {
        public Running {
            requireNonNull(what, "what");
        }
    }

    /** One selftest scenario, natively and in Unicorn. */
    record Scenario(String name, boolean passed, boolean same, Outcome.Json unicorn, Outcome.Json host,
                    List<String> differences) implements ChildEvent {
        public Scenario {
            requireNonNull(name, "name");
            requireNonNull(unicorn, "unicorn");
            requireNonNull(host, "host");
            requireNonNull(differences, "differences");
        }
    }

    /** A strand and its stack: where its guard page lies, for the words of a crash report. */
    record Spawned(long id, long stack, long stackSize, long guard, String guardMethod) implements ChildEvent {}

    /** The scheduler's run to its end. */
    record Strands(long resumes, long switches, long finished, List<Strand> strands) implements ChildEvent {
        public Strands {
            requireNonNull(strands, "strands");
        }
    }

    /** One strand in the "strands" event, fields in this order (strands --json prints them). */
    record Strand(long id, String state, long yields, long result, long resumes) {}

    /** A bench round done (progress only). */
    record Round(int round) implements ChildEvent {}

    /**
     * The figures of {@code ctxlab bench}: medians, every round, and the optional parts (Boost.Context,
     * the --compare routine, the scale run) null when not measured.
     */
    record Bench(BenchFigures.Machine machine, String guardMethod, double nativeSwitchNs, double roundTripNs,
                 double glibcSwapcontextNs, double virtualThreadNs, double bareRoundTripNs, Double boostContextNs,
                 Double ratioToBoost, BenchFigures.Rounds rounds, BenchFigures.PerRound perRound,
                 BenchFigures.Compared compared, BenchFigures.Scale scale) implements ChildEvent {
        public Bench {
            requireNonNull(machine, "machine");
            requireNonNull(rounds, "rounds");
            requireNonNull(perRound, "perRound");
        }

        Bench withScale(BenchFigures.Scale s) {
            return new Bench(machine, guardMethod, nativeSwitchNs, roundTripNs, glibcSwapcontextNs, virtualThreadNs,
                    bareRoundTripNs, boostContextNs, ratioToBoost, rounds, perRound, compared, s);
        }
    }

    /** ns per switch of the routine and the --compare one ({@link ctxlab.host.SwitchCost}). */
    record SwitchCost(double routineNs, double compareNs, int rounds, long switchesPerRound) implements ChildEvent {}

    /**
     * One test vector, in Unicorn and natively.
     *
     * @param skipped why it did not run natively, or null
     * @param host    null when skipped
     * @param same    null when skipped
     */
    record Vector(int index, String name, VectorUnicorn unicorn, String skipped, VectorHost host, Boolean same,
                  List<String> differences) implements ChildEvent {
        public Vector {
            requireNonNull(name, "name");
            requireNonNull(unicorn, "unicorn");
            requireNonNull(differences, "differences");
            if (skipped == null && (host == null || same == null)) {
                throw new IllegalArgumentException("a vector not skipped has its host result and same");
            }
        }
    }

    /** A vector's Unicorn run as {@code vectors --host --json} shows it; {@code instructions} null after a fault. */
    record VectorUnicorn(boolean passed, List<String> diffs, Long instructions, String fault) {
        public VectorUnicorn {
            requireNonNull(diffs, "diffs");
        }
    }

    /** A vector's native run as {@code vectors --host --json} shows it. */
    record VectorHost(boolean passed, List<String> diffs) {
        public VectorHost {
            requireNonNull(diffs, "diffs");
        }
    }

    /** Bad input or a failure in the child: the parent reports {@code message}. */
    record Error(String message, int exit) implements ChildEvent {}

    /** The child's work is over; {@code passed} null where the mode has no verdict (strands, bench). */
    record Done(Boolean passed) implements ChildEvent {}
}
