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
class OpenClKernelsLawsTest implements BackendLaws {

    private static OpenClKernels fast;
    private static IllegalStateException unavailable;

    @Override
    public Kernels fast() {
        synchronized (OpenClKernelsLawsTest.class) {
            if (fast == null && unavailable == null) {
                try {
                    fast = new OpenClKernels();
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
