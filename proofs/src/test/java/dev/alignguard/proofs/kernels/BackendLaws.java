package dev.alignguard.proofs.kernels;

import java.util.Arrays;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The agreement laws every fast kernel backend obeys against {@link ScalarKernels}, stated once and
 * run per backend: a test class implements this interface, says which backend ({@link #fast()})
 * and what its elementary functions guarantee ({@link #model()}), and inherits every property.
 *
 * <p>Tolerances are not chosen to pass: each is the forward error bound of float rounding for the
 * operation, derived in {@link FloatBounds} and computed per element from the actual operands, with
 * the backend's {@link ErrorModel} where {@code exp} and division enter. The exactly rounded
 * operations ({@code scale}, {@code add}, {@code mul}) must agree bit for bit.
 *
 * <p>Inputs: Gaussian floats (a fixed function of a drawn {@code seed}) with tiny values replaced by
 * 0 (see {@link FloatBounds} on underflow); shapes drawn to mix awkward sizes (1, 3, 7, 17, 33,
 * 129, and past the Vector backend's 256-deep panel) with small random ones, independently, so most
 * matrices are not square; slices with offsets and leading dimensions larger than their width, and
 * sentinels around them that must come back untouched.
 *
 * <p><b>Replaying a failure.</b> jqwik prints a report for every property to the test output
 * ({@code jqwik.reporting.usejunitplatform=false} in {@code junit-platform.properties}): the
 * {@code seed} of the run and, on failure, the shrunk sample, whose {@code seed} parameter fixes
 * the data. The next run tries the failed sample first ({@code jqwik.failures.after.default=SAMPLE_FIRST},
 * database under {@code target/}). To pin a run, override the law in the backend's class,
 * <pre>
 *   &#64;Override
 *   &#64;Property(seed = "-8783951355857821795", tries = 60)
 *   public void gemmAgreesWithinRoundingBound(...same parameters...) {
 *       BackendLaws.super.gemmAgreesWithinRoundingBound(...);
 *   }
 * </pre>
 * or turn the printed sample into an example-based test. Note that surefire's
 * {@code -Dtest=Class#method} filter does not select these inherited properties; select the class.
 */
interface BackendLaws {

    /** The backend under test. */
    Kernels fast();

    /** What the backend's {@code exp} and division guarantee. */
    ErrorModel model();

    /** The oracle. */
    default Kernels reference() {
        return ScalarKernels.INSTANCE;
    }

    // ---------------------------------------------------------------- generators

    @Provide
    default Arbitrary<Integer> dims() {
        return Arbitraries.oneOf(Arbitraries.of(1, 3, 7, 16, 17, 33, 129), Arbitraries.integers().between(1, 40));
    }

    @Provide
    default Arbitrary<Integer> depths() {
        return Arbitraries.oneOf(Arbitraries.of(1, 3, 7, 17, 33, 129, 257, 300), Arbitraries.integers().between(1, 64));
    }

    @Provide
    default Arbitrary<Float> scalars() {
        // Nonzero scalars have magnitude >= 2^-3 (see FloatBounds on underflow).
        return Arbitraries.oneOf(Arbitraries.of(0f, 1f, -1f, 0.5f, 2f),
            Arbitraries.integers().between(-24, 24).filter(i -> i != 0).map(i -> i / 8f));
    }

    @Provide
    default Arbitrary<Integer> pads() {
        return Arbitraries.integers().between(0, 5);
    }

    @Provide
    default Arbitrary<Integer> lengths() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 7, 15, 16, 17, 31, 33, 64, 1000, 4099),
            Arbitraries.integers().between(0, 200));
    }

    // ---------------------------------------------------------------- matrix product

    /**
     * {@code gemm} agrees with the reference within {@code 2 gamma(k+2) (|alpha| sum_p |A_ip B_pj| + |beta| |C_ij|)}
     * on every element of C, for both transposes, any alpha and beta, offset slices with padded
     * leading dimensions; and writes nothing outside C.
     */
    @Property(tries = 60)
    default void gemmAgreesWithinRoundingBound(
            @ForAll boolean transA, @ForAll boolean transB,
            @ForAll("dims") int m, @ForAll("dims") int n, @ForAll("depths") int k,
            @ForAll("scalars") float alpha, @ForAll("scalars") float beta,
            @ForAll("pads") int pad, @ForAll("pads") int off, @ForAll long seed) {
        checkGemm(transA, transB, m, n, k, alpha, beta, pad, off, seed, false);
    }

    /** With {@code beta == 0} C is not read: NaN in C does not reach the result. */
    @Property(tries = 25)
    default void gemmWithBetaZeroDoesNotReadC(
            @ForAll boolean transA, @ForAll boolean transB,
            @ForAll("dims") int m, @ForAll("dims") int n, @ForAll("depths") int k,
            @ForAll("scalars") float alpha, @ForAll("pads") int pad, @ForAll long seed) {
        checkGemm(transA, transB, m, n, k, alpha, 0f, pad, 1, seed, true);
    }

    private void checkGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                           int pad, int off, long seed, boolean nanInC) {
        Random rnd = new Random(seed);
        int aRows = transA ? k : m, aCols = transA ? m : k, lda = aCols + pad;
        int bRows = transB ? n : k, bCols = transB ? k : n, ldb = bCols + pad + 1;
        int ldc = n + pad;
        float[] a = data(rnd, off + aRows * lda + 3);
        float[] b = data(rnd, off + bRows * ldb + 3);
        float[] c0 = data(rnd, off + m * ldc + 3);
        if (nanInC) {
            for (int i = 0; i < m; i++) {
                Arrays.fill(c0, off + i * ldc, off + i * ldc + n, Float.NaN);
            }
        }
        float[] cFast = c0.clone();
        float[] cRef = c0.clone();
        fast().gemm(transA, transB, m, n, k, alpha, a, off, lda, b, off, ldb, beta, cFast, off, ldc);
        reference().gemm(transA, transB, m, n, k, alpha, a, off, lda, b, off, ldb, beta, cRef, off, ldc);
        String shape = "gemm transA=" + transA + " transB=" + transB + " m=" + m + " n=" + n + " k=" + k
            + " alpha=" + alpha + " beta=" + beta + " pad=" + pad + " off=" + off;
        for (int at = 0; at < c0.length; at++) {
            int rel = at - off;
            if (rel < 0 || rel / ldc >= m || rel % ldc >= n) {
                requireSame(c0[at], cFast[at], shape + ": wrote outside C at index " + at);
                continue;
            }
            int i = rel / ldc, j = rel % ldc;
            double absProducts = 0;
            for (int p = 0; p < k; p++) {
                double aip = transA ? a[off + p * lda + i] : a[off + i * lda + p];
                double bpj = transB ? b[off + j * ldb + p] : b[off + p * ldb + j];
                absProducts += Math.abs(aip * bpj);
            }
            double bound = FloatBounds.gemm(k, alpha, absProducts, beta, nanInC ? 0f : c0[at]);
            requireClose(cRef[at], cFast[at], bound, shape + " at (" + i + ", " + j + ")");
        }
    }

    // ---------------------------------------------------------------- vector operations

    /** {@code axpy} within {@code 2 gamma(2) (|alpha x_i| + |y_i|)} per element (fused or not). */
    @Property(tries = 30)
    default void axpyAgreesWithinRoundingBound(@ForAll("lengths") int n, @ForAll("scalars") float alpha,
                                               @ForAll("pads") int off, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = data(rnd, off + n + 2);
        float[] y0 = data(rnd, off + n + 2);
        float[] yFast = y0.clone(), yRef = y0.clone();
        fast().axpy(n, alpha, x, off, yFast, off);
        reference().axpy(n, alpha, x, off, yRef, off);
        for (int i = 0; i < y0.length; i++) {
            if (i < off || i >= off + n) {
                requireSame(y0[i], yFast[i], "axpy n=" + n + ": wrote outside y at " + i);
            } else {
                requireClose(yRef[i], yFast[i], FloatBounds.axpy(alpha, x[i], y0[i]), "axpy n=" + n + " at " + i);
            }
        }
    }

    /** {@code scale}, {@code add}, {@code mul}: one correctly rounded operation per element, so bit-identical, aliasing included. */
    @Property(tries = 30)
    default void elementwiseOpsAreBitIdentical(@ForAll("lengths") int n, @ForAll("scalars") float alpha,
                                               @ForAll("pads") int off, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = data(rnd, off + n + 2);
        float[] y = data(rnd, off + n + 2);

        float[] sFast = x.clone(), sRef = x.clone();
        fast().scale(n, alpha, sFast, off);
        reference().scale(n, alpha, sRef, off);
        requireSame(sRef, sFast, "scale n=" + n);

        for (int op = 0; op < 2; op++) {
            String name = op == 0 ? "add" : "mul";
            float[] outFast = data(rnd, n + 1), outRef = outFast.clone();
            float[] aliasFast = x.clone(), aliasRef = x.clone(); // out aliases x
            if (op == 0) {
                fast().add(n, x, off, y, off, outFast, 1);
                reference().add(n, x, off, y, off, outRef, 1);
                fast().add(n, aliasFast, off, y, off, aliasFast, off);
                reference().add(n, aliasRef, off, y, off, aliasRef, off);
            } else {
                fast().mul(n, x, off, y, off, outFast, 1);
                reference().mul(n, x, off, y, off, outRef, 1);
                fast().mul(n, aliasFast, off, y, off, aliasFast, off);
                reference().mul(n, aliasRef, off, y, off, aliasRef, off);
            }
            requireSame(outRef, outFast, name + " n=" + n);
            requireSame(aliasRef, aliasFast, name + " n=" + n + " with out aliasing x");
        }
    }

    /** {@code sum} within {@code 2 gamma(n-1) sum |x_i|}, whatever the order of additions. */
    @Property(tries = 30)
    default void sumAgreesWithinRoundingBound(@ForAll("lengths") int n, @ForAll("pads") int off, @ForAll long seed) {
        float[] x = data(new Random(seed), off + n + 2);
        double sumAbs = 0;
        for (int i = 0; i < n; i++) {
            sumAbs += Math.abs(x[off + i]);
        }
        requireClose(reference().sum(n, x, off), fast().sum(n, x, off), FloatBounds.sum(n, sumAbs), "sum n=" + n);
    }

    /** {@code dot} and {@code sumOfSquares} within {@code 2 gamma(n) sum |x_i y_i|}. */
    @Property(tries = 30)
    default void dotAndSumOfSquaresAgreeWithinRoundingBound(@ForAll("lengths") int n, @ForAll("pads") int off,
                                                            @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = data(rnd, off + n + 2);
        float[] y = data(rnd, n + 1);
        double absXY = 0, absXX = 0;
        for (int i = 0; i < n; i++) {
            absXY += Math.abs((double) x[off + i] * y[1 + i]);
            absXX += (double) x[off + i] * x[off + i];
        }
        requireClose(reference().dot(n, x, off, y, 1), fast().dot(n, x, off, y, 1),
            FloatBounds.dot(n, absXY), "dot n=" + n);
        requireClose(reference().sumOfSquares(n, x, off), fast().sumOfSquares(n, x, off),
            FloatBounds.dot(n, absXX), "sumOfSquares n=" + n);
    }

    // ---------------------------------------------------------------- softmax

    /**
     * {@code softmaxRows}, with and without the causal mask ({@code rows <= cols}), agrees with the
     * reference within the bound of {@link FloatBounds#softmax} on every visible entry, puts exactly
     * 0 in every masked one, and leaves everything outside the slice alone. Logit scales up to 30
     * make some exponentials underflow.
     */
    @Property(tries = 40)
    default void softmaxAgreesWithinRoundingBound(
            @ForAll("dims") int rows, @ForAll("dims") int extraCols, @ForAll boolean causal,
            @ForAll("pads") int pad, @ForAll("pads") int off, @ForAll long seed) {
        int cols = rows + extraCols - 1; // rows <= cols, often equal
        int ld = cols + pad;
        Random rnd = new Random(seed);
        double[] scales = {0.1, 1, 4, 30};
        double scale = scales[rnd.nextInt(scales.length)];
        float[] x0 = new float[off + rows * ld + 2];
        for (int i = 0; i < x0.length; i++) {
            x0[i] = (float) (scale * rnd.nextGaussian());
        }
        float[] xFast = x0.clone(), xRef = x0.clone();
        fast().softmaxRows(rows, cols, xFast, off, ld, causal);
        reference().softmaxRows(rows, cols, xRef, off, ld, causal);
        String shape = "softmaxRows rows=" + rows + " cols=" + cols + " ld=" + ld + " off=" + off
            + " causal=" + causal + " scale=" + scale;
        for (int at = 0; at < x0.length; at++) {
            int rel = at - off;
            if (rel < 0 || rel / ld >= rows || rel % ld >= cols) {
                requireSame(x0[at], xFast[at], shape + ": wrote outside the slice at " + at);
                continue;
            }
            int r = rel / ld, j = rel % ld;
            int visible = causal ? Kernels.causalLimit(r, rows, cols) : cols;
            if (j >= visible) {
                requireSame(0f, xFast[at], shape + ": masked entry (" + r + ", " + j + ")");
            } else {
                requireClose(xRef[at], xFast[at], FloatBounds.softmax(model(), ErrorModel.JAVA, visible, xRef[at]),
                    shape + " at (" + r + ", " + j + ")");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** Gaussian floats, nonzero ones of magnitude in [2^-40, 2^10) (see {@link FloatBounds}). */
    static float[] data(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            float v = (float) rnd.nextGaussian();
            x[i] = Math.abs(v) < FloatBounds.TINY ? 0f : v;
        }
        return x;
    }

    static void requireClose(float expected, float actual, double bound, String what) {
        if (!(Math.abs((double) actual - expected) <= bound)) {
            throw new AssertionError(what + ": reference " + expected + ", backend " + actual
                + ", difference " + Math.abs((double) actual - expected) + " exceeds the rounding bound " + bound);
        }
    }

    static void requireSame(float expected, float actual, String what) {
        if (Float.floatToIntBits(expected) != Float.floatToIntBits(actual)) {
            throw new AssertionError(what + ": expected " + expected + " exactly, got " + actual);
        }
    }

    static void requireSame(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            requireSame(expected[i], actual[i], what + " at index " + i);
        }
    }
}
