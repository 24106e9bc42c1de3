/**
 * Looking into a model folder without running a study: the alignment Fisher of any model (a run's kept
 * base, a model from elsewhere), optionally with an adapter applied ({@code alignguard fisher}).
 */
package dev.alignguard.experiments.inspect;
