package dev.alignguard.math.kernels;

import java.io.Serializable;
import java.util.Locale;

/**
 * The kernel backend a run asked for, as a value: chosen once where the program starts and passed
 * down to every stage. Being a value (not the kernels themselves) it travels to Spark executors and
 * to worker threads, each of which builds its own kernels from it; every backend gives the same
 * bits whatever its thread count, so where kernels are built changes no number.
 *
 * @param name    {@code scalar}, {@code vector} or {@code opencl}
 * @param threads threads of the kernels built by {@link #create()} (&gt;= 1)
 * @param device  for {@code opencl}: part of the device's name to pick (null: the best device)
 */
public record Backend(String name, int threads, String device) implements Serializable {

    /** A backend on its default device. */
    public Backend(String name, int threads) {
        this(name, threads, null);
    }

    public Backend {
        if (name == null || !Backends.NAMES.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("unknown kernel backend '" + name + "'; expected one of " + Backends.NAMES);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("a backend needs at least one thread, got " + threads);
        }
        name = name.toLowerCase(Locale.ROOT);
    }

    /** New kernels of this backend. */
    public Kernels create() {
        return Backends.create(name, threads, device);
    }

    /** The same backend on one thread: what a worker that runs one trial at a time gets. */
    public Backend oneThread() {
        return new Backend(name, 1, device);
    }

    @Override
    public String toString() {
        return name + "[" + threads + (threads == 1 ? " thread" : " threads") + (device == null ? "" : ", device " + device)
            + "]";
    }
}
