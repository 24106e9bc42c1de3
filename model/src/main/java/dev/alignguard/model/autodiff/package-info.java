/**
 * Reverse-mode automatic differentiation over matrices: the graph, tensors, and the ops, each backward written under its forward. Runs on the Kernels it is given.
 * A graph made with a {@link dev.alignguard.model.autodiff.BufferPool} borrows its buffers and gives them back when closed, so a
 * training loop reuses one step's arrays in the next.
 */
package dev.alignguard.model.autodiff;
