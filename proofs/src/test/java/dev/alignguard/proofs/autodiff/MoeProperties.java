package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.MoeOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Routing;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.llama.SparseMoe;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The laws of the sparse mixture-of-experts block (HF Mixtral semantics): the router's weights are a
 * distribution over the chosen experts, which are the top-k; an expert no token chose gets no
 * gradient; one expert with top-1 is the dense SwiGLU MLP bit for bit (block and whole model); the
 * block agrees with its plain reference twin ({@link MoeReference}); and every op's backward, and the
 * block's, matches finite differences ({@link GradientCheck}) on inputs whose routing the steps
 * cannot change (no near ties: {@link MoeReference#randomBlock}).
 */
class MoeProperties {

    private static final double U = Math.ulp(1.0f) / 2; // unit roundoff of float, 2^-24

    record Shape(int n, int c, int f, int e, int k, long seed) {
    }

    private static org.quicktheories.core.Gen<Shape> shapes() {
        return integers().between(1, 6).zip(integers().between(1, 5), integers().between(1, 5), integers().between(1, 6),
            integers().between(1, 6), (n, c, f, e, k) -> new int[] {n, c, f, e, Math.min(k, e)})
            .zip(Gaussians.seeds(), (p, seed) -> new Shape(p[0], p[1], p[2], p[3], p[4], seed));
    }

    private static Tensor project(Graph g, Tensor y, long seed) {
        Random rnd = new Random(seed);
        float[] r = new float[y.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rnd.nextGaussian();
        }
        return MatrixOps.frobeniusDot(g, y, Tensor.of(y.rows(), y.cols(), r));
    }

    private static SparseMoe block(MoeReference.Block b) {
        return SparseMoe.of("model.layers.0.block_sparse_moe", b.gate(), b.experts(), b.k());
    }

    // ------------------------------------------------------------------ routing laws

    /** Router weights sum to one over the chosen experts (within float rounding), are >= 0, and the chosen are the top-k. */
    @Test
    void routerWeightsSumToOneOverTheChosenTopK() {
        Laws.qt(200).forAll(shapes()).checkAssert(s -> {
            Random rnd = new Random(s.seed());
            Tensor logits = GradientCheck.randomParameter("l", s.n(), s.e(), rnd, 3);
            Routing r = MoeOps.route(Graph.inference(ScalarKernels.INSTANCE), logits, s.k());
            for (int t = 0; t < s.n(); t++) {
                double sum = 0;
                for (int slot = 0; slot < s.k(); slot++) {
                    float w = r.weights().get(t, slot);
                    assertTrue(w >= 0 && w <= 1, "weight " + w);
                    sum += w;
                    for (int other = 0; other < s.e(); other++) {
                        if (r.slotOf(t, other) < 0) {   // an unchosen expert is never more probable than a chosen one
                            assertTrue(r.probabilities()[t * s.e() + other] <= r.probabilities()[t * s.e() + r.expert(t, slot)]);
                        }
                    }
                }
                // each w_j = fl(p_j / S) with S summed in double: |sum - 1| <= k u (1 + small) from the k roundings
                Bounds.atMost(Math.abs(sum - 1), s.k() * U * 1.01, "sum of the chosen weights of token " + t);
            }
        });
    }

    /**
     * An expert that receives no token gets no gradient: after a backward through the block (no
     * auxiliary loss), its w1, w2, w3 and its router row are exactly zero; and (so the law is not
     * vacuous) some chosen expert's weights do get a gradient.
     */
    @Test
    void anExpertThatReceivesNoTokenGetsNoGradient() {
        Laws.qt(200).forAll(shapes()).checkAssert(s -> {
            Random rnd = new Random(s.seed());
            MoeReference.Block b = MoeReference.randomBlock(rnd, s.n(), s.c(), s.f(), s.e(), s.k(), 0);
            assertNotNull(b);
            SparseMoe moe = block(b);
            Graph g = Graph.training(ScalarKernels.INSTANCE);
            SparseMoe.Output out = moe.forward(g, b.x());
            g.backward(project(g, out.hidden(), s.seed()));
            float[] gateGrad = b.gate().grad();
            double chosenGrad = 0;
            for (int e = 0; e < s.e(); e++) {
                boolean routed = out.routing().countOf(e) > 0;
                for (Tensor w : b.experts().get(e)) {
                    if (!routed) {
                        assertTrue(!w.hasGrad() || allZero(w.grad(), 0, w.size()), "unrouted expert " + e + ": " + w);
                    } else {
                        chosenGrad += MatrixOps.sumOfSquares(Graph.inference(ScalarKernels.INSTANCE), Tensor.of(1, w.size(),
                            w.grad().clone())).item();
                    }
                }
                if (!routed) {
                    assertTrue(allZero(gateGrad, e * s.c(), s.c()), "router row of unrouted expert " + e);
                }
            }
            assertTrue(chosenGrad > 0, "no chosen expert got a gradient");
        });
    }

    private static boolean allZero(float[] v, int from, int length) {
        for (int i = from; i < from + length; i++) {
            if (v[i] != 0f) {
                return false;
            }
        }
        return true;
    }

    /**
     * One expert with top-1 is the dense SwiGLU MLP bit for bit: the routing weight is exactly 1
     * (softmax of one logit, renormalised), the rows are all the rows in order, and the output and
     * the weights' gradients equal {@code w2(silu(w1 x) * w3 x)}'s exactly; the input's gradient equals
     * it as floats (the router adds exact zeros).
     */
    @Test
    void oneExpertTopOneIsTheDenseSwiGluBitForBit() {
        Laws.qt(100).forAll(shapes()).checkAssert(s -> {
            Random rnd = new Random(s.seed());
            MoeReference.Block b = MoeReference.randomBlock(rnd, s.n(), s.c(), s.f(), 1, 1, 0);
            Tensor[] ex = b.experts().get(0);
            Tensor[] dense = {Tensor.parameter("w1", ex[0].rows(), ex[0].cols(), ex[0].data().clone()),
                Tensor.parameter("w2", ex[1].rows(), ex[1].cols(), ex[1].data().clone()),
                Tensor.parameter("w3", ex[2].rows(), ex[2].cols(), ex[2].data().clone())};
            Tensor xd = Tensor.parameter("xd", s.n(), s.c(), b.x().data().clone());
            Graph g1 = Graph.training(ScalarKernels.INSTANCE);
            Tensor moeOut = block(b).forward(g1, b.x()).hidden();
            g1.backward(project(g1, moeOut, s.seed()));
            Graph g2 = Graph.training(ScalarKernels.INSTANCE);
            Tensor denseOut = MatrixOps.linear(g2, MatrixOps.mul(g2, NeuralOps.silu(g2, MatrixOps.linear(g2, xd, dense[0])),
                MatrixOps.linear(g2, xd, dense[2])), dense[1]);
            g2.backward(project(g2, denseOut, s.seed()));
            assertArrayBits(denseOut.data(), moeOut.data(), "output");
            for (int i = 0; i < 3; i++) {
                assertArrayBits(dense[i].grad(), ex[i].grad(), "gradient of w" + (i + 1));
            }
            for (int i = 0; i < xd.size(); i++) {
                assertEquals(xd.grad()[i], b.x().grad()[i], 0f, "gradient of x at " + i);
            }
        });
    }

    /** The same law for a whole model: a Mixtral config with one expert and top-1 gives a Llama model's logits bit for bit. */
    @Test
    void oneExpertMixtralModelIsTheLlamaModelBitForBit() {
        Laws.qt(20).forAll(integers().between(0, 2), integers().between(1, 5), Gaussians.seeds()).checkAssert((layers, seq, seed) -> {
            LlamaConfig dense = new LlamaConfig(11, 8, 6, layers, 2, 1, 8, 1e-5, 10000.0);
            LlamaModel llama = LlamaModel.initialize(dense, seed);
            java.util.Map<String, float[]> values = new java.util.LinkedHashMap<>();
            LlamaConfig mixtral = dense.withExperts(1, 1, 0.01);
            for (String name : LlamaModel.parameterShapes(mixtral).keySet()) {
                String denseName = name.replace("block_sparse_moe.experts.0.w1", "mlp.gate_proj")
                    .replace("block_sparse_moe.experts.0.w3", "mlp.up_proj").replace("block_sparse_moe.experts.0.w2", "mlp.down_proj");
                Tensor t = llama.parameters().get(denseName);
                values.put(name, t != null ? t.data().clone() : new float[mixtral.hiddenSize()]); // the router of one expert
            }
            LlamaModel moe = LlamaModel.fromValues(mixtral, values, "copy");
            int[] tokens = new Random(seed).ints(seq, 0, 11).toArray();
            float[] a = llama.forward(Graph.inference(ScalarKernels.INSTANCE), tokens, 1, seq).data();
            float[] m = moe.forward(Graph.inference(ScalarKernels.INSTANCE), tokens, 1, seq).data();
            assertArrayBits(a, m, "logits");
        });
    }

    /**
     * A whole Mixtral model's backward (every parameter: embeddings, attention, router, experts, norms,
     * head, and the load-balancing loss) matches finite differences, with every token routed to every
     * expert (k = E), where the loss is differentiable everywhere; weights at unit gain so every path
     * carries a signal float differences resolve.
     */
    @Test
    void mixtralModelGradientMatchesFiniteDifferences() {
        Laws.qt(8).forAll(integers().between(1, 4), integers().between(1, 4), Gaussians.seeds()).checkAssert((experts, seq, seed) -> {
            LlamaConfig c = new LlamaConfig(7, 4, 3, 1, 2, 1, 8, 1e-5, 10000.0).withExperts(experts, experts, 0.05);
            LlamaModel m = LlamaModel.initialize(c, seed);
            Random rnd = new Random(seed);
            for (Tensor t : m.parameters().values()) {
                float[] d = t.data();
                for (int i = 0; i < d.length; i++) {
                    d[i] = (float) (t.rows() == 1 ? 1 + 0.3 * rnd.nextGaussian() : rnd.nextGaussian() / Math.sqrt(t.cols()));
                }
            }
            int[] tokens = rnd.ints(seq, 0, 7).toArray();
            int[] targets = rnd.ints(seq, 0, 7).toArray();
            List<Tensor> params = new ArrayList<>(m.parameters().values());
            assertNull(GradientCheck.check(g -> {
                List<Tensor> router = new ArrayList<>();
                Tensor ce = NeuralOps.crossEntropy(g, m.forward(g, tokens, 1, seq, router), targets, null);
                return MatrixOps.add(g, ce, m.routerAuxLoss(g, router));
            }, params, 32, seed));
        });
    }

    private static void assertArrayBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                what + " at " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }

    // ------------------------------------------------------------------ reference twin

    /**
     * The block agrees with its reference twin: the same experts chosen, and each output within the
     * float forward-error bound {@code gamma_m * |.|-evaluation} (m = C + F + 2k + 16, the longest
     * chain of roundings: a dot product of C, silu, a product, a dot product of F, the routing weight
     * and the k-term sum), computed from the actual operands.
     */
    @Test
    void blockAgreesWithItsReferenceTwin() {
        Laws.qt(200).forAll(shapes()).checkAssert(s -> {
            Random rnd = new Random(s.seed());
            MoeReference.Block b = MoeReference.randomBlock(rnd, s.n(), s.c(), s.f(), s.e(), s.k(), 0);
            Tensor out = block(b).forward(Graph.inference(ScalarKernels.INSTANCE), b.x()).hidden();
            double[] ref = MoeReference.forward(b, false);
            double[] abs = MoeReference.forward(b, true);
            int m = s.c() + s.f() + 2 * s.k() + 16;
            double gamma = m * U / (1 - m * U);
            for (int i = 0; i < ref.length; i++) {
                Bounds.atMost(Math.abs(out.data()[i] - ref[i]), gamma * abs[i] * 2 + Float.MIN_NORMAL, "output " + i);
            }
        });
    }

    /** The load-balancing loss agrees with its reference twin, and lies in [k, E] (balanced to collapsed). */
    @Test
    void loadBalancingLossAgreesWithItsReferenceTwin() {
        Laws.qt(100).forAll(shapes(), integers().between(1, 3)).checkAssert((s, layers) -> {
            Random rnd = new Random(s.seed());
            List<Tensor> logits = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                logits.add(separated(rnd, s.n(), s.e(), s.k()));
            }
            float loss = MoeOps.loadBalancingLoss(Graph.inference(ScalarKernels.INSTANCE), logits, s.k()).item();
            double ref = MoeReference.loadBalancingLoss(logits, s.k());
            Bounds.close(ref, loss, 1e-5 * s.e(), "load-balancing loss");
            assertTrue(loss >= s.k() * (1 - 1e-5) && loss <= s.e() * (1 + 1e-5), "loss " + loss + " outside [k, E]");
        });
    }

    /** Router logits N x E whose top-k gaps all exceed 0.1, so a step of 1e-2 keeps every choice. */
    private static Tensor separated(Random rnd, int n, int e, int k) {
        while (true) {
            Tensor t = GradientCheck.randomParameter("logits", n, e, rnd, 2);
            if (MoeReference.margin(t, k) > 0.1) {
                return t;
            }
        }
    }

    // ------------------------------------------------------------------ finite differences

    @Test
    void routeGatherCombineAndLoadBalancingMatchFiniteDifferences() {
        Laws.qt(60).forAll(shapes()).checkAssert(s -> {
            Random rnd = new Random(s.seed());
            Tensor logits = separated(rnd, s.n(), s.e(), s.k());
            Tensor l2 = Tensor.parameter("logits", s.n(), s.e(), logits.data());
            assertNull(GradientCheck.check(g -> project(g, MoeOps.route(g, l2, s.k()).weights(), s.seed()), List.of(l2), 64, s.seed()));
            assertNull(GradientCheck.check(g -> MoeOps.loadBalancingLoss(g, List.of(l2), s.k()), List.of(l2), 64, s.seed()));
            Tensor x = GradientCheck.randomParameter("x", s.n(), s.c(), rnd, 1);
            int[] rows = rnd.ints(rnd.nextInt(2 * s.n() + 1), 0, s.n()).toArray();
            assertNull(GradientCheck.check(g -> project(g, MoeOps.gatherRows(g, x, rows), s.seed()), List.of(x), 64, s.seed()));
            // combine: the routing fixed (constant logits), the expert outputs and the weights vary
            Routing fixed = MoeOps.route(Graph.inference(ScalarKernels.INSTANCE), logits, s.k());
            Tensor w = Tensor.parameter("w", s.n(), s.k(), fixed.weights().data().clone());
            Routing r = new Routing(s.n(), s.e(), s.k(), fixed.chosen(), fixed.probabilities(), w);
            List<Tensor> outs = new ArrayList<>();
            List<Tensor> inputs = new ArrayList<>(List.of(w));
            for (int e = 0; e < s.e(); e++) {
                int count = r.countOf(e);
                Tensor y = count == 0 ? null : GradientCheck.randomParameter("y" + e, count, s.c(), rnd, 1);
                outs.add(y);
                if (y != null) {
                    inputs.add(y);
                }
            }
            assertNull(GradientCheck.check(g -> project(g, MoeOps.combine(g, r, outs, s.c()), s.seed()), inputs, 64, s.seed()));
        });
    }

    /** The whole block's backward (input, router, every expert projection) matches finite differences. */
    @Test
    void blockMatchesFiniteDifferences() {
        Laws.qt(60).forAll(shapes()).checkAssert(s -> {
            Random rnd = new Random(s.seed());
            MoeReference.Block b = MoeReference.randomBlock(rnd, s.n(), s.c(), s.f(), s.e(), s.k(), GradientCheck.H);
            assertNotNull(b, "no router without near ties in 1,000 draws");
            SparseMoe moe = block(b);
            List<Tensor> inputs = new ArrayList<>(List.of(b.x(), b.gate()));
            for (Tensor[] ex : b.experts()) {
                inputs.addAll(List.of(ex));
            }
            assertNull(GradientCheck.check(g -> project(g, moe.forward(g, b.x()).hidden(), s.seed()), inputs, 64, s.seed()));
        });
    }
}
