/**
 * The methods a study compares: the sealed Method interface and one record per kind (typed, validated parameters), and what a method sees of a trial. Uses training (objectives, baselines, Fisher); knows nothing of specs, executors or reports.
 */
package dev.alignguard.experiments.method;
