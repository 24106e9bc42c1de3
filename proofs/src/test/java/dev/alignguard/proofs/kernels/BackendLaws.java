package dev.alignguard.proofs.kernels;

import java.util.Arrays;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ResidentRows;
import dev.alignguard.math.kernels.ScalarKernels;

import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.KernelOperands;
import dev.alignguard.proofs.gen.KernelOperands.Gemm;
import dev.alignguard.proofs.gen.KernelOperands.GemmShape;
import dev.alignguard.proofs.gen.KernelOperands.Softmax;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;

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
 * <p><b>Replaying a failure.</b> Each law runs through {@link Laws#qt}: a failure reports its seed,
 * the shrunk operands (shape, scalars, offsets and the data seed) and the command that replays it,
 * e.g. {@code ./mvnw -B -ntp -pl proofs -am verify -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest='VectorKernelsOneThreadLawsTest#gemmAgreesWithinRoundingBound' -Dalignguard.seed=N}.
 * The operand generators are in {@link KernelOperands}.
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

    // ---------------------------------------------------------------- matrix product

    /**
     * {@code gemm} agrees with the reference within {@code 2 gamma(k+2) (|alpha| sum_p |A_ip B_pj| + |beta| |C_ij|)}
     * on every element of C, for both transposes, any alpha and beta, offset slices with padded
     * leading dimensions; and writes nothing outside C.
     */
    @Test
    default void gemmAgreesWithinRoundingBound() {
        Laws.qt(60).forAll(KernelOperands.gemms(KernelOperands.scalars(), KernelOperands.pads()))
            .checkAssert(g -> checkGemm(g, false));
    }

    /** With {@code beta == 0} C is not read: NaN in C does not reach the result. */
    @Test
    default void gemmWithBetaZeroDoesNotReadC() {
        Laws.qt(25).forAll(KernelOperands.gemms(SourceDSL.arbitrary().constant(0f), SourceDSL.arbitrary().constant(1)))
            .checkAssert(g -> checkGemm(g, true));
    }

    private void checkGemm(Gemm g, boolean nanInC) {
        GemmShape sh = g.shape();
        boolean transA = sh.transA(), transB = sh.transB();
        int m = sh.m(), n = sh.n(), k = sh.k(), pad = g.pad(), off = g.off();
        float alpha = g.alpha(), beta = g.beta();
        Random rnd = new Random(g.seed());
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
    @Test
    default void axpyAgreesWithinRoundingBound() {
        Laws.qt(30).forAll(KernelOperands.lengths(), KernelOperands.scalars(), KernelOperands.pads(), Gaussians.seeds())
            .checkAssert(this::checkAxpy);
    }

    private void checkAxpy(int n, float alpha, int off, long seed) {
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
    @Test
    default void elementwiseOpsAreBitIdentical() {
        Laws.qt(30).forAll(KernelOperands.lengths(), KernelOperands.scalars(), KernelOperands.pads(), Gaussians.seeds())
            .checkAssert(this::checkElementwise);
    }

    private void checkElementwise(int n, float alpha, int off, long seed) {
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
    @Test
    default void sumAgreesWithinRoundingBound() {
        Laws.qt(30).forAll(KernelOperands.lengths(), KernelOperands.pads(), Gaussians.seeds()).checkAssert(this::checkSum);
    }

    private void checkSum(int n, int off, long seed) {
        float[] x = data(new Random(seed), off + n + 2);
        double sumAbs = 0;
        for (int i = 0; i < n; i++) {
            sumAbs += Math.abs(x[off + i]);
        }
        requireClose(reference().sum(n, x, off), fast().sum(n, x, off), FloatBounds.sum(n, sumAbs), "sum n=" + n);
    }

    /** {@code dot} and {@code sumOfSquares} within {@code 2 gamma(n) sum |x_i y_i|}. */
    @Test
    default void dotAndSumOfSquaresAgreeWithinRoundingBound() {
        Laws.qt(30).forAll(KernelOperands.lengths(), KernelOperands.pads(), Gaussians.seeds()).checkAssert(this::checkDot);
    }

    private void checkDot(int n, int off, long seed) {
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

    // ---------------------------------------------------------------- basis products (double)

    /**
     * {@code dots} (the coordinates of a vector in a kept basis, in double) agrees with the reference
     * on every row within {@code 2 gamma_53(d) sum_i |u_ki x_i|} ({@link FloatBounds#doubleDot}).
     */
    @Test
    default void basisDotsAgreeWithinDoubleRoundingBound() {
        Laws.qt(25).forAll(SourceDSL.integers().between(0, 40), KernelOperands.lengths(), Gaussians.seeds())
            .checkAssert(this::checkDots);
    }

    private void checkDots(int m, int d, long seed) {
        Random rnd = new Random(seed);
        double[][] rows = doubles(rnd, m, d);
        double[] x = doubles(rnd, 1, d)[0];
        double[] expected = new double[m];
        double[] actual = new double[m];
        reference().dots(rows, x, expected);
        fast().dots(rows, x, actual);
        for (int k = 0; k < m; k++) {
            double abs = 0;
            for (int i = 0; i < d; i++) {
                abs += Math.abs(rows[k][i] * x[i]);
            }
            double bound = FloatBounds.doubleDot(d, abs);
            if (!(Math.abs(expected[k] - actual[k]) <= bound)) {
                throw new AssertionError("dots m=" + m + " d=" + d + " row " + k + ": reference " + expected[k] + ", fast "
                    + actual[k] + ", differ by " + Math.abs(expected[k] - actual[k]) + " > bound " + bound);
            }
        }
    }

    /**
     * {@code addCombination} ({@code out += sum_k w_k u_k}, in double) gives the reference's bits:
     * each element is the same chain of correctly rounded fused multiply-adds over k ascending,
     * with zero weights skipped, so no backend has any freedom. A third of the weights are 0.
     */
    @Test
    default void basisCombinationIsBitIdentical() {
        Laws.qt(25).forAll(SourceDSL.integers().between(0, 40), KernelOperands.lengths(), Gaussians.seeds())
            .checkAssert(this::checkCombination);
    }

    private void checkCombination(int m, int d, long seed) {
        Random rnd = new Random(seed);
        double[][] rows = doubles(rnd, m, d);
        double[] w = doubles(rnd, 1, m)[0];
        for (int k = 0; k < m; k += 3) {
            w[k] = 0;
        }
        double[] expected = doubles(rnd, 1, d)[0];
        double[] actual = expected.clone();
        reference().addCombination(rows, w, expected);
        fast().addCombination(rows, w, actual);
        for (int i = 0; i < d; i++) {
            if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
                throw new AssertionError("addCombination m=" + m + " d=" + d + " element " + i + ": reference "
                    + expected[i] + ", fast " + actual[i]);
            }
        }
    }

    /**
     * {@code gram} ({@code G^T G} of per-example rows, in double) agrees with the reference on every
     * entry within {@code 2 gamma_53(d) sum_t |g_it g_jt|} and is exactly symmetric.
     */
    @Test
    default void gramAgreesWithinDoubleRoundingBound() {
        Laws.qt(25).forAll(SourceDSL.integers().between(1, 24), KernelOperands.lengths(), Gaussians.seeds())
            .checkAssert(this::checkGram);
    }

    private void checkGram(int n, int d, long seed) {
        double[][] rows = doubles(new Random(seed), n, d);
        double[] expected = new double[n * n];
        double[] actual = new double[n * n];
        reference().gram(rows, expected);
        fast().gram(rows, actual);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int t = 0; t < d; t++) {
                    abs += Math.abs(rows[i][t] * rows[j][t]);
                }
                double bound = FloatBounds.doubleDot(d, abs);
                double e = expected[i * n + j], a = actual[i * n + j];
                if (!(Math.abs(e - a) <= bound) || a != actual[j * n + i]) {
                    throw new AssertionError("gram n=" + n + " d=" + d + " at " + i + "," + j + ": reference " + e + ", fast " + a
                        + " (mirror " + actual[j * n + i] + "), bound " + bound);
                }
            }
        }
    }

    /**
     * Products against {@linkplain Kernels#resident resident} rows are the plain products on the same
     * backend, bit for bit (on OpenCL: the same kernel, on the device's copy uploaded once), through
     * several products on two interleaved handles; a closed handle refuses, and (under
     * {@code -Dalignguard.buffers.check=true}, as the tests run) so does one whose rows changed.
     */
    @Test
    default void residentRowsGiveThePlainProductsBitForBit() {
        Laws.qt(20).forAll(SourceDSL.integers().between(0, 40), KernelOperands.lengths(), Gaussians.seeds())
            .checkAssert(this::checkResident);
    }

    private void checkResident(int m, int d, long seed) {
        Random rnd = new Random(seed);
        double[][] a = doubles(rnd, m, d);
        double[][] b = doubles(rnd, m + 1, d);
        Kernels k = fast();
        ResidentRows ra = k.resident(a);
        try (ResidentRows rb = k.resident(b)) {
            for (int round = 0; round < 3; round++) {
                for (ResidentRows r : new ResidentRows[] {ra, rb}) {
                    double[][] rows = r == ra ? a : b;
                    double[] x = doubles(rnd, 1, d)[0];
                    double[] plain = new double[rows.length];
                    double[] resident = new double[rows.length];
                    k.dots(rows, x, plain);
                    k.dots(r, x, resident);
                    requireSameBits("dots against resident rows", m, d, plain, resident);
                    double[] w = doubles(rnd, 1, rows.length)[0];
                    double[] outPlain = doubles(rnd, 1, d)[0];
                    double[] outResident = outPlain.clone();
                    k.addCombination(rows, w, outPlain);
                    k.addCombination(r, w, outResident);
                    requireSameBits("addCombination over resident rows", m, d, outPlain, outResident);
                }
            }
            if (rb.checked() && d > 0) {
                b[m][d - 1] += 1;
                try {
                    k.dots(rb, new double[d], new double[m + 1]);
                    throw new AssertionError("a resident row changed after upload, but dots ran (m=" + m + " d=" + d + ")");
                } catch (IllegalStateException expected) {
                    // the contract's check
                }
            }
        }
        ra.close();
        try {
            k.addCombination(ra, new double[m], new double[d]);
            throw new AssertionError("addCombination ran on closed resident rows (m=" + m + " d=" + d + ")");
        } catch (IllegalStateException expected) {
            // closed
        }
    }

    private static void requireSameBits(String what, int m, int d, double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
                throw new AssertionError(what + " m=" + m + " d=" + d + " element " + i + ": plain " + expected[i]
                    + ", resident " + actual[i]);
            }
        }
    }

    private static double[][] doubles(Random rnd, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int i = 0; i < cols; i++) {
                row[i] = rnd.nextGaussian();
            }
        }
        return x;
    }

    // ---------------------------------------------------------------- softmax

    /**
     * {@code softmaxRows}, with and without the causal mask ({@code rows <= cols}), agrees with the
     * reference within the bound of {@link FloatBounds#softmax} on every visible entry, puts exactly
     * 0 in every masked one, and leaves everything outside the slice alone. Logit scales up to 30
     * make some exponentials underflow.
     */
    @Test
    default void softmaxAgreesWithinRoundingBound() {
        Laws.qt(40).forAll(KernelOperands.softmaxes()).checkAssert(this::checkSoftmax);
    }

    private void checkSoftmax(Softmax s) {
        int rows = s.rows(), extraCols = s.extraCols(), pad = s.pad(), off = s.off();
        boolean causal = s.causal();
        long seed = s.seed();
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
        Bounds.observe(Math.abs((double) actual - expected), bound);
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
