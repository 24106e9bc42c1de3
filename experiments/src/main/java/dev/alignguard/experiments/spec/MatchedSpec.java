package dev.alignguard.experiments.spec;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The matched-accuracy comparison: for every method with a strength, find (on validation prompts)
 * the strength at which its task accuracy equals each target, standard LoRA's minus
 * {@code drops} points, by a search over log-strength, and report the test metrics there.
 *
 * <p>The search starts from the method's listed strengths. While no two neighbouring strengths
 * bracket a target it widens (the strongest times {@code widen_factor} when every point is above
 * the target, the weakest divided by it when every point is below), at most {@code widenings}
 * times a side; once a target is bracketed it bisects the bracket in log-strength while the
 * bracket spans more than {@code bisect_ratio}; {@code rounds} bounds the number of extra rounds.
 * The value at the target is interpolated linearly in validation task accuracy between the two
 * bracketing strengths, base seed by base seed.
 *
 * @param drops        target drops in task accuracy below standard LoRA's, in percentage points
 * @param rounds       extra rounds of trials the search may run
 * @param widenings    how often the search may widen the range on each side
 * @param widenFactor  how far one widening reaches (a factor on the strength)
 * @param bisectRatio  a bracket wider than this ratio of strengths is bisected
 */
public record MatchedSpec(@JsonProperty("drops") List<Double> drops,
                          @JsonProperty("rounds") Integer rounds,
                          @JsonProperty("widenings") Integer widenings,
                          @JsonProperty("widen_factor") Double widenFactor,
                          @JsonProperty("bisect_ratio") Double bisectRatio) {

    public MatchedSpec {
        drops = drops == null || drops.isEmpty() ? List.of(1.0, 2.0, 5.0) : List.copyOf(drops);
        rounds = rounds == null ? 3 : rounds;
        widenings = widenings == null ? 2 : widenings;
        widenFactor = widenFactor == null ? 10.0 : widenFactor;
        bisectRatio = bisectRatio == null ? 3.0 : bisectRatio;
        for (double d : drops) {
            if (!(d >= 0 && d < 100)) {
                throw new IllegalArgumentException("matched.drops must be in [0, 100) percentage points, got " + d);
            }
        }
        if (rounds < 0 || widenings < 0) {
            throw new IllegalArgumentException("matched.rounds and matched.widenings must be >= 0");
        }
        if (!(widenFactor > 1) || !(bisectRatio > 1)) {
            throw new IllegalArgumentException("matched.widen_factor and matched.bisect_ratio must be > 1");
        }
    }
}
