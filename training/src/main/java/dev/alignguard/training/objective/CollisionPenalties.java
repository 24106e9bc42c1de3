package dev.alignguard.training.objective;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;

/**
 * The collision terms that keep the alignment and task components of an update apart
 * (DESIGN.md section 1), composed from differentiable ops so their gradients come from the autodiff.
 */
public final class CollisionPenalties {

    private CollisionPenalties() {
    }

    /**
     * Riemannian overlap {@code E_RM = sum_ij eta_ij |(dW_A)_ij (dW_T)_ij|} with
     * {@code eta_ij = 1 + beta * sigmoid(|dW_ij| - tau)}: entry-wise overlap, weighted up where the
     * update is large. |.| is smoothed ({@link NeuralOps#smoothAbs}) so the gradient exists at 0: with
     * width {@code smoothing} on |dW|, and {@code smoothing^2} on the product, which is second order.
     */
    public static Tensor riemannianOverlap(Graph g, Tensor dwA, Tensor dwT, double beta, double tau, float smoothing) {
        Tensor dw = MatrixOps.add(g, dwA, dwT);
        Tensor eta = MatrixOps.addConstant(g,
            MatrixOps.scale(g, NeuralOps.sigmoid(g, MatrixOps.addConstant(g, NeuralOps.smoothAbs(g, dw, smoothing), (float) -tau)),
                (float) beta),
            1f);
        Tensor overlap = NeuralOps.smoothAbs(g, MatrixOps.mul(g, dwA, dwT), smoothing * smoothing);
        return MatrixOps.frobeniusDot(g, eta, overlap);
    }

    /**
     * Literal geodesic term {@code cos^2(dW_A, dW_T) = <dW_A, dW_T>_F^2 / (||dW_A||^2 ||dW_T||^2 + eps)}.
     * For an exact orthogonal projector {@code <P x, (I - P) x> = 0} for every x, so this term and its
     * gradient vanish identically (to rounding); it is kept for fidelity to the paper and only acts
     * under soft projection. The property suite proves both facts.
     */
    public static Tensor literalGeodesic(Graph g, Tensor dwA, Tensor dwT, float eps) {
        Tensor inner = MatrixOps.frobeniusDot(g, dwA, dwT);
        Tensor numerator = MatrixOps.mul(g, inner, inner);
        Tensor denominator = MatrixOps.addConstant(g,
            MatrixOps.mul(g, MatrixOps.sumOfSquares(g, dwA), MatrixOps.sumOfSquares(g, dwT)), eps);
        return MatrixOps.divideScalars(g, numerator, denominator);
    }

    /**
     * Subspace geodesic term {@code ||dW_A^T dW_T||_F^2 / (||dW_A||_F^2 ||dW_T||_F^2 + eps)}: the overlap
     * of the two components' column spaces (output directions), a singular-value-weighted sum of squared
     * cosines of principal angles. Zero exactly when the components write to orthogonal output directions.
     */
    public static Tensor subspaceGeodesic(Graph g, Tensor dwA, Tensor dwT, float eps) {
        Tensor cross = MatrixOps.matmul(g, dwA, true, dwT, false);      // dIn x dIn
        Tensor numerator = MatrixOps.sumOfSquares(g, cross);
        Tensor denominator = MatrixOps.addConstant(g,
            MatrixOps.mul(g, MatrixOps.sumOfSquares(g, dwA), MatrixOps.sumOfSquares(g, dwT)), eps);
        return MatrixOps.divideScalars(g, numerator, denominator);
    }
}
