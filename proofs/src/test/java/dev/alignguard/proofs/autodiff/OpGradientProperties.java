package dev.alignguard.proofs.autodiff;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.Random;

import dev.alignguard.model.autodiff.AttentionOps;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * Every op's backward agrees with central finite differences (see {@link GradientCheck} for the
 * tolerance). Each op's output y is reduced to a scalar through a fixed random projection
 * {@code L = <y, R>_F}, so every output entry's gradient path is exercised. Shapes and values are
 * drawn per example (shapes as integer ranges, so a failure shrinks toward small shapes); a failure
 * prints its seed and the command that replays it (see {@link Laws}).
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

    /** C (m x n) = op(A) (m x k) op(B) (k x n), with the transposes ta, tb. */
    record Matmul(int m, int n, int k, boolean ta, boolean tb, long seed) {
    }

    @Test
    void matmulAllTransposes() {
        Laws.qt(40).forAll(integers().between(1, 9).zip(integers().between(1, 9), integers().between(1, 9), booleans().all(),
            booleans().all(), (m, n, k, ta, tb) -> new int[] {m, n, k, ta ? 1 : 0, tb ? 1 : 0})
            .zip(Gaussians.seeds(), (p, seed) -> new Matmul(p[0], p[1], p[2], p[3] == 1, p[4] == 1, seed)))
            .checkAssert(OpGradientProperties::matmulAllTransposes);
    }

    private static void matmulAllTransposes(Matmul c) {
        int m = c.m(), n = c.n(), k = c.k();
        boolean ta = c.ta(), tb = c.tb();
        long seed = c.seed();
        Random rnd = new Random(seed);
        Tensor a = ta ? GradientCheck.randomParameter("a", k, m, rnd, 1) : GradientCheck.randomParameter("a", m, k, rnd, 1);
        Tensor b = tb ? GradientCheck.randomParameter("b", n, k, rnd, 1) : GradientCheck.randomParameter("b", k, n, rnd, 1);
        assertNull(GradientCheck.check(g -> project(g, MatrixOps.matmul(g, a, ta, b, tb), seed), List.of(a, b), 64, seed));
    }

    @Test
    void elementwiseAndScalarOps() {
        Laws.qt(30).forAll(integers().between(1, 6), integers().between(1, 6), Gaussians.seeds())
            .checkAssert(OpGradientProperties::elementwiseAndScalar);
    }

    private static void elementwiseAndScalar(int rows, int cols, long seed) {
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

    @Test
    void siluAndRmsNorm() {
        Laws.qt(30).forAll(integers().between(1, 6), integers().between(1, 12), Gaussians.seeds())
            .checkAssert(OpGradientProperties::siluAndRmsNormOf);
    }

    private static void siluAndRmsNormOf(int rows, int cols, long seed) {
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

    @Test
    void embeddingAndCrossEntropy() {
        Laws.qt(30).forAll(integers().between(2, 9), integers().between(1, 8), Gaussians.seeds())
            .checkAssert(OpGradientProperties::embeddingAndCrossEntropyOf);
    }

    private static void embeddingAndCrossEntropyOf(int vocab, int n, long seed) {
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

    /** Attention over batch sequences of length seq, kvHeads KV heads, group query heads per KV head, head dim 2 halfHeadDim. */
    record Attention(int batch, int seq, int kvHeads, int group, int halfHeadDim, long seed) {
    }

    @Test
    void ropeAndAttention() {
        Laws.qt(30).forAll(integers().between(1, 3).zip(integers().between(1, 5), integers().between(1, 2),
            integers().between(1, 2), integers().between(1, 3), (b, sq, kv, gr, h) -> new int[] {b, sq, kv, gr, h})
            .zip(Gaussians.seeds(), (p, seed) -> new Attention(p[0], p[1], p[2], p[3], p[4], seed)))
            .checkAssert(OpGradientProperties::ropeAndAttention);
    }

    private static void ropeAndAttention(Attention c) {
        int batch = c.batch(), seq = c.seq(), kvHeads = c.kvHeads(), group = c.group(), halfHeadDim = c.halfHeadDim();
        long seed = c.seed();
        Random rnd = new Random(seed);
        int hd = 2 * halfHeadDim, heads = kvHeads * group, rows = batch * seq;
        Tensor q = GradientCheck.randomParameter("q", rows, heads * hd, rnd, 1);
        Tensor k = GradientCheck.randomParameter("k", rows, kvHeads * hd, rnd, 1);
        Tensor v = GradientCheck.randomParameter("v", rows, kvHeads * hd, rnd, 1);
        assertNull(GradientCheck.check(g -> project(g, AttentionOps.rope(g, q, seq, hd, 10000f), seed), List.of(q), 64, seed));
        int start = (int) Math.floorMod(seed, 7L); // rope of rows continuing a sequence (a KV-cached decode step)
        assertNull(GradientCheck.check(g -> project(g, AttentionOps.rope(g, q, seq, start, hd, 10000f), seed), List.of(q), 64, seed));
        assertNull(GradientCheck.check(g -> project(g, AttentionOps.causalSelfAttention(g, q, k, v, seq, heads, kvHeads), seed),
            List.of(q, k, v), 64, seed));
    }

    @Test
    void dropoutWithAFixedMask() {
        Laws.qt(20).forAll(integers().between(1, 6), Gaussians.seeds())
            .checkAssert(OpGradientProperties::dropoutWithAFixedMaskOf);
    }

    private static void dropoutWithAFixedMaskOf(int rows, long seed) {
        Random rnd = new Random(seed);
        Tensor x = GradientCheck.randomParameter("x", rows, 5, rnd, 1);
        // the same generator seed for every evaluation: the mask is a constant of the loss
        assertNull(GradientCheck.check(g -> project(g, NeuralOps.dropout(g, x, 0.3f, new Random(seed)), seed),
            List.of(x), 64, seed));
    }
}
