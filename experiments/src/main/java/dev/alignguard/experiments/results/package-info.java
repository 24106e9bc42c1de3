/**
 * What a study produced, as written to summary.json: summaries, trial records, statistics and the metric names. Plain records; uses eval for the metric names of an evaluation.
 */
package dev.alignguard.experiments.results;
