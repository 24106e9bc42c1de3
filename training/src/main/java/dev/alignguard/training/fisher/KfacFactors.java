package dev.alignguard.training.fisher;

import org.ejml.data.DMatrixRMaj;

/**
 * The two Kronecker factors of one layer's K-FAC Fisher, accumulated example by example.
 *
 * <pre>
 *   A = (1 / T) sum_{i,t} a_{i,t} a_{i,t}^T           dIn  x dIn    T = sum_i T_i, all positions
 *   S = (1 / N) sum_{i,t} delta_{i,t} delta_{i,t}^T   dOut x dOut   N examples
 *   F ~ S (x) A    (row-major vec: vec(delta a^T) = delta (x) a; the literature's "A (x) S" is the
 *                   same operator under column-major vec, see dev.alignguard.math.linalg.Kronecker)
 * </pre>
 * Why this normalisation. The exact Fisher is F = (1/N) sum_i g_i g_i^T with
 * g_i = sum_t delta_{i,t} (x) a_{i,t} (see {@link PerExampleGradients}). Dropping the cross-token
 * terms t != t' and taking a and delta as independent ("K-FAC expand", Eschenhagen et al. 2023,
 * for weights shared across sequence positions) gives
 * {@code F ~ (1/N) sum_{i,t} (delta delta^T) (x) (a a^T) ~ S (x) A} with A a per-token mean and S
 * a per-example sum: the scale of S (x) A then matches F's, so trace(S) trace(A) estimates trace(F)
 * and normalisations (and raw scales) are comparable across estimators. Every real position t
 * enters A, including prompt positions (their inputs feed keys and values that response tokens
 * attend to); positions whose delta is 0 simply add nothing to S.
 *
 * <p>Sums are kept in double; only the upper triangle is accumulated and mirrored on read, so the
 * factors are exactly symmetric.
 */
public final class KfacFactors {

    private final int dOut;
    private final int dIn;
    private final double[] aSum;    // dIn x dIn, upper triangle used
    private final double[] sSum;    // dOut x dOut, upper triangle used
    private long tokens;
    private int examples;

    public KfacFactors(int dOut, int dIn) {
        if (dOut < 1 || dIn < 1) {
            throw new IllegalArgumentException("layer shape must be at least 1 x 1, got " + dOut + " x " + dIn);
        }
        this.dOut = dOut;
        this.dIn = dIn;
        this.aSum = new double[dIn * dIn];
        this.sSum = new double[dOut * dOut];
    }

    /** Adds one example's rows: inputs a (tokens x dIn) and output gradients delta (tokens x dOut). */
    public void add(float[] inputs, float[] outputGradients, int rows) {
        if (inputs.length != rows * dIn || outputGradients.length != rows * dOut) {
            throw new IllegalArgumentException("expected " + rows + " rows of " + dIn + " inputs and " + dOut
                + " output gradients, got " + inputs.length + " and " + outputGradients.length + " values");
        }
        accumulate(aSum, inputs, rows, dIn);
        accumulate(sSum, outputGradients, rows, dOut);
        tokens += rows;
        examples++;
    }

    /** Adds the captured rows of a {@link PerExampleGradients.LayerExample} (captured with tokens). */
    public void add(PerExampleGradients.LayerExample e) {
        if (e.inputs() == null || e.outputGradients() == null) {
            throw new IllegalArgumentException("the example was not captured with per-token rows");
        }
        add(e.inputs(), e.outputGradients(), e.tokens());
    }

    private static void accumulate(double[] sum, float[] rows, int n, int d) {
        double[] row = new double[d];
        for (int t = 0; t < n; t++) {
            int off = t * d;
            for (int c = 0; c < d; c++) {
                row[c] = rows[off + c];
            }
            for (int r = 0; r < d; r++) {
                double v = row[r];
                if (v == 0) {
                    continue;
                }
                int base = r * d;
                for (int c = r; c < d; c++) {
                    sum[base + c] += v * row[c];
                }
            }
        }
    }

    public int dOut() {
        return dOut;
    }

    public int dIn() {
        return dIn;
    }

    /** T, the positions seen. */
    public long tokens() {
        return tokens;
    }

    /** N, the examples seen. */
    public int examples() {
        return examples;
    }

    /** A = (1/T) sum a a^T, a new dIn x dIn matrix. */
    public DMatrixRMaj a() {
        requireData();
        return mirrored(aSum, dIn, 1.0 / tokens);
    }

    /** S = (1/N) sum delta delta^T, a new dOut x dOut matrix. */
    public DMatrixRMaj s() {
        requireData();
        return mirrored(sSum, dOut, 1.0 / examples);
    }

    private void requireData() {
        if (examples == 0 || tokens == 0) {
            throw new IllegalStateException("no examples accumulated");
        }
    }

    private static DMatrixRMaj mirrored(double[] upper, int d, double scale) {
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        for (int r = 0; r < d; r++) {
            for (int c = r; c < d; c++) {
                double v = upper[r * d + c] * scale;
                m.unsafe_set(r, c, v);
                m.unsafe_set(c, r, v);
            }
        }
        return m;
    }
}
