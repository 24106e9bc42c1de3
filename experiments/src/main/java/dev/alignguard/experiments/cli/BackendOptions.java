package dev.alignguard.experiments.cli;

import dev.alignguard.math.kernels.Backend;
import dev.alignguard.math.kernels.Backends;
import picocli.CommandLine.Option;

/**
 * {@code --backend} and {@code --threads}, shared by every command that computes: the one place the
 * program chooses its kernels (the environment variable {@code ALIGNGUARD_BACKEND} gives the
 * default). The choice is passed down from here; nothing below reads it from anywhere else.
 */
public final class BackendOptions {

    @Option(names = "--backend", paramLabel = "scalar|vector|opencl",
        defaultValue = "${env:ALIGNGUARD_BACKEND:-vector}",
        description = "Kernel backend: scalar (the reference), vector (Vector API) or opencl (Aparapi). "
            + "Default: $$ALIGNGUARD_BACKEND, else vector (now: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--threads", paramLabel = "N",
        description = "Threads of the kernels (default: the cores). Results do not depend on it.")
    Integer threads;

    @Option(names = "--device", paramLabel = "NAME",
        description = "With --backend opencl: the OpenCL device whose name contains NAME (default: the first GPU, "
            + "else accelerator, else CPU device).")
    String device;

    /** The chosen backend. */
    public Backend backend() {
        return new Backend(backend == null ? "vector" : backend.trim(),
            threads != null ? threads : Runtime.getRuntime().availableProcessors(), device);
    }

    /** The start-up line: version, backend, device. */
    public String describe(Backend chosen, dev.alignguard.math.kernels.Kernels kernels) {
        return "AlignGuard-J " + VersionProvider.version() + " — " + Backends.describe(kernels) + " (" + chosen + ")";
    }
}
