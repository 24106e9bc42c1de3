/**
 * Baselines that act on the model rather than on the loss: hard projection of every update, and Safe-LoRA post-hoc projection.
 */
package dev.alignguard.training.baselines;
