package dev.alignguard.training.fisher;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ResidentRows;
import dev.alignguard.math.kernels.ScalarKernels;

import dev.alignguard.math.projection.Projector;

/**
 * The alignment-critical subspace of one targeted layer, as the regularizers consume it.
 * <pre>
 *   layer weight W: dOut x dIn,  D = dOut * dIn,  vec = row-major flattening
 *   basis      : m x D   (row k = u_k, orthonormal; for K-FAC u_k = vec(q_i p_j^T); for a mask, e_i)
 *   eigenvalues: m       (normalised Fisher eigenvalues lambda_k, descending; the penalty weights)
 *   confidences: m       (c_k in (0, 1]: 1 for an exact projector, < 1 under soft projection)
 * </pre>
 * {@code dW_A = sum_k c_k <u_k, vec dW> u_k} (= P vec dW when exact), {@code dW_T = dW - dW_A}, and
 * the alignment penalty is {@code sum_k lambda_k <u_k, vec dW>^2 = ||F^{1/2} dW_A||^2} restricted to
 * the kept directions.
 *
 * @param rawScale           the factor the raw eigenvalues were divided by (normalisation), so
 *                           {@code raw lambda_k = eigenvalues[k] * rawScale}
 * @param capturedEnergy     fraction of the layer Fisher's trace the kept eigenvalues capture (NaN if unknown)
 */
public record LayerSubspace(String layer, int dOut, int dIn, Projector projector, double[][] basis,
                            double[] eigenvalues, double[] confidences, double rawScale, double capturedEnergy) {

    public LayerSubspace {
        int m = basis.length;
        if (eigenvalues.length != m || confidences.length != m) {
            throw new IllegalArgumentException(layer + ": " + m + " basis vectors but " + eigenvalues.length
                + " eigenvalues and " + confidences.length + " confidences");
        }
        for (double[] u : basis) {
            if (u.length != dOut * dIn) {
                throw new IllegalArgumentException(layer + ": basis vector of length " + u.length + ", expected "
                    + dOut + " x " + dIn);
            }
        }
    }

    public int rank() {
        return basis.length;
    }

    public int dim() {
        return dOut * dIn;
    }

    /** Whether dW_A is an exact orthogonal projection (all confidences 1). */
    public boolean exact() {
        for (double c : confidences) {
            if (c != 1.0) {
                return false;
            }
        }
        return true;
    }

    /** {@code <u_k, x>} for every kept direction. */
    public double[] coordinates(double[] x) {
        return coordinates(ScalarKernels.INSTANCE, x);
    }

    /** {@link #coordinates(double[])} on {@code kernels} ({@link Kernels#dots}). */
    public double[] coordinates(Kernels kernels, double[] x) {
        double[] c = new double[basis.length];
        kernels.dots(basis, x, c);
        return c;
    }

    /**
     * {@link #coordinates(Kernels, double[])} against this subspace's basis made resident on
     * {@code kernels} (see {@link ResidentBases}): the same bits, without a device upload per call.
     */
    public double[] coordinates(Kernels kernels, ResidentRows resident, double[] x) {
        requireOwn(resident);
        double[] c = new double[basis.length];
        kernels.dots(resident, x, c);
        return c;
    }

    /** {@link #combine(Kernels, double[])} over this subspace's resident basis: the same bits. */
    public double[] combine(Kernels kernels, ResidentRows resident, double[] weights) {
        requireOwn(resident);
        double[] out = new double[dim()];
        kernels.addCombination(resident, weights, out);
        return out;
    }

    private void requireOwn(ResidentRows resident) {
        if (!resident.holds(basis)) {
            throw new IllegalArgumentException(layer + ": the resident rows are not this subspace's basis");
        }
    }

    /** {@code sum_k w_k u_k}. */
    public double[] combine(double[] weights) {
        return combine(ScalarKernels.INSTANCE, weights);
    }

    /** {@link #combine(double[])} on {@code kernels} ({@link Kernels#addCombination}: the same bits on every backend). */
    public double[] combine(Kernels kernels, double[] weights) {
        double[] out = new double[dim()];
        kernels.addCombination(basis, weights, out);
        return out;
    }

    /** {@code vec dW_A}: the exact projector when exact, else {@code sum_k c_k <u_k, x> u_k}. */
    public double[] alignmentPart(double[] x) {
        return alignmentPart(ScalarKernels.INSTANCE, x);
    }

    /** {@link #alignmentPart(double[])} with the basis products on {@code kernels} (the exact projector is its own). */
    public double[] alignmentPart(Kernels kernels, double[] x) {
        if (exact() && projector != null) {
            return projector.apply(x);
        }
        double[] c = coordinates(kernels, x);
        for (int k = 0; k < c.length; k++) {
            c[k] *= confidences[k];
        }
        return combine(kernels, c);
    }

    /** A copy with soft-projection confidences. */
    public LayerSubspace withConfidences(double[] newConfidences) {
        return new LayerSubspace(layer, dOut, dIn, projector, basis, eigenvalues, newConfidences, rawScale, capturedEnergy);
    }

    /** A copy with another basis of the same rank (the random-subspace control keeps the eigenvalues). */
    public LayerSubspace withBasis(Projector newProjector, double[][] newBasis) {
        return new LayerSubspace(layer, dOut, dIn, newProjector, newBasis, eigenvalues, confidences, rawScale, capturedEnergy);
    }
}
