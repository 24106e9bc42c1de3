package dev.alignguard.experiments.spec;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.training.fisher.SubspaceSettings;

/**
 * How alignment subspaces are estimated (at the aligned model, before fine-tuning).
 *
 * @param m              directions kept per layer (ignored when energy is set)
 * @param energy         if > 0, keep the fewest directions reaching this fraction of the trace
 * @param reprojectEvery re-estimate the subspaces every K fine-tuning steps (0 = never)
 */
public record FisherSpec(@JsonProperty("estimator") String estimator,
                         @JsonProperty("m") int m,
                         @JsonProperty("energy") double energy,
                         @JsonProperty("normalisation") String normalisation,
                         @JsonProperty("examples") int examples,
                         @JsonProperty("soft_projection") boolean softProjection,
                         @JsonProperty("reproject_every") int reprojectEvery) {

    public SubspaceSettings toSettings(long seed) {
        SelectionRule rule = energy > 0 ? new SelectionRule.Energy(energy) : new SelectionRule.Rank(m);
        return new SubspaceSettings(SubspaceSettings.Estimator.parse(estimator), rule,
            SubspaceSettings.Normalisation.parse(normalisation), examples, softProjection, seed);
    }
}
