package dev.alignguard.math.projection;

import dev.alignguard.math.linalg.Columns;
import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.linalg.Vec;
import java.util.Arrays;

/**
 * P = U U^T for an orthonormal basis U (D x m) of the kept subspace, applied as U (U^T x) in
 * O(m D) time and never as a D x D matrix. The projector of the exact (Gram) and Lanczos Fisher
 * estimators.
 *
 * <pre>
 *   u : double[m][D]   u[k] = column k of U, orthonormal
 *   apply: c = U^T x (m dot products), out = U c
 * </pre>
 * Orthonormality is checked on construction ({@code max |U^T U - I| <= tolerance}, default
 * {@value #DEFAULT_ORTHONORMALITY_TOLERANCE}): a non-orthonormal U would give a non-idempotent,
 * non-symmetric "projector" silently. Use {@link #orthonormalising} for an arbitrary spanning set.
 */
public final class BasisProjector implements Projector {

    /**
     * Accepted {@code max |U^T U - I|}. Bases from EJML (Householder QR, symmetric QR) and from
     * the Gram lift are orthonormal to about D * 2^-53 (2e-10 at D = 10^6); 1e-8 leaves margin
     * above that and is still far too small to matter for any penalty.
     */
    public static final double DEFAULT_ORTHONORMALITY_TOLERANCE = 1e-8;

    private final int dim;
    private final double[][] u;             // m x D
    private final double[] eigenvalues;     // m, descending, or NaN when unknown
    private final double captured;

    private BasisProjector(int dim, double[][] u, double[] eigenvalues, double captured) {
        this.dim = dim;
        this.u = u;
        this.eigenvalues = eigenvalues;
        this.captured = captured;
    }

    /** P = U U^T for orthonormal columns (copied), with the default tolerance; no spectrum. */
    public static BasisProjector of(int dim, double[][] columns) {
        return of(dim, columns, DEFAULT_ORTHONORMALITY_TOLERANCE);
    }

    /** P = U U^T for orthonormal columns (copied), {@code max |U^T U - I| <= tolerance}; no spectrum. */
    public static BasisProjector of(int dim, double[][] columns, double tolerance) {
        return new BasisProjector(dim, Columns.copy(checkedOrthonormal(dim, columns, tolerance)), nans(columns.length), Double.NaN);
    }

    /**
     * P = U U^T for orthonormal columns that the projector <em>adopts</em> instead of copying (checked
     * as {@link #of}): for a caller that keeps the same vectors elsewhere ({@code LayerSubspace}'s basis)
     * and would otherwise hold m x D doubles twice. Neither side may write the columns afterwards.
     */
    public static BasisProjector adopting(int dim, double[][] columns) {
        return new BasisProjector(dim, checkedOrthonormal(dim, columns, DEFAULT_ORTHONORMALITY_TOLERANCE), nans(columns.length),
            Double.NaN);
    }

    private static double[] nans(int m) {
        double[] nan = new double[m];
        Arrays.fill(nan, Double.NaN);
        return nan;
    }

    private static double[][] checkedOrthonormal(int dim, double[][] columns, double tolerance) {
        Columns.requireShape(dim, columns, "basis");
        if (columns.length > dim) {
            throw new IllegalArgumentException(columns.length + " basis vectors cannot be orthonormal in R^" + dim);
        }
        for (int k = 0; k < columns.length; k++) {
            Vec.requireFinite(columns[k], "basis[" + k + "]");
        }
        double dev = Orthonormalize.deviation(columns);
        if (!(dev <= tolerance)) {
            throw new IllegalArgumentException("basis is not orthonormal: max |U^T U - I| = " + dev + " > " + tolerance
                + " (use BasisProjector.orthonormalising for an arbitrary spanning set)");
        }
        return columns;
    }

    /** The projector onto span(columns), after orthonormalising them by thin QR (m <= D, full column rank expected). */
    public static BasisProjector orthonormalising(int dim, double[][] columns) {
        return of(dim, Orthonormalize.columns(dim, columns));
    }

    /**
     * The projector onto the leading eigenvectors chosen by {@code rule}. The eigenvalues are kept
     * and {@link #capturedTraceFraction()} is their sum over {@code pairs.trace()} (NaN if unknown).
     */
    public static BasisProjector fromEigenPairs(EigenPairs pairs, SelectionRule rule) {
        if (pairs == null || rule == null) {
            throw new IllegalArgumentException("eigenpairs and selection rule must not be null");
        }
        double[] values = pairs.values();
        int m = rule.select(values, pairs.trace());
        EigenPairs kept = pairs.top(m);
        double[][] u = kept.vectors();
        double dev = Orthonormalize.deviation(u);
        if (!(dev <= DEFAULT_ORTHONORMALITY_TOLERANCE)) {
            throw new IllegalArgumentException("eigenvectors are not orthonormal: max |U^T U - I| = " + dev);
        }
        return new BasisProjector(pairs.dim(), u, kept.values(), kept.capturedTraceFraction());
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int rank() {
        return u.length;
    }

    @Override
    public ProjectorKind kind() {
        return ProjectorKind.BASIS;
    }

    @Override
    public void apply(double[] x, double[] out) {
        Projector.requireLengths(dim, x, out);
        double[] c = new double[u.length];      // U^T x, all of x read before out is written
        Vec.dots(u, x, c);
        Arrays.fill(out, 0);
        Vec.addCombination(u, c, out);
    }

    /** The coordinates U^T x of x in the basis (length m). */
    public double[] coordinates(double[] x) {
        if (x.length != dim) {
            throw new IllegalArgumentException("x has length " + x.length + ", projector dimension is " + dim);
        }
        double[] c = new double[u.length];
        Vec.dots(u, x, c);
        return c;
    }

    /** A copy of the basis, {@code double[m][D]}. */
    public double[][] basis() {
        return Columns.copy(u);
    }

    /**
     * The basis itself, {@code double[m][D]}, not a copy: for a holder that keeps it beside this
     * projector (one copy instead of two). The caller must never write it.
     */
    public double[][] sharedBasis() {
        return u;
    }

    @Override
    public double capturedTraceFraction() {
        return captured;
    }

    @Override
    public double[] keptEigenvalues() {
        return eigenvalues.clone();
    }

    @Override
    public String toString() {
        return "BasisProjector[D=" + dim + ", rank=" + rank() + ", captured=" + captured + "]";
    }
}
