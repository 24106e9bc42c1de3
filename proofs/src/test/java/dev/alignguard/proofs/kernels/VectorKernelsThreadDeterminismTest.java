package dev.alignguard.proofs.kernels;

import java.util.Random;

import dev.alignguard.math.kernels.VectorKernels;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The Vector API backend's {@code gemm} is bit-identical on 1, 2 and 3 threads: threads split the
 * output into tiles, and every element is still summed in the same order (the {@code Kernels}
 * determinism contract). Shapes are drawn large enough that most cross the backend's 2^18
 * multiply-add threshold for going parallel and many its 256-deep panel. Replay as described in
 * {@link BackendLaws}.
 */
class VectorKernelsThreadDeterminismTest {

    private static final VectorKernels[] BACKENDS = {new VectorKernels(1), new VectorKernels(2), new VectorKernels(3)};

    @Provide
    Arbitrary<Integer> sides() {
        return Arbitraries.oneOf(Arbitraries.of(1, 7, 33, 129, 200), Arbitraries.integers().between(40, 160));
    }

    @Provide
    Arbitrary<Integer> depths() {
        return Arbitraries.oneOf(Arbitraries.of(1, 17, 256, 257, 600), Arbitraries.integers().between(16, 400));
    }

    @Property(tries = 20)
    void gemmIsBitIdenticalForOneTwoAndThreeThreads(
            @ForAll boolean transA, @ForAll boolean transB,
            @ForAll("sides") int m, @ForAll("sides") int n, @ForAll("depths") int k,
            @ForAll boolean withBeta, @ForAll long seed) {
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
