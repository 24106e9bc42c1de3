package dev.alignguard.math.projection;

import dev.alignguard.math.linalg.Vec;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * The diagonal-Fisher (EWC-style) projector: with F ~ diag(f), the eigenvectors are the coordinate
 * axes, so "the top-m subspace" is a set of kept coordinates and P zeroes every other entry.
 *
 * <pre>
 *   keep : boolean[D]
 *   apply: out_k = keep_k ? x_k : 0       O(D), exact (no rounding at all)
 * </pre>
 * Ties in the diagonal are broken by coordinate index ascending.
 */
public final class MaskProjector implements Projector {

    private final boolean[] keep;           // D
    private final int[] coordinates;        // m, in selection order (descending diagonal, or as given)
    private final double[] values;          // m, the diagonal at those coordinates, or NaN
    private final double captured;

    private MaskProjector(boolean[] keep, int[] coordinates, double[] values, double captured) {
        this.keep = keep;
        this.coordinates = coordinates;
        this.values = values;
        this.captured = captured;
    }

    /** Keeps exactly the given distinct coordinates of R^dim; no spectrum. */
    public static MaskProjector of(int dim, int... coordinates) {
        if (dim < 1) {
            throw new IllegalArgumentException("dimension must be >= 1, got " + dim);
        }
        boolean[] keep = new boolean[dim];
        for (int c : coordinates) {
            if (c < 0 || c >= dim) {
                throw new IllegalArgumentException("coordinate " + c + " out of range [0, " + dim + ")");
            }
            if (keep[c]) {
                throw new IllegalArgumentException("coordinate " + c + " given twice");
            }
            keep[c] = true;
        }
        double[] nan = new double[coordinates.length];
        Arrays.fill(nan, Double.NaN);
        return new MaskProjector(keep, coordinates.clone(), nan, Double.NaN);
    }

    /**
     * Keeps the coordinates with the largest diagonal Fisher entries, as many as {@code rule}
     * selects (trace = sum of the diagonal). The diagonal must be finite and nonnegative.
     */
    public static MaskProjector fromDiagonal(double[] diagonal, SelectionRule rule) {
        if (diagonal == null || rule == null) {
            throw new IllegalArgumentException("diagonal and selection rule must not be null");
        }
        if (diagonal.length < 1) {
            throw new IllegalArgumentException("diagonal must have length >= 1");
        }
        Vec.requireFinite(diagonal, "diagonal");
        double trace = 0;
        for (int k = 0; k < diagonal.length; k++) {
            if (diagonal[k] < 0) {
                throw new IllegalArgumentException("diagonal Fisher must be nonnegative, diagonal[" + k + "] = " + diagonal[k]);
            }
            trace += diagonal[k];
        }
        int[] order = IntStream.range(0, diagonal.length).boxed()
            .sorted(Comparator.comparingDouble((Integer k) -> -diagonal[k]).thenComparingInt(k -> k))
            .mapToInt(Integer::intValue).toArray();
        double[] sorted = new double[order.length];
        for (int k = 0; k < order.length; k++) {
            sorted[k] = diagonal[order[k]];
        }
        int m = rule.select(sorted, trace);
        boolean[] keep = new boolean[diagonal.length];
        double sum = 0;
        for (int k = 0; k < m; k++) {
            keep[order[k]] = true;
            sum += sorted[k];
        }
        double captured = trace == 0 ? Double.NaN : sum / trace;
        return new MaskProjector(keep, Arrays.copyOf(order, m), Arrays.copyOf(sorted, m), captured);
    }

    @Override
    public int dim() {
        return keep.length;
    }

    @Override
    public int rank() {
        return coordinates.length;
    }

    @Override
    public ProjectorKind kind() {
        return ProjectorKind.MASK;
    }

    /** The kept coordinates, in selection order (descending diagonal for {@link #fromDiagonal}). */
    public int[] keptCoordinates() {
        return coordinates.clone();
    }

    /** Whether coordinate k is kept. */
    public boolean keeps(int k) {
        return keep[k];
    }

    @Override
    public void apply(double[] x, double[] out) {
        Projector.requireLengths(keep.length, x, out);
        for (int k = 0; k < keep.length; k++) {
            out[k] = keep[k] ? x[k] : 0;
        }
    }

    @Override
    public double capturedTraceFraction() {
        return captured;
    }

    @Override
    public double[] keptEigenvalues() {
        return values.clone();
    }

    @Override
    public String toString() {
        return "MaskProjector[D=" + keep.length + ", rank=" + rank() + ", captured=" + captured + "]";
    }
}
