package dev.alignguard.proofs.kernels;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.proofs.harness.LawTags;
import org.junit.jupiter.api.Tag;

/** {@link BackendLaws} for the Vector API backend on one thread. */
@Tag(LawTags.VECTOR)
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
