package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.autodiff.BufferPool;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.lora.LoraLinear;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The fused LoRA linear {@code y = x W^T + s (x A^T) B^T} has the bits of its composition
 * ({@link LoraLinear#reference}) in the output and in every gradient, whichever of x, W, A, B need
 * one (a frozen W gets none), on the scalar and the vector backend (1-3 threads) and on a pooled
 * graph; and its backward agrees with finite differences ({@link GradientCheck}).
 */
class LoraLinearProperties {

    /** Shapes N x in, out, rank r; which inputs train (bits 0..3: x, W, A, B); scaling. */
    record Case(int n, int in, int out, int r, int trains, float s, long seed) {
    }

    @Test
    void fusedHasTheCompositionsBits() {
        Laws.qt(40).forAll(integers().between(1, 40).zip(integers().between(1, 24), integers().between(1, 24),
            integers().between(1, 9), (n, in, out, r) -> new int[] {n, in, out, r})
            .zip(integers().between(1, 15), Gaussians.seeds(),
                (p, trains, seed) -> new Case(p[0], p[1], p[2], p[3], trains, (float) (seed % 7) / 3f - 1f, seed)))
            .checkAssert(LoraLinearProperties::sameBits);
    }

    private static void sameBits(Case c) {
        FusedBits.assertSameBits((kernels, fused, pooled) -> run(c, kernels, fused, pooled), c);
    }

    /** The output, then the gradient of each input that trains (null where it does not). */
    private static List<float[]> run(Case c, Kernels kernels, boolean fusedOp, boolean pooled) {
        Random rnd = new Random(c.seed());
        Tensor x = input("x", c.n(), c.in(), rnd, (c.trains() & 1) != 0);
        Tensor w = input("w", c.out(), c.in(), rnd, (c.trains() & 2) != 0);
        Tensor a = input("a", c.r(), c.in(), rnd, (c.trains() & 4) != 0);
        Tensor b = input("b", c.out(), c.r(), rnd, (c.trains() & 8) != 0);
        float[] r = new float[c.n() * c.out()];
        for (int i = 0; i < r.length; i++) {
            r[i] = i % 5 == 0 ? -0f : (float) rnd.nextGaussian();  // some gradients exactly -0
        }
        List<float[]> result = new ArrayList<>();
        try (Graph g = pooled ? Graph.training(kernels, BufferPool.checked()) : Graph.training(kernels)) {
            Tensor y = fusedOp ? LoraLinear.forward(g, x, w, a, b, c.s()) : LoraLinear.reference(g, x, w, a, b, c.s());
            result.add(y.data().clone());
            g.backward(MatrixOps.frobeniusDot(g, y, Tensor.of(c.n(), c.out(), r)));
        }
        for (Tensor t : List.of(x, w, a, b)) {
            result.add(t.requiresGrad() ? t.grad().clone() : null);
        }
        return result;
    }

    private static Tensor input(String name, int rows, int cols, Random rnd, boolean trains) {
        Tensor t = GradientCheck.randomParameter(name, rows, cols, rnd, 1);
        t.setRequiresGrad(trains);
        return t;
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Laws.qt(20).forAll(integers().between(1, 6), integers().between(1, 6), integers().between(1, 4), Gaussians.seeds())
            .checkAssert((n, d, r, seed) -> {
                Random rnd = new Random(seed);
                Tensor x = GradientCheck.randomParameter("x", n, d, rnd, 1);
                Tensor w = GradientCheck.randomParameter("w", d + 1, d, rnd, 1);
                Tensor a = GradientCheck.randomParameter("a", r, d, rnd, 1);
                Tensor b = GradientCheck.randomParameter("b", d + 1, r, rnd, 1);
                float[] proj = new float[n * (d + 1)];
                for (int i = 0; i < proj.length; i++) {
                    proj[i] = (float) rnd.nextGaussian();
                }
                assertNull(GradientCheck.check(g -> MatrixOps.frobeniusDot(g, LoraLinear.forward(g, x, w, a, b, 1.5f),
                    Tensor.of(n, d + 1, proj)), List.of(x, w, a, b), 64, seed));
            });
    }
}
