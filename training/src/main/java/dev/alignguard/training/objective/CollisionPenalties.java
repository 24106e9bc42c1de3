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
     * operation of the nine ops, in their order, one pass forward and one backward instead of nine
     * buffers and about fourteen passes each way. The forward keeps only {@code sigmoid(|dW| - tau)}
     * (through the graph's {@code sigmoid} kernel over the whole update, as the composition calls it);
     * the backward recomputes the rest from dW_A and dW_T and adds into their gradients in the
     * composition's order (the product's terms, then the sum's).
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
        float[] shifted = g.scratch(n), sig = g.scratch(n);      // |dW| - tau; its sigmoid, kept for the backward
        for (int i = 0; i < n; i++) {
            float dw = a[i] + t[i];
            shifted[i] = (float) (Math.sqrt((double) dw * dw + e2) - e) + shift;
        }
        g.kernels().sigmoid(n, shifted, 0, sig, 0);
        double value = 0;
        for (int i = 0; i < n; i++) {
            float eta = weight * sig[i] + 1f;
            float p = a[i] * t[i];
            float overlap = (float) (Math.sqrt((double) p * p + ep2) - ep);
            value += (double) eta * overlap;
        }
        out.data()[0] = (float) value;
        g.onBackward(out, () -> {
            float d = out.grad()[0];
            boolean trainsA = dwA.requiresGrad(), trainsT = dwT.requiresGrad();
            float[] ga = trainsA ? dwA.grad() : null, gt = trainsT ? dwT.grad() : null;
            for (int i = 0; i < n; i++) {
                float ai = a[i], ti = t[i], s = sig[i];
                float eta = weight * s + 1f;
                float p = ai * ti;
                float overlap = (float) (Math.sqrt((double) p * p + ep2) - ep);
                float dEta = 0f + d * overlap;                     // each op's gradient starts at +0
                float dOverlap = 0f + d * eta;
                float dProduct = 0f + dOverlap * (float) (p / Math.sqrt((double) p * p + ep2));
                if (trainsA) {
                    ga[i] += dProduct * ti;
                }
                if (trainsT) {
                    gt[i] += dProduct * ai;
                }
                float dSigmoid = 0f + weight * dEta;
                float dShifted = 0f + dSigmoid * s * (1f - s);
                float dw = ai + ti;
                float dSum = 0f + dShifted * (float) (dw / Math.sqrt((double) dw * dw + e2));
                if (trainsA) {
                    ga[i] += dSum;
                }
                if (trainsT) {
                    gt[i] += dSum;
                }
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
