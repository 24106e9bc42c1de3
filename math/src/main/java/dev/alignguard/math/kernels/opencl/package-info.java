/**
 * The Aparapi OpenCL backend (kernels, device buffers, loud failure instead of a silent Java fallback) and the JVM signal-chaining check that native OpenCL code needs.
 */
package dev.alignguard.math.kernels.opencl;
