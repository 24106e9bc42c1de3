package dev.alignguard.math.kernels;

import java.util.List;
import java.util.Locale;

import dev.alignguard.math.kernels.opencl.OpenClKernels;

/**
 * Builds a kernel backend by name. Nothing here reads the environment or keeps a global: the
 * program chooses a {@link Backend} once where it starts (the command line) and passes it down.
 * Asking for a backend that cannot run is an error, never a silent fallback.
 */
public final class Backends {

    /** The backend names, the reference first. */
    public static final List<String> NAMES = List.of("scalar", "vector", "opencl");

    private Backends() {
    }

    /** Creates the named backend ({@code scalar}, {@code vector} or {@code opencl}) on {@code threads} threads. */
    public static Kernels create(String name, int threads) {
        return create(name, threads, null);
    }

    /** As {@link #create(String, int)}, on the OpenCL device whose name contains {@code device} (null: the best). */
    public static Kernels create(String name, int threads, String device) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "scalar" -> ScalarKernels.INSTANCE;
            case "vector" -> new VectorKernels(threads);
            case "opencl" -> new OpenClKernels(device);
            default -> throw new IllegalArgumentException("unknown kernel backend '" + name + "'; expected one of " + NAMES);
        };
    }

    /** One line for start-up logs: which backend, on which device. */
    public static String describe(Kernels k) {
        return "kernels: " + k.name() + " on " + k.device();
    }
}
