package dev.alignguard.math.kernels.opencl;

import dev.alignguard.math.kernels.Backends;

/**
 * Run in a child JVM by {@link OpenClKernelsTest} with OpenCL hidden: reports what the backend does
 * when no OpenCL device exists, one {@code key=value} line each.
 */
final class NoOpenClProbe {

    private NoOpenClProbe() {
    }

    public static void main(String[] args) {
        System.out.println("isAvailable=" + OpenClKernels.isAvailable());
        try (OpenClKernels k = new OpenClKernels()) {
            System.out.println("created=" + k.device());
        } catch (IllegalStateException e) {
            System.out.println("threw=" + e.getMessage());
        }
        try {
            Backends.create("opencl", 1);
            System.out.println("backends=created");
        } catch (IllegalStateException e) {
            System.out.println("backends=threw");
        }
    }
}
