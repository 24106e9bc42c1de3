/**
 * The Kernels interface and its backends: ScalarKernels (the reference every other backend is tested against), VectorKernels (Vector API), and Backend, the value a program chooses once and passes down. No global state, no environment reading.
 */
package dev.alignguard.math.kernels;
