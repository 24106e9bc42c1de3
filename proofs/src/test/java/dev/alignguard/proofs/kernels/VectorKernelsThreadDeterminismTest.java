package dev.alignguard.proofs.kernels;

import java.util.Random;

import dev.alignguard.math.kernels.VectorKernels;

import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.KernelOperands;
import dev.alignguard.proofs.gen.KernelOperands.GemmShape;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;
import dev.alignguard.proofs.harness.LawTags;
import org.junit.jupiter.api.Tag;

/**
 * The Vector API backend's {@code gemm} is bit-identical on 1, 2 and 3 threads: threads split the
 * output into tiles, and every element is still summed in the same order (the {@code Kernels}
 * determinism contract). Shapes are drawn large enough that most cross the backend's 2^18
 * multiply-add threshold for going parallel and many its 256-deep panel
 * ({@link KernelOperands#parallelSides()}, {@link KernelOperands#parallelDepths()}). Replay as
 * described in {@link BackendLaws}.
 */
@Tag(LawTags.VECTOR)
class VectorKernelsThreadDeterminismTest {

    private static final VectorKernels[] BACKENDS = {new VectorKernels(1), new VectorKernels(2), new VectorKernels(3)};

    @Test
    void gemmIsBitIdenticalForOneTwoAndThreeThreads() {
        Laws.qt(20).forAll(KernelOperands.gemmShapes(KernelOperands.parallelSides(), KernelOperands.parallelDepths()),
            SourceDSL.booleans().all(), Gaussians.seeds()).checkAssert(this::gemmIsBitIdentical);
    }

    private void gemmIsBitIdentical(GemmShape shape, boolean withBeta, long seed) {
        boolean transA = shape.transA(), transB = shape.transB();
        int m = shape.m(), n = shape.n(), k = shape.k();
        Random rnd = new Random(seed);
        float[] a = BackendLaws.data(rnd, m * k);
        float[] b = BackendLaws.data(rnd, k * n);
        float[] c0 = BackendLaws.data(rnd, m * n);
        float beta = withBeta ? 0.75f : 0f;
        float[] first = null;
        for (VectorKernels backend : BACKENDS) {
            float[] c = c0.clone();
            backend.gemm(transA, transB, m, n, k, 1.25f, a, 0, transA ? m : k, b, 0, transB ? k : n, beta, c, 0, n);
            if (first == null) {
                first = c;
            } else {
                BackendLaws.requireSame(first, c, "gemm m=" + m + " n=" + n + " k=" + k + " transA=" + transA
                    + " transB=" + transB + " on " + backend.threads() + " threads vs 1");
            }
        }
    }
}
