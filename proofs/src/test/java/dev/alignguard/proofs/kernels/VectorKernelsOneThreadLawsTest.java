package dev.alignguard.proofs.kernels;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.VectorKernels;

/** {@link BackendLaws} for the Vector API backend on one thread. */
class VectorKernelsOneThreadLawsTest implements BackendLaws {

    private static final VectorKernels FAST = new VectorKernels(1);

    @Override
    public Kernels fast() {
        return FAST;
    }

    @Override
    public ErrorModel model() {
        return ErrorModel.JAVA;
    }
}
