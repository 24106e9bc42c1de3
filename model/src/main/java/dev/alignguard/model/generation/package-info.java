/**
 * Greedy generation from a model, batched.
 */
package dev.alignguard.model.generation;
