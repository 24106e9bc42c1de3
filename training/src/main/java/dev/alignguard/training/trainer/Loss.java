package dev.alignguard.training.trainer;

import java.util.Map;

import dev.alignguard.model.autodiff.Tensor;

/**
 * A micro-batch's loss: the total to differentiate, its named terms (task, each weighted penalty),
 * and diagnostics that are logged but not differentiated (norms, cosines, overlaps).
 */
public record Loss(Tensor total, Map<String, Float> terms, Map<String, Double> diagnostics) {
    public Loss {
        terms = Map.copyOf(terms);
        diagnostics = Map.copyOf(diagnostics);
    }
}
