/**
 * The trainer: steps, hooks, step records, progress lines, divergence detection.
 */
package dev.alignguard.training.trainer;
