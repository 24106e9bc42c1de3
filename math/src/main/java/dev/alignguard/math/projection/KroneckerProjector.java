package dev.alignguard.math.projection;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.Kronecker;
import dev.alignguard.math.linalg.SymmetricEigen;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;

/**
 * The K-FAC projector. With the Fisher of a layer approximated by Kronecker factors
 *
 * <pre>
 *   S = E[delta delta^T]   d_out x d_out   output-gradient second moment, eigenpairs (sigma_i, q_i)
 *   A = E[a a^T]           d_in  x d_in    input second moment,           eigenpairs (alpha_j, p_j)
 *   F ~ S (x) A            D x D, D = d_out d_in   (row-major vec; the literature's "A (x) S" is the
 *                          same operator under column-major vec, see dev.alignguard.math.linalg.Kronecker)
 * </pre>
 * the eigenpairs of F are (sigma_i alpha_j, q_i (x) p_j = vec(q_i p_j^T)) for all (i, j). A
 * {@link SelectionRule} keeps a set K of pairs (top products, or the fewest reaching a fraction of
 * trace(F) = trace(S) trace(A)); on X = unvec(x) (d_out x d_in)
 *
 * <pre>
 *   P vec(X) = vec( sum_{(i,j) in K} (q_i^T X p_j) q_i p_j^T )
 *            = vec( Q_I [ M o (Q_I^T X P_J) ] P_J^T )
 * </pre>
 * where I, J are the factor indices that occur in K, Q_I (d_out x |I|), P_J (d_in x |J|), and M the
 * |I| x |J| 0/1 mask of K. Cost O(D (|I| + |J|)); the D x D matrix is never formed.
 *
 * <p>Ties among products (e.g. repeated factor eigenvalues) are broken by (i, j) ascending, so the
 * kept set is deterministic; with a tie at the cut the kept subspace is one valid choice among several.
 */
public final class KroneckerProjector implements Projector {

    /**
     * Factors are second moments, so PSD; an eigenvalue below {@code -PSD_TOLERANCE * max eigenvalue}
     * means the input is not a second moment. Less negative ones are rounding (EJML's symmetric
     * eig is accurate to about n 2^-53 ||A||) and are clamped to 0.
     */
    public static final double PSD_TOLERANCE = 1e-9;

    /** One kept eigenpair of S (x) A: factor indices i (of S) and j (of A), eigenvalue sigma_i alpha_j. */
    public record KeptPair(int i, int j, double eigenvalue) {
    }

    private final int dOut;
    private final int dIn;
    private final double[][] q;          // |I| x d_out: eigenvectors of S that occur in K
    private final double[][] p;          // |J| x d_in : eigenvectors of A that occur in K
    private final boolean[][] mask;      // |I| x |J|
    private final KeptPair[] kept;       // descending eigenvalue
    private final int[] localI;          // kept[k] uses q[localI[k]]
    private final int[] localJ;          // kept[k] uses p[localJ[k]]
    private final double captured;

    private KroneckerProjector(int dOut, int dIn, double[][] q, double[][] p, boolean[][] mask, KeptPair[] kept,
        int[] localI, int[] localJ, double captured) {
        this.dOut = dOut;
        this.dIn = dIn;
        this.q = q;
        this.p = p;
        this.mask = mask;
        this.kept = kept;
        this.localI = localI;
        this.localJ = localJ;
        this.captured = captured;
    }

    /**
     * From the factor matrices (symmetric PSD, checked): S (d_out x d_out), A (d_in x d_in), both
     * decomposed densely, O(d_out^3 + d_in^3).
     */
    public static KroneckerProjector fromFactors(DMatrixRMaj s, DMatrixRMaj a, SelectionRule rule) {
        if (s == null || a == null) {
            throw new IllegalArgumentException("Kronecker factors S and A must not be null");
        }
        return fromEigenPairs(SymmetricEigen.all(s), SymmetricEigen.all(a), rule);
    }

    /**
     * From the factors' eigenpairs: {@code sPairs} of S (vectors of length d_out), {@code aPairs}
     * of A (length d_in). They may be partial (top pairs only); trace(F) is
     * {@code sPairs.trace() * aPairs.trace()}, which an energy rule needs to be known.
     */
    public static KroneckerProjector fromEigenPairs(EigenPairs sPairs, EigenPairs aPairs, SelectionRule rule) {
        if (sPairs == null || aPairs == null || rule == null) {
            throw new IllegalArgumentException("factor eigenpairs and selection rule must not be null");
        }
        int dOut = sPairs.dim();
        int dIn = aPairs.dim();
        if (dOut < 1 || dIn < 1) {
            throw new IllegalArgumentException("layer shape must be at least 1 x 1, got " + dOut + " x " + dIn);
        }
        double[] sigma = clampedPsd(sPairs.values(), "S");
        double[] alpha = clampedPsd(aPairs.values(), "A");
        int ns = sigma.length;
        int na = alpha.length;
        long candidates = (long) ns * na;
        if (candidates > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many Kronecker eigenpairs: " + candidates);
        }
        double[] products = new double[(int) candidates];         // index c = i * na + j
        for (int i = 0; i < ns; i++) {
            for (int j = 0; j < na; j++) {
                products[i * na + j] = sigma[i] * alpha[j];
            }
        }
        int[] order = IntStream.range(0, products.length).boxed()
            .sorted(Comparator.comparingDouble((Integer c) -> -products[c]).thenComparingInt(c -> c))
            .mapToInt(Integer::intValue).toArray();
        double[] sorted = new double[order.length];
        for (int c = 0; c < order.length; c++) {
            sorted[c] = products[order[c]];
        }
        double trace = sPairs.trace() * aPairs.trace();
        int m = rule.select(sorted, trace);

        int[] toLocalI = new int[ns];
        int[] toLocalJ = new int[na];
        Arrays.fill(toLocalI, -1);
        Arrays.fill(toLocalJ, -1);
        int ni = 0;
        int nj = 0;
        KeptPair[] kept = new KeptPair[m];
        int[] localI = new int[m];
        int[] localJ = new int[m];
        double sum = 0;
        for (int k = 0; k < m; k++) {
            int i = order[k] / na;
            int j = order[k] % na;
            if (toLocalI[i] < 0) {
                toLocalI[i] = ni++;
            }
            if (toLocalJ[j] < 0) {
                toLocalJ[j] = nj++;
            }
            kept[k] = new KeptPair(i, j, sorted[k]);
            localI[k] = toLocalI[i];
            localJ[k] = toLocalJ[j];
            sum += sorted[k];
        }
        double[][] q = new double[ni][];
        double[][] p = new double[nj][];
        for (int i = 0; i < ns; i++) {
            if (toLocalI[i] >= 0) {
                q[toLocalI[i]] = sPairs.vector(i);
            }
        }
        for (int j = 0; j < na; j++) {
            if (toLocalJ[j] >= 0) {
                p[toLocalJ[j]] = aPairs.vector(j);
            }
        }
        boolean[][] mask = new boolean[ni][nj];
        for (int k = 0; k < m; k++) {
            mask[localI[k]][localJ[k]] = true;
        }
        double captured = Double.isNaN(trace) || trace == 0 ? Double.NaN : sum / trace;
        return new KroneckerProjector(dOut, dIn, q, p, mask, kept, localI, localJ, captured);
    }

    private static double[] clampedPsd(double[] values, String name) {
        double max = values.length == 0 ? 0 : Math.max(values[0], 0);
        double[] out = values.clone();
        for (int k = 0; k < out.length; k++) {
            if (out[k] < -PSD_TOLERANCE * max || (max == 0 && out[k] < 0)) {
                throw new IllegalArgumentException("factor " + name + " is not positive semidefinite: eigenvalue "
                    + out[k] + " (largest " + max + ")");
            }
            out[k] = Math.max(out[k], 0);
        }
        return out;
    }

    /** d_out, rows of the layer's weight. */
    public int dOut() {
        return dOut;
    }

    /** d_in, columns of the layer's weight. */
    public int dIn() {
        return dIn;
    }

    @Override
    public int dim() {
        return dOut * dIn;
    }

    @Override
    public int rank() {
        return kept.length;
    }

    @Override
    public ProjectorKind kind() {
        return ProjectorKind.KRONECKER;
    }

    /** The k-th kept pair (descending eigenvalue). */
    public KeptPair keptPair(int k) {
        return kept[k];
    }

    /** q_i of the k-th kept pair: its eigenvector of S (length d_out), a copy. */
    public double[] outputFactor(int k) {
        return q[localI[k]].clone();
    }

    /** p_j of the k-th kept pair: its eigenvector of A (length d_in), a copy. */
    public double[] inputFactor(int k) {
        return p[localJ[k]].clone();
    }

    /** The k-th kept eigenvector vec(q_i p_j^T) = q_i (x) p_j, length D. */
    public double[] keptVector(int k) {
        return Kronecker.outer(q[localI[k]], p[localJ[k]]);
    }

    @Override
    public void apply(double[] x, double[] out) {
        Projector.requireLengths(dim(), x, out);
        int ni = q.length;
        int nj = p.length;
        double[] y = new double[dOut * nj];                 // Y = X P_J, d_out x |J|
        for (int r = 0; r < dOut; r++) {
            int row = r * dIn;
            for (int b = 0; b < nj; b++) {
                double[] pb = p[b];
                double s = 0;
                for (int c = 0; c < dIn; c++) {
                    s += x[row + c] * pb[c];
                }
                y[r * nj + b] = s;
            }
        }
        double[] cm = new double[ni * nj];                  // C = M o (Q_I^T Y), |I| x |J|
        for (int a = 0; a < ni; a++) {
            double[] qa = q[a];
            for (int b = 0; b < nj; b++) {
                if (!mask[a][b]) {
                    continue;
                }
                double s = 0;
                for (int r = 0; r < dOut; r++) {
                    s += qa[r] * y[r * nj + b];
                }
                cm[a * nj + b] = s;
            }
        }
        double[] z = new double[ni * dIn];                  // Z = C P_J^T, |I| x d_in
        for (int a = 0; a < ni; a++) {
            for (int b = 0; b < nj; b++) {
                double cab = cm[a * nj + b];
                if (cab != 0) {
                    double[] pb = p[b];
                    int row = a * dIn;
                    for (int c = 0; c < dIn; c++) {
                        z[row + c] += cab * pb[c];
                    }
                }
            }
        }
        Arrays.fill(out, 0);                                // out = Q_I Z, d_out x d_in (x fully read above)
        for (int r = 0; r < dOut; r++) {
            int row = r * dIn;
            for (int a = 0; a < ni; a++) {
                double qar = q[a][r];
                if (qar != 0) {
                    int zr = a * dIn;
                    for (int c = 0; c < dIn; c++) {
                        out[row + c] += qar * z[zr + c];
                    }
                }
            }
        }
    }

    @Override
    public double capturedTraceFraction() {
        return captured;
    }

    @Override
    public double[] keptEigenvalues() {
        double[] v = new double[kept.length];
        for (int k = 0; k < kept.length; k++) {
            v[k] = kept[k].eigenvalue();
        }
        return v;
    }

    @Override
    public String toString() {
        return "KroneckerProjector[" + dOut + " x " + dIn + ", rank=" + rank() + ", captured=" + captured + "]";
    }
}
