package dev.alignguard.math.linalg;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;

/**
 * m eigenpairs (lambda_k, u_k) of a symmetric operator on R^D, in a canonical form so that results
 * of different solvers can be compared entry by entry.
 *
 * <pre>
 *   values  : double[m]      lambda_0 >= lambda_1 >= ... (algebraically descending)
 *   vectors : double[m][D]   vectors[k] = u_k, column k of U (D x m); unit norm
 *   trace   : trace of the whole operator the pairs were taken from (all D eigenvalues, not only
 *             these m), or NaN when the solver does not know it
 * </pre>
 *
 * <p>Canonical form, applied by the constructor: each vector is scaled to unit norm and its sign
 * chosen so that its largest-magnitude component is positive (the first such component on exact
 * ties). An eigenvector is only defined up to sign, so this is what makes two solvers' answers
 * comparable; where two components have nearly equal magnitude rounding can still pick different
 * signs, so tests compare vectors up to sign. Eigenvectors of a repeated eigenvalue are only
 * defined up to a rotation; no convention can fix that.
 *
 * <p>Immutable: the constructor and every accessor copy the arrays. {@link #of} sorts unsorted
 * input; the canonical constructor insists on descending values.
 */
public record EigenPairs(int dim, double[] values, double[][] vectors, double trace) {

    /** Validates shapes, normalises and fixes signs (see the class comment); values must be descending. */
    public EigenPairs {
        if (values == null || vectors == null) {
            throw new IllegalArgumentException("values and vectors must not be null");
        }
        if (values.length != vectors.length) {
            throw new IllegalArgumentException(values.length + " eigenvalues but " + vectors.length + " eigenvectors");
        }
        Columns.requireShape(dim, vectors, "eigenvectors");
        Vec.requireFinite(values, "eigenvalues");
        for (int k = 1; k < values.length; k++) {
            if (values[k] > values[k - 1]) {
                throw new IllegalArgumentException("eigenvalues must be descending: lambda_" + (k - 1) + " = "
                    + values[k - 1] + " < lambda_" + k + " = " + values[k] + " (use EigenPairs.of to sort)");
            }
        }
        if (Double.isInfinite(trace)) {
            throw new IllegalArgumentException("trace must be finite or NaN (unknown), got " + trace);
        }
        values = values.clone();
        double[][] canon = new double[vectors.length][];
        for (int k = 0; k < vectors.length; k++) {
            canon[k] = canonical(vectors[k], k);
        }
        vectors = canon;
    }

    /** Pairs in any order: sorts by eigenvalue descending (ties keep input order), then canonicalises. */
    public static EigenPairs of(int dim, double[] values, double[][] vectors, double trace) {
        if (values == null || vectors == null || values.length != vectors.length) {
            throw new IllegalArgumentException("need as many eigenvectors as eigenvalues");
        }
        Integer[] order = IntStream.range(0, values.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer k) -> values[k]).reversed());  // stable
        double[] v = new double[values.length];
        double[][] u = new double[values.length][];
        for (int k = 0; k < order.length; k++) {
            v[k] = values[order[k]];
            u[k] = vectors[order[k]];
        }
        return new EigenPairs(dim, v, u, trace);
    }

    /** Number of pairs m. */
    public int count() {
        return values.length;
    }

    /** lambda_k. */
    public double value(int k) {
        return values[k];
    }

    /** A copy of u_k (length D). */
    public double[] vector(int k) {
        return vectors[k].clone();
    }

    /** A copy of the eigenvalues, descending. */
    @Override
    public double[] values() {
        return values.clone();
    }

    /** A deep copy of the eigenvectors, {@code double[m][D]}. */
    @Override
    public double[][] vectors() {
        return Columns.copy(vectors);
    }

    /** U as an EJML matrix, D x m. */
    public DMatrixRMaj toMatrix() {
        return Columns.toMatrix(dim, vectors);
    }

    /** The leading {@code min(m, count())} pairs (same trace). */
    public EigenPairs top(int m) {
        if (m < 0) {
            throw new IllegalArgumentException("m must be >= 0, got " + m);
        }
        int k = Math.min(m, count());
        return new EigenPairs(dim, Arrays.copyOf(values, k), Arrays.copyOf(vectors, k), trace);
    }

    /** {@code sum_k lambda_k} over the kept pairs. */
    public double sum() {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }

    /** {@code sum() / trace()}: the fraction of the operator's trace these pairs capture; NaN when the trace is unknown or 0. */
    public double capturedTraceFraction() {
        return Double.isNaN(trace) || trace == 0 ? Double.NaN : sum() / trace;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EigenPairs p && dim == p.dim && Arrays.equals(values, p.values)
            && Arrays.deepEquals(vectors, p.vectors) && Double.compare(trace, p.trace) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * dim + Arrays.hashCode(values)) + Arrays.deepHashCode(vectors)) + Double.hashCode(trace);
    }

    @Override
    public String toString() {
        return "EigenPairs[D=" + dim + ", m=" + count() + ", values=" + Arrays.toString(values) + ", trace=" + trace + "]";
    }

    private static double[] canonical(double[] u, int k) {
        double norm = Vec.norm(u);
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new IllegalArgumentException("eigenvector " + k + " has norm " + norm + "; need a finite nonzero vector");
        }
        int big = 0;
        for (int i = 1; i < u.length; i++) {
            if (Math.abs(u[i]) > Math.abs(u[big])) {
                big = i;
            }
        }
        double s = (u[big] < 0 ? -1 : 1) / norm;
        double[] out = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            out[i] = s * u[i];
        }
        return out;
    }
}
