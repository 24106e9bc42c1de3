package dev.alignguard.math.kernels;

import dev.alignguard.math.kernels.opencl.OpenClKernels;

import java.util.Locale;

/**
 * Chooses the kernel backend. The choice comes from the system property {@code alignguard.backend}
 * (or the environment variable {@code ALIGNGUARD_BACKEND}): {@code scalar}, {@code vector} (the
 * default) or {@code opencl}. Thread count: {@code alignguard.threads} (default: the cores).
 * Asking for a backend that cannot run is an error, never a silent fallback.
 */
public final class Backends {

    public static final String BACKEND_PROPERTY = "alignguard.backend";
    public static final String THREADS_PROPERTY = "alignguard.threads";

    private static volatile Kernels selected;

    private Backends() {
    }

    /** The backend named by the settings, created once. */
    public static Kernels selected() {
        Kernels k = selected;
        if (k == null) {
            synchronized (Backends.class) {
                if (selected == null) {
                    selected = create(configuredName(), configuredThreads());
                }
                k = selected;
            }
        }
        return k;
    }

    /** Creates the named backend ({@code scalar}, {@code vector} or {@code opencl}). */
    public static Kernels create(String name, int threads) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "scalar" -> ScalarKernels.INSTANCE;
            case "vector" -> new VectorKernels(threads);
            case "opencl" -> new OpenClKernels();
            default -> throw new IllegalArgumentException(
                "unknown kernel backend '" + name + "' (from -D" + BACKEND_PROPERTY
                    + " or ALIGNGUARD_BACKEND); expected one of: scalar, vector, opencl");
        };
    }

    /** One line for start-up logs: which backend, on which device. */
    public static String describe(Kernels k) {
        return "kernels: " + k.name() + " on " + k.device();
    }

    static String configuredName() {
        String v = System.getProperty(BACKEND_PROPERTY);
        if (v == null || v.isBlank()) {
            v = System.getenv("ALIGNGUARD_BACKEND");
        }
        return v == null || v.isBlank() ? "vector" : v.trim();
    }

    static int configuredThreads() {
        String v = System.getProperty(THREADS_PROPERTY);
        if (v == null || v.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(v.trim());
            if (t < 1) {
                throw new NumberFormatException();
            }
            return t;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + v + " is not a positive integer");
        }
    }
}
