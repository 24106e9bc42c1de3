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
     *
     * <p>One op with the bits of its composition ({@link #riemannianOverlapReference}): every float
     * operation of the nine ops, in their order, in three plain loops forward and one backward
     * instead of nine buffers and about fourteen passes each way, and two square roots per entry
     * instead of four (the backward's slopes are computed in the forward from the same roots and
     * kept). The sigmoid runs through the graph's kernel over the whole update, as the composition
     * calls it; the gradients get the product's terms, then the sum's, as the composition adds them.
     */
    public static Tensor riemannianOverlap(Graph g, Tensor dwA, Tensor dwT, double beta, double tau, float smoothing) {
        requireSmoothing(smoothing);
        requireSmoothing(smoothing * smoothing);
        if (dwA.rows() != dwT.rows() || dwA.cols() != dwT.cols()) {
            throw new IllegalArgumentException("riemannianOverlap: dW_A is " + dwA.shape() + " but dW_T is " + dwT.shape());
        }
        Tensor out = g.output(1, 1, dwA, dwT);
        float[] a = dwA.data(), t = dwT.data();                    // rows x cols each
        int n = a.length;
        float shift = (float) -tau, weight = (float) beta, productWidth = smoothing * smoothing;
        double e = smoothing, e2 = e * e, ep = productWidth, ep2 = ep * ep;
        // Kept for the backward: sigmoid(|dW| - tau), |dW_A dW_T|, and the two smooth |.|'s slopes
        // (the composition's backward factors, computed here from the same square roots).
        float[] sig = g.scratch(n), overlap = g.scratch(n), slopeSum = g.scratch(n), slopeProduct = g.scratch(n);
        float[] shifted = overlap;                                 // |dW| - tau until the sigmoid has read it
        for (int i = 0; i < n; i++) {
            float dw = a[i] + t[i];
            double root = Math.sqrt((double) dw * dw + e2);
            shifted[i] = (float) (root - e) + shift;
            slopeSum[i] = (float) (dw / root);
        }
        g.kernels().sigmoid(n, shifted, 0, sig, 0);
        for (int i = 0; i < n; i++) {
            float p = a[i] * t[i];
            double root = Math.sqrt((double) p * p + ep2);
            overlap[i] = (float) (root - ep);
            slopeProduct[i] = (float) (p / root);
        }
        double value = 0;
        for (int i = 0; i < n; i++) {
            value += (double) (weight * sig[i] + 1f) * overlap[i];
        }
        out.data()[0] = (float) value;
        g.onBackward(out, () -> {
            float d = out.grad()[0];
            // an input that does not train gets its terms in a throw-away buffer: one loop without branches
            float[] ga = dwA.requiresGrad() ? dwA.grad() : g.scratch(n), gt = dwT.requiresGrad() ? dwT.grad() : g.scratch(n);
            for (int i = 0; i < n; i++) {
                float ai = a[i], ti = t[i], s = sig[i];
                float dEta = 0f + d * overlap[i];                  // each op's gradient buffer starts at +0
                float dOverlap = 0f + d * (weight * s + 1f);
                float dProduct = 0f + dOverlap * slopeProduct[i];
                float dSigmoid = 0f + weight * dEta;
                float dShifted = 0f + dSigmoid * s * (1f - s);
                float dSum = 0f + dShifted * slopeSum[i];
                ga[i] = ga[i] + dProduct * ti + dSum;              // the product's term, then the sum's
                gt[i] = gt[i] + dProduct * ai + dSum;
            }
        });
        return out;
    }

    /** {@link #riemannianOverlap}'s reference twin: the composition of the nine autodiff ops. */
    public static Tensor riemannianOverlapReference(Graph g, Tensor dwA, Tensor dwT, double beta, double tau,
                                                    float smoothing) {
        Tensor dw = MatrixOps.add(g, dwA, dwT);
        Tensor eta = MatrixOps.addConstant(g,
            MatrixOps.scale(g, NeuralOps.sigmoid(g, MatrixOps.addConstant(g, NeuralOps.smoothAbs(g, dw, smoothing), (float) -tau)),
                (float) beta),
            1f);
        Tensor overlap = NeuralOps.smoothAbs(g, MatrixOps.mul(g, dwA, dwT), smoothing * smoothing);
        return MatrixOps.frobeniusDot(g, eta, overlap);
    }

    private static void requireSmoothing(float smoothing) {
        if (!(smoothing > 0)) {
            throw new IllegalArgumentException("smoothAbs needs eps > 0, got " + smoothing);
        }
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
        return subspaceGeodesic(g, dwA, dwT, MatrixOps.matmul(g, dwA, true, dwT, false), eps);
    }

    /**
     * {@link #subspaceGeodesic(Graph, Tensor, Tensor, float)} with {@code cross = dW_A^T dW_T}
     * (dIn x dIn, {@code MatrixOps.matmul(g, dwA, true, dwT, false)}) made by the caller, who reads it
     * again (AlignGuard's overlap diagnostic) instead of multiplying a second time.
     */
    public static Tensor subspaceGeodesic(Graph g, Tensor dwA, Tensor dwT, Tensor cross, float eps) {
        if (cross.rows() != dwA.cols() || cross.cols() != dwT.cols()) {
            throw new IllegalArgumentException("subspaceGeodesic: cross is " + cross.shape() + ", expected dW_A^T dW_T ("
                + dwA.cols() + " x " + dwT.cols() + ")");
        }
        Tensor numerator = MatrixOps.sumOfSquares(g, cross);
        Tensor denominator = MatrixOps.addConstant(g,
            MatrixOps.mul(g, MatrixOps.sumOfSquares(g, dwA), MatrixOps.sumOfSquares(g, dwT)), eps);
        return MatrixOps.divideScalars(g, numerator, denominator);
    }
}
