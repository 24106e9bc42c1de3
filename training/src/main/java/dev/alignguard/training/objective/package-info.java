/**
 * Training objectives: the task loss, L2 / EWC update penalties, and the AlignGuard objective with its subspace ops, curvatures and collision penalties.
 */
package dev.alignguard.training.objective;
