package dev.alignguard.proofs.kernels;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.opencl.OpenClKernels;

import org.junit.jupiter.api.AfterAll;
import dev.alignguard.proofs.harness.LawTags;
import org.junit.jupiter.api.Tag;

/**
 * {@link BackendLaws} for the OpenCL backend, on whatever OpenCL device it picks (PoCL on the CPU
 * in CI, which installs it). Never skipped: without an OpenCL device every property fails with
 * {@link OpenClKernels}' explanation of what is missing, rather than passing on a Java fallback.
 */
@Tag(LawTags.OPENCL)
public class OpenClKernelsLawsTest implements BackendLaws {

    private static OpenClKernels fast;
    private static IllegalStateException unavailable;

    @Override
    public Kernels fast() {
        synchronized (OpenClKernelsLawsTest.class) {
            if (fast == null && unavailable == null) {
                try {
                    fast = onDeviceOnly(new OpenClKernels());
                    System.out.println("OpenCL laws run on " + fast.device());
                } catch (IllegalStateException e) {
                    unavailable = e;
                }
            }
            if (unavailable != null) {
                throw new IllegalStateException("the OpenCL agreement laws need a working OpenCL device: "
                    + unavailable.getMessage(), unavailable);
            }
            return fast;
        }
    }

    /**
     * {@code cl}, checked to run every op on the device ({@code -Dalignguard.opencl.minDeviceFlops=0},
     * which the build's OpenCL test run and {@code alignguard verify} set): otherwise the small
     * examples of these laws would test the host's kernels instead (OpenClKernels, "Placement by size").
     */
    public static OpenClKernels onDeviceOnly(OpenClKernels cl) {
        if (cl.minDeviceFlops() != 0) {
            long threshold = cl.minDeviceFlops();
            cl.close();
            throw new IllegalStateException("the OpenCL laws must run every op on the device, but ops under " + threshold
                + " flops go to the host: run them with -D" + OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY + "=0");
        }
        return cl;
    }

    @Override
    public ErrorModel model() {
        return ErrorModel.OPENCL;
    }

    @AfterAll
    static void close() {
        synchronized (OpenClKernelsLawsTest.class) {
            if (fast != null) {
                fast.close();
                fast = null;
            }
        }
    }
}
