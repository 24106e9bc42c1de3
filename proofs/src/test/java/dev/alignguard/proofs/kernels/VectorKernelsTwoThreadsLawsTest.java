package dev.alignguard.proofs.kernels;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.proofs.harness.LawTags;
import org.junit.jupiter.api.Tag;

/**
 * {@link BackendLaws} for the Vector API backend on two threads (products of at least 2^18
 * multiply-adds, which the larger drawn shapes reach, are split over output tiles).
 */
@Tag(LawTags.VECTOR)
class VectorKernelsTwoThreadsLawsTest implements BackendLaws {

    private static final VectorKernels FAST = new VectorKernels(2);

    @Override
    public Kernels fast() {
        return FAST;
    }

    @Override
    public ErrorModel model() {
        return ErrorModel.JAVA;
    }
}
