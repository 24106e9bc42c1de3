/**
 * Training checkpoints: weights, optimizer moments and the step, as safetensors.
 */
package dev.alignguard.training.checkpoint;
