package ctxlab.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import ctxlab.host.BenchFigures;
import ctxlab.host.ChildEvent;
import java.nio.file.Path;

/**
 * What {@code bench --json} prints, fields in this order: the child's figures with {@code rounds}
 * the count of rounds, every round's figures in {@code roundsDetail}, and the parts not measured
 * (Boost.Context, --compare, the scale run) left out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record BenchJson(BenchFigures.Machine machine, String guardMethod, double nativeSwitchNs, double roundTripNs,
                 double glibcSwapcontextNs, double virtualThreadNs, double bareRoundTripNs, Double boostContextNs,
                 Double ratioToBoost, int rounds, BenchFigures.PerRound perRound, Compared compared,
                 BenchFigures.Scale scale, String file, Rounds roundsDetail, String boostNote) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Rounds(double[] nativeSwitchNs, double[] roundTripNs, double[] glibcSwapcontextNs, double[] virtualThreadNs,
                  double[] bareRoundTripNs, double[] boostContextNs) {
        static Rounds of(BenchFigures.Rounds r) {
            return new Rounds(r.nativeSwitchNs(), r.roundTripNs(), r.glibcSwapcontextNs(), r.virtualThreadNs(),
                    r.bareRoundTripNs(), r.boostContextNs());
        }
    }

    /** The --compare routine, its file as the user should read it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Compared(String file, double nativeSwitchNs, double roundTripNs, double bareRoundTripNs, Double ratioToBoost,
                    BenchFigures.CompareRounds rounds) {
        static Compared of(BenchFigures.Compared c) {
            return c == null ? null : new Compared(Common.display(Path.of(c.file())), c.nativeSwitchNs(), c.roundTripNs(),
                    c.bareRoundTripNs(), c.ratioToBoost(), c.rounds());
        }
    }

    /** What bench --json prints after a crash. */
    record Crash(String crash, boolean passed) {}

    static BenchJson of(ChildEvent.Bench b, String file, int rounds, String boostNote) {
        return new BenchJson(b.machine(), b.guardMethod(), b.nativeSwitchNs(), b.roundTripNs(), b.glibcSwapcontextNs(),
                b.virtualThreadNs(), b.bareRoundTripNs(), b.boostContextNs(), b.ratioToBoost(), rounds, b.perRound(),
                Compared.of(b.compared()), b.scale(), file, Rounds.of(b.rounds()), boostNote);
    }
}
