package dev.alignguard.training.trainer;

import java.util.Map;

/** One line of the per-step log. */
public record StepRecord(int step, double learningRate, Map<String, Float> terms, Map<String, Double> diagnostics,
                         double gradNorm, double tokensPerSecond) {
}
