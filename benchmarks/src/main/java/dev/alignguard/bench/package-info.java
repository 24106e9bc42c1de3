/**
 * JMH benchmarks of the kernels and eigen solvers, and the Fisher estimator timings. May use every module; nothing depends on it.
 */
package dev.alignguard.bench;
