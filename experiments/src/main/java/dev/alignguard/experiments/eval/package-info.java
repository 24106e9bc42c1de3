/**
 * Evaluation on the DriftCheck sets: {@link dev.alignguard.experiments.eval.Evaluator} runs batched greedy
 * generation and teacher-forced refusal NLL and returns {@link dev.alignguard.experiments.eval.Metrics}
 * (refusal of unsafe prompts overall, per category, for seen and held-out objects and verbs; over-refusal
 * and exact accuracy on safe prompts; harmful compliance; task accuracy; alignment NLL).
 */
package dev.alignguard.experiments.eval;
