package dev.alignguard.math.kernels.opencl;

import java.util.Locale;

/**
 * Where an {@link OpenClKernels}' time went since it was created or last reset, for the step
 * benchmark's breakdown (benchmarks/RESULTS.md, issue 17): host packing, uploads, kernel
 * executions, downloads and unpacking, summed over every device call, plus the kernels'
 * compilation at start-up.
 *
 * <p>{@code executeNanos} is the wall time of Aparapi's {@code execute}: the kernel itself plus
 * Aparapi's per-call work (argument checks, buffer bookkeeping, the JNI call, the enqueue and wait).
 * {@code deviceKernelNanos} is the part the OpenCL device itself reports for the kernel (its
 * profiling events); it is measured only when the JVM runs with
 * {@code -Dcom.aparapi.enableProfiling=true} and is -1 otherwise. Their difference is Aparapi's
 * and the driver's per-call overhead.
 *
 * <p>{@code hostCalls} and {@code hostNanos} count the ops {@link OpenClKernels} placed on the host
 * because they were too small for a device call to pay (see its "Placement by size"); they are not
 * part of the device's columns.
 *
 * @param calls             device calls (kernel executions)
 * @param packNanos         copying the caller's slices into the kernels' dense buffers, and back
 * @param uploadNanos       {@code put}: host to device
 * @param executeNanos      {@code execute}: Aparapi's call, kernel included
 * @param deviceKernelNanos the kernel alone, as the device timed it, or -1 when not measured
 * @param downloadNanos     {@code get}: device to host
 * @param compileNanos      translating and compiling the kernels for the device, at start-up
 * @param hostCalls         ops placed on the host delegate by size
 * @param hostNanos         the time those ops took on the host
 */
public record OpenClProfile(long calls, long packNanos, long uploadNanos, long executeNanos, long deviceKernelNanos,
                            long downloadNanos, long compileNanos, long hostCalls, long hostNanos) {

    /** One line of milliseconds, for the benchmark's report. */
    public String describe() {
        return String.format(Locale.ROOT,
            "%d device calls, %d host-placed calls (%.1f ms on the host); host packing %.1f ms, upload %.1f ms, execute %.1f ms (%s),"
                + " download %.1f ms; kernel compilation at start-up %.0f ms",
            calls, hostCalls, hostNanos / 1e6, packNanos / 1e6, uploadNanos / 1e6,
            executeNanos / 1e6, deviceKernelNanos < 0 ? "kernel alone not measured: -Dcom.aparapi.enableProfiling=true"
                : String.format(Locale.ROOT, "kernel alone %.1f ms, Aparapi and driver per-call %.1f ms",
                    deviceKernelNanos / 1e6, (executeNanos - deviceKernelNanos) / 1e6),
            downloadNanos / 1e6, compileNanos / 1e6);
    }
}
