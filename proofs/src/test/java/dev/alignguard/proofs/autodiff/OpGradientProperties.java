package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Random;

import dev.alignguard.model.autodiff.AttentionOps;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every op's backward agrees with central finite differences (see {@link GradientCheck} for the
 * tolerance). Each op's output y is reduced to a scalar through a fixed random projection
 * {@code L = <y, R>_F}, so every output entry's gradient path is exercised. Shapes and values are
 * drawn per try; a failing try's seed is printed by jqwik and can be replayed with
 * {@code @Property(seed = "...")}.
 */
class OpGradientProperties {

    private static Tensor project(Graph g, Tensor y, long seed) {
        Random rnd = new Random(seed);
        float[] r = new float[y.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) rnd.nextGaussian();
        }
        return MatrixOps.frobeniusDot(g, y, Tensor.of(y.rows(), y.cols(), r));
    }

    @Property(tries = 40)
    void matmulAllTransposes(@ForAll @IntRange(min = 1, max = 9) int m, @ForAll @IntRange(min = 1, max = 9) int n,
                             @ForAll @IntRange(min = 1, max = 9) int k, @ForAll boolean ta, @ForAll boolean tb,
                             @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor a = ta ? GradientCheck.randomParameter("a", k, m, rnd, 1) : GradientCheck.randomParameter("a", m, k, rnd, 1);
        Tensor b = tb ? GradientCheck.randomParameter("b", n, k, rnd, 1) : GradientCheck.randomParameter("b", k, n, rnd, 1);
        assertNull(GradientCheck.check(g -> project(g, MatrixOps.matmul(g, a, ta, b, tb), seed), List.of(a, b), 64, seed));
    }

    @Property(tries = 30)
    void elementwiseAndScalarOps(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 1, max = 6) int cols,
                                 @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor a = GradientCheck.randomParameter("a", rows, cols, rnd, 1);
        Tensor b = GradientCheck.randomParameter("b", rows, cols, rnd, 1);
        assertNull(GradientCheck.check(g -> project(g, MatrixOps.add(g, a, b), seed), List.of(a, b), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, MatrixOps.sub(g, a, b), seed), List.of(a, b), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, MatrixOps.mul(g, a, b), seed), List.of(a, b), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, MatrixOps.scale(g, a, -1.7f), seed), List.of(a), 64, seed));
        assertNull(GradientCheck.check(g -> MatrixOps.sum(g, MatrixOps.mul(g, a, a)), List.of(a), 64, seed));
        assertNull(GradientCheck.check(g -> MatrixOps.frobeniusDot(g, a, b), List.of(a, b), 64, seed));
        assertNull(GradientCheck.check(g -> MatrixOps.sumOfSquares(g, a), List.of(a), 64, seed));
        assertNull(GradientCheck.check(g -> MatrixOps.divideScalars(g, MatrixOps.frobeniusDot(g, a, b),
            MatrixOps.addConstant(g, MatrixOps.sumOfSquares(g, a), 1f)), List.of(a, b), 64, seed));
    }

    @Property(tries = 30)
    void siluAndRmsNorm(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 1, max = 12) int cols,
                        @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor x = GradientCheck.randomParameter("x", rows, cols, rnd, 1);
        Tensor w = GradientCheck.randomParameter("w", 1, cols, rnd, 1);
        assertNull(GradientCheck.check(g -> project(g, NeuralOps.silu(g, x), seed), List.of(x), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, NeuralOps.rmsNorm(g, x, w, 1e-5f), seed), List.of(x, w), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, NeuralOps.sigmoid(g, x), seed), List.of(x), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, NeuralOps.smoothAbs(g, x, 0.1f), seed), List.of(x), 64, seed));
        float[] weights = new float[x.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) Math.abs(rnd.nextGaussian());
        }
        assertNull(GradientCheck.check(g -> MatrixOps.weightedSumOfSquares(g, x, weights), List.of(x), 64, seed));
    }

    @Property(tries = 30)
    void embeddingAndCrossEntropy(@ForAll @IntRange(min = 2, max = 9) int vocab, @ForAll @IntRange(min = 1, max = 8) int n,
                                  @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor table = GradientCheck.randomParameter("table", vocab, 4, rnd, 1);
        Tensor logits = GradientCheck.randomParameter("logits", n, vocab, rnd, 2);
        int[] ids = rnd.ints(n, 0, vocab).toArray();
        int[] targets = rnd.ints(n, 0, vocab).toArray();
        boolean[] mask = new boolean[n];
        for (int i = 0; i < n; i++) {
            mask[i] = i == 0 || rnd.nextBoolean();
        }
        assertNull(GradientCheck.check(g -> project(g, NeuralOps.embedding(g, table, ids), seed), List.of(table), 64, seed));
        assertNull(GradientCheck.check(g -> NeuralOps.crossEntropy(g, logits, targets, mask), List.of(logits), 64, seed));
        assertNull(GradientCheck.check(g -> NeuralOps.crossEntropy(g, logits, targets, null), List.of(logits), 64, seed));
    }

    @Property(tries = 30)
    void ropeAndAttention(@ForAll @IntRange(min = 1, max = 3) int batch, @ForAll @IntRange(min = 1, max = 5) int seq,
                          @ForAll @IntRange(min = 1, max = 2) int kvHeads, @ForAll @IntRange(min = 1, max = 2) int group,
                          @ForAll @IntRange(min = 1, max = 3) int halfHeadDim, @ForAll long seed) {
        Random rnd = new Random(seed);
        int hd = 2 * halfHeadDim, heads = kvHeads * group, rows = batch * seq;
        Tensor q = GradientCheck.randomParameter("q", rows, heads * hd, rnd, 1);
        Tensor k = GradientCheck.randomParameter("k", rows, kvHeads * hd, rnd, 1);
        Tensor v = GradientCheck.randomParameter("v", rows, kvHeads * hd, rnd, 1);
        assertNull(GradientCheck.check(g -> project(g, AttentionOps.rope(g, q, seq, hd, 10000f), seed), List.of(q), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, AttentionOps.causalSelfAttention(g, q, k, v, seq, heads, kvHeads), seed),
            List.of(q, k, v), 64, seed));
    }

    @Property(tries = 20)
    void dropoutWithAFixedMask(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll long seed) {
        Random rnd = new Random(seed);
        Tensor x = GradientCheck.randomParameter("x", rows, 5, rnd, 1);
        // the same generator seed for every evaluation: the mask is a constant of the loss
        assertNull(GradientCheck.check(g -> project(g, NeuralOps.dropout(g, x, 0.3f, new Random(seed)), seed),
            List.of(x), 64, seed));
    }
}
