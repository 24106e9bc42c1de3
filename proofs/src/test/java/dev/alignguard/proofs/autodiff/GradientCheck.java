package dev.alignguard.proofs.autodiff;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.proofs.harness.Bounds;

/**
 * Finite differences against the autodiff, in float.
 *
 * <p>The derivative is estimated by Richardson extrapolation of two central differences,
 * {@code fd = (4 D(h/2) - D(h)) / 3} with {@code D(h) = (L(x+h) - L(x-h)) / 2h}, which cancels the
 * O(h^2) truncation term and leaves O(h^4) ~ 1e-8 |L^(5)| at h = 1e-2 (a plain central difference at
 * this h was too coarse where the loss curves quickly, e.g. RMSNorm of a row near 0).
 *
 * <p>Why the tolerance is what it is. For a loss L computed in float with unit roundoff
 * u = 2^-24, each evaluation carries an absolute error of about e = c u S, where S is the
 * magnitude of the terms summed into L (we use S = |L| + 1 with the losses below, whose terms are
 * O(1)) and c the depth of the computation (a few hundred operations at most here). The
 * extrapolated difference then has rounding error below (4/3 * 2e/h + 1/3 * e/h) = 3e/h, so
 * <pre>  |fd - g| <= 3 e / h + O(h^4).</pre>
 * With h = 1e-2, c = 256: 3e/h = 3 * 256 * 6e-8 * S / 1e-2 ~ 4.6e-3 S. So we require, over the
 * sampled coordinates,
 * <pre>  ||g_autodiff - g_fd||_2 <= 1e-2 ||g_fd||_2 + sqrt(k) * 5e-3 * S,</pre>
 * which a wrong backward (a missing term, a transposed product, a sign) fails by orders of
 * magnitude, while float rounding alone stays inside it.
 */
final class GradientCheck {

    static final float H = 1e-2f;
    static final double RELATIVE = 1e-2;
    static final double ABSOLUTE_PER_COORDINATE = 5e-3;

    private GradientCheck() {
    }

    /** Evaluates {@code loss} (built on the given graph) and returns its value. */
    static float value(Function<Graph, Tensor> loss, Kernels kernels) {
        return loss.apply(Graph.inference(kernels)).item();
    }

    /**
     * Checks d loss / d input for up to {@code samples} random coordinates of each input.
     * @return a description of the worst mismatch, or null when all inputs pass
     */
    static String check(Function<Graph, Tensor> loss, List<Tensor> inputs, int samples, long seed) {
        return check(loss, inputs, samples, seed, ScalarKernels.INSTANCE);
    }

    static String check(Function<Graph, Tensor> loss, List<Tensor> inputs, int samples, long seed, Kernels kernels) {
        for (Tensor t : inputs) {
            t.zeroGrad();
        }
        Graph g = Graph.training(kernels);
        Tensor l = loss.apply(g);
        g.backward(l);
        double scale = Math.abs(l.item()) + 1;
        Random rnd = new Random(seed);
        for (Tensor t : inputs) {
            float[] x = t.data();
            float[] analytic = t.grad().clone();
            List<Integer> coords = new ArrayList<>();
            if (x.length <= samples) {
                for (int i = 0; i < x.length; i++) {
                    coords.add(i);
                }
            } else {
                for (int i = 0; i < samples; i++) {
                    coords.add(rnd.nextInt(x.length));
                }
            }
            double diff2 = 0, fd2 = 0;
            int worst = -1;
            double worstDiff = -1, worstFd = 0;
            for (int i : coords) {
                double fd = (4 * central(loss, kernels, x, i, H / 2) - central(loss, kernels, x, i, H)) / 3;
                double d = analytic[i] - fd;
                diff2 += d * d;
                fd2 += fd * fd;
                if (Math.abs(d) > worstDiff) {
                    worstDiff = Math.abs(d);
                    worst = i;
                    worstFd = fd;
                }
            }
            double bound = RELATIVE * Math.sqrt(fd2) + Math.sqrt(coords.size()) * ABSOLUTE_PER_COORDINATE * scale;
            Bounds.observe(Math.sqrt(diff2), bound);
            if (Math.sqrt(diff2) > bound) {
                return String.format("input %s: ||g - fd|| = %.3e exceeds %.3e; worst coordinate %d: autodiff %.6e vs fd %.6e",
                    t, Math.sqrt(diff2), bound, worst, analytic[worst], worstFd);
            }
        }
        return null;
    }

    /** {@code (L(x + h e_i) - L(x - h e_i)) / 2h}, restoring x[i]. */
    private static double central(Function<Graph, Tensor> loss, Kernels kernels, float[] x, int i, float h) {
        float old = x[i];
        x[i] = old + h;
        float plus = value(loss, kernels);
        x[i] = old - h;
        float minus = value(loss, kernels);
        x[i] = old;
        return ((double) plus - minus) / (2.0 * h);
    }

    static Tensor randomParameter(String name, int rows, int cols, Random rnd, double std) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return Tensor.parameter(name, rows, cols, v);
    }
}
