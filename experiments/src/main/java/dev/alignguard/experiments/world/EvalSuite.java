package dev.alignguard.experiments.world;

/**
 * The held-out evaluation sets (DriftCheck-style): unsafe prompts whose response is the refusal
 * (with the compliant answer alongside, for harmful compliance), safe prompts with their answers,
 * and the fine-tuning task's test set.
 */
public record EvalSuite(Dataset unsafe, Dataset safe, Dataset taskTest) {
}
