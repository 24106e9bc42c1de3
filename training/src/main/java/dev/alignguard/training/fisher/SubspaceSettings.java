package dev.alignguard.training.fisher;

import java.util.Locale;

import dev.alignguard.math.projection.SelectionRule;

/**
 * How the alignment subspaces are estimated.
 *
 * @param estimator     exact (Gram trick), lanczos (matrix-free), kfac, or diagonal
 * @param rule          how many directions to keep: rank m, or an energy fraction of the trace
 * @param normalisation how raw eigenvalues are scaled before they weight the penalty
 * @param examples      N, the number of alignment examples (harmful prompt -> refusal) used
 * @param softProjection whether dW_A uses confidences c_k = lambda_k / lambda_1 instead of an exact projector
 * @param seed          seed of the example sample and of the Lanczos start vector
 */
public record SubspaceSettings(Estimator estimator, SelectionRule rule, Normalisation normalisation, int examples,
                               boolean softProjection, long seed) {

    public enum Estimator {
        EXACT, LANCZOS, KFAC, DIAGONAL;

        public static Estimator parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown Fisher estimator '" + s + "'; expected exact, lanczos, kfac or diagonal");
            }
        }
    }

    /**
     * A well-aligned model is confident, so its raw Fisher eigenvalues can be 1e-10 or smaller and
     * an unnormalised lambda_A means nothing. MAX_EIGENVALUE divides by the largest kept eigenvalue
     * over all layers (the top direction weighs 1); TRACE divides by the summed trace over layers
     * (eigenvalues become shares of the total Fisher energy); NONE keeps the raw scale.
     */
    public enum Normalisation {
        MAX_EIGENVALUE, TRACE, NONE;

        public static Normalisation parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown normalisation '" + s + "'; expected max_eigenvalue, trace or none");
            }
        }
    }

    public SubspaceSettings {
        if (examples < 1) {
            throw new IllegalArgumentException("Fisher estimation needs >= 1 example, got " + examples);
        }
    }
}
