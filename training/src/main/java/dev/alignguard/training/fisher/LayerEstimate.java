package dev.alignguard.training.fisher;

import dev.alignguard.math.projection.Projector;

/**
 * One layer's Fisher estimate before cross-layer normalisation: what every estimator computes per
 * layer, and what {@link FisherEstimators#finish} turns into {@link LayerSubspace}s.
 *
 * <pre>
 *   basis       : m x D        row k = u_k (orthonormal), D = dOut * dIn, row-major vec
 *   eigenvalues : m            raw Fisher eigenvalues (or diagonal entries), descending, all > 0
 *   trace       : trace of the layer's estimated Fisher (all D eigenvalues), raw
 * </pre>
 *
 * @param converged false only when an iterative solver (Lanczos) stopped at its step limit
 *                  before every kept pair met its residual tolerance
 */
public record LayerEstimate(String layer, int dOut, int dIn, Projector projector, double[][] basis,
                            double[] eigenvalues, double trace, boolean converged) {

    public LayerEstimate {
        if (basis.length != eigenvalues.length) {
            throw new IllegalArgumentException(layer + ": " + basis.length + " basis vectors but "
                + eigenvalues.length + " eigenvalues");
        }
        if (projector.dim() != dOut * dIn || projector.rank() != basis.length) {
            throw new IllegalArgumentException(layer + ": projector of dimension " + projector.dim() + " and rank "
                + projector.rank() + " for a " + dOut + " x " + dIn + " layer with " + basis.length + " directions");
        }
    }

    public int rank() {
        return basis.length;
    }

    /** The largest kept eigenvalue, 0 when nothing is kept. */
    public double top() {
        return eigenvalues.length == 0 ? 0 : eigenvalues[0];
    }

    /** sum(kept) / trace: the fraction of the layer's Fisher energy the kept directions hold (NaN when the trace is 0). */
    public double capturedEnergy() {
        if (!(trace > 0)) {
            return Double.NaN;
        }
        double s = 0;
        for (double v : eigenvalues) {
            s += v;
        }
        return s / trace;
    }
}
