package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The identity "tap" (MatrixOps.tap) and the Linear capture hook built on it: the tap's backward
 * passes the gradient through unchanged (finite differences, see {@link GradientCheck}) and hands
 * the callback exactly dL/dy; installing a capture changes neither the logits nor any gradient,
 * bit for bit (the tap copies values and adds dy into a zero buffer, both exact in IEEE arithmetic).
 */
class TapGradientProperties {

    private static final Kernels K = ScalarKernels.INSTANCE;

    @Test
    void tapIsAnIdentityWithAWindowOnTheGradient() {
        Laws.qt(30).forAll(integers().between(1, 6), integers().between(1, 6), Gaussians.seeds())
            .checkAssert(TapGradientProperties::tapIsAnIdentity);
    }

    private static void tapIsAnIdentity(int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        Tensor x = GradientCheck.randomParameter("x", rows, cols, rnd, 1.0);
        Tensor w = GradientCheck.randomParameter("w", cols, cols, rnd, 1.0);
        List<float[]> seen = new ArrayList<>();
        // L = sum(silu(tap(x W^T))^2): nonlinear after the tap so dY is not constant
        assertNull(GradientCheck.check(g -> MatrixOps.sumOfSquares(g, NeuralOps.silu(g,
            MatrixOps.tap(g, MatrixOps.linear(g, x, w), dy -> seen.add(dy.clone())))), List.of(x, w), 20, seed, K));
        // the callback saw dL/dY; recompute it by differentiating with respect to a constant copy of Y
        Graph g = Graph.inference(K);
        Tensor y = MatrixOps.linear(g, x, w);
        Tensor yParam = Tensor.parameter("y", rows, cols, y.data().clone());
        Graph t = Graph.training(K);
        t.backward(MatrixOps.sumOfSquares(t, NeuralOps.silu(t, yParam)));
        assertEquals(1, seen.size());
        assertArrayEquals(yParam.grad(), seen.get(0));
    }

    @Test
    void captureChangesNothing() {
        Laws.qt(15).forAll(integers().between(2, 6), Gaussians.seeds()).checkAssert(TapGradientProperties::captureChangesNothing);
    }

    private static void captureChangesNothing(int seq, long seed) {
        LlamaModel m = LlamaModel.initialize(new LlamaConfig(11, 8, 12, 2, 2, 1, 16, 1e-5, 10000.0), seed);
        Random rnd = new Random(seed);
        int[] tokens = rnd.ints(2 * seq, 0, 11).toArray();
        int[] targets = rnd.ints(2 * seq, 0, 11).toArray();
        float[][] plain = run(m, tokens, targets, seq);
        int[] calls = new int[2];
        for (Linear l : m.linears()) {
            l.setCapture(new Linear.Capture() {
                @Override
                public void input(Linear layer, float[] x, int r) {
                    calls[0]++;
                }

                @Override
                public void outputGradient(Linear layer, float[] dy, int r) {
                    calls[1]++;
                }
            });
        }
        float[][] captured = run(m, tokens, targets, seq);
        m.linears().forEach(l -> l.setCapture(null));
        assertEquals(m.linears().size(), calls[0]);
        assertEquals(m.linears().size(), calls[1]);
        for (int i = 0; i < plain.length; i++) {
            assertArrayEquals(plain[i], captured[i], "array " + i);
        }
    }

    /** logits, then every parameter's gradient. */
    private static float[][] run(LlamaModel m, int[] tokens, int[] targets, int seq) {
        List<Tensor> params = new ArrayList<>(m.parameters().values());
        params.forEach(Tensor::zeroGrad);
        Graph g = Graph.training(K);
        Tensor logits = m.forward(g, tokens, 2, seq);
        g.backward(NeuralOps.crossEntropy(g, logits, targets, null));
        float[][] out = new float[params.size() + 1][];
        out[0] = logits.data().clone();
        for (int i = 0; i < params.size(); i++) {
            out[i + 1] = params.get(i).grad().clone();
        }
        return out;
    }
}
