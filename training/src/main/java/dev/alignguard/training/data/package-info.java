/**
 * Token sequences, batches and the seeded data order.
 */
package dev.alignguard.training.data;
