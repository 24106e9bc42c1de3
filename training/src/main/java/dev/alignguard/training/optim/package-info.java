/**
 * AdamW, learning-rate schedules and gradient clipping.
 */
package dev.alignguard.training.optim;
