package dev.alignguard.training.objective;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;

/**
 * A PSD quadratic form {@code x^T H x = ||H^{1/2} x||^2} on a layer's update, for a choice of H.
 * AlignGuard's task-stability term applies it to dW_T; the L2 and EWC baselines apply it to dW.
 * The choices of H:
 * identity (plain L2 on the task component), a diagonal task Fisher, or a K-FAC task Fisher
 * {@code H ~ A (x) S}, for which {@code vec(dW)^T (A (x) S) vec(dW) = <dW, S dW A>_F}.
 */
public sealed interface Curvature {

    Tensor penalty(Graph g, Tensor dwT);

    String kind();

    /** H = I. */
    record Identity() implements Curvature {
        @Override
        public Tensor penalty(Graph g, Tensor dwT) {
            return MatrixOps.sumOfSquares(g, dwT);
        }

        @Override
        public String kind() {
            return "identity";
        }
    }

    /** H = diag(h), h the (normalised) diagonal of the task Fisher, vec row-major like dW. */
    record Diagonal(float[] h) implements Curvature {
        @Override
        public Tensor penalty(Graph g, Tensor dwT) {
            return MatrixOps.weightedSumOfSquares(g, dwT, h);
        }

        @Override
        public String kind() {
            return "diagonal";
        }
    }

    /**
     * K-FAC: S (dOut x dOut, output-gradient second moment) and A (dIn x dIn, input second moment),
     * both symmetric PSD: the penalty is {@code <dW_T, S dW_T A>_F}.
     */
    record Kfac(Tensor s, Tensor a) implements Curvature {
        @Override
        public Tensor penalty(Graph g, Tensor dwT) {
            Tensor sdw = MatrixOps.matmul(g, s, false, dwT, false);     // dOut x dIn
            Tensor sdwa = MatrixOps.matmul(g, sdw, false, a, false);    // dOut x dIn
            return MatrixOps.frobeniusDot(g, dwT, sdwa);
        }

        @Override
        public String kind() {
            return "kfac";
        }
    }
}
