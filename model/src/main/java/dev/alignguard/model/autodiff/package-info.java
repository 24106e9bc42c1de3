/**
 * Reverse-mode automatic differentiation over matrices: the graph, tensors, and the ops, each backward written under its forward. Runs on the Kernels it is given.
 */
package dev.alignguard.model.autodiff;
