package dev.alignguard.proofs.kernels;

/**
 * Forward error bounds for float arithmetic, from the standard model of IEEE rounding
 * (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, 2nd ed., ch. 2-4).
 *
 * <p>Standard model: for a basic operation {@code op} on floats, {@code fl(x op y) = (x op y)(1 + d)}
 * with {@code |d| <= u}, {@code u = 2^-24} (round to nearest), as long as nothing underflows.
 * A fused multiply-add {@code fl(x*y + z)} also satisfies it, with a single {@code d}. Products of
 * {@code n} such factors {@code (1 + d_i)^{+-1}} are written {@code 1 + theta_n} with
 * {@code |theta_n| <= gamma(n) = n u / (1 - n u)} (Higham, Lemma 3.1).
 *
 * <p>Two facts the laws use:
 * <ul>
 *   <li><b>Summation in any order.</b> Computing {@code s = x_1 + ... + x_N} by any sequence of
 *       pairwise additions (left to right, SIMD lanes then a lane reduction, a tree) gives
 *       {@code |s_hat - s| <= gamma(N - 1) sum |x_i|}: each term passes through at most
 *       {@code N - 1} additions (Higham, eq. 4.4 and the remark after it).</li>
 *   <li><b>Two backends, one exact value.</b> If a fast and a reference result are each within
 *       {@code b} of the same exact value, they are within {@code 2b} of each other. Every law
 *       below bounds each backend against the exact result of the same float inputs and doubles it.</li>
 * </ul>
 *
 * <p><b>Underflow.</b> The standard model needs results to stay normal. The generators guarantee it
 * for the matrix and vector laws: every drawn nonzero value has magnitude at least {@link #TINY}
 * ({@code 2^-40}) and below {@code 2^10}, every nonzero scalar at least {@code 2^-3}, so every
 * product is at least {@code 2^-83}, every float sum of such products is a multiple of
 * {@code 2^-106} (a nonzero one is therefore normal), and nothing overflows. The softmax law, where
 * {@code exp} of a very negative logit does underflow, carries an explicit absolute slack of a few
 * {@link #ETA} instead (enough even for devices that flush subnormals to zero, which OpenCL allows).
 */
final class FloatBounds {

    /** Unit roundoff of float, round to nearest: half the distance from 1 to the next float. */
    static final double U = 0x1p-24;

    /** Smallest normal float: a bound on the absolute error of one underflowing operation, even flushed to zero. */
    static final double ETA = Float.MIN_NORMAL;

    /** Generators replace nonzero draws smaller than this by 0 (see the class javadoc). */
    static final float TINY = 0x1p-40f;

    private FloatBounds() {
    }

    /** {@code gamma(n) = n u / (1 - n u)}, the bound on {@code |theta_n|}. */
    static double gamma(int n) {
        if (n < 0 || n * U >= 0.5) {
            throw new IllegalArgumentException("gamma(" + n + ") is outside the range the bounds are meant for");
        }
        return n * U / (1 - n * U);
    }

    /**
     * Bound on {@code |C_fast - C_ref|} for one element of
     * {@code C = alpha * sum_p A_ip B_pj + beta * C}: {@code 2 gamma(k + 2) (|alpha| sum_p |A_ip B_pj| + |beta| |C_ij|)}.
     *
     * <p>Derivation for one backend against the exact value: the element is a sum of {@code k + 1}
     * terms ({@code k} scaled products and {@code beta C_ij}). Whichever way a backend arranges it,
     * each product term sees at most one rounding for the product or its fusion into an FMA, one
     * for the scaling by alpha (before, as in the packed Vector kernels, or after, as in the scalar and
     * OpenCL ones), and at most {@code k} additions; the {@code beta C_ij} term one rounding for
     * the scaling and at most {@code k} additions. Hence error at most
     * {@code gamma(k + 2) (|alpha| sum |A_ip B_pj| + |beta| |C_ij|)}; doubled for two backends.
     *
     * @param absProducts {@code sum_p |A_ip B_pj|}, computed in double (its own error, relative
     *     {@code ~ k 2^-53}, is far below the slack between {@code gamma(k + 2)} and the errors seen)
     */
    static double gemm(int k, float alpha, double absProducts, float beta, float c) {
        return 2 * gamma(k + 2) * (Math.abs(alpha) * absProducts + Math.abs(beta) * Math.abs(c));
    }

    /**
     * Bound for {@code y + alpha x}: at most two roundings (the product and the sum, or one FMA),
     * {@code 2 gamma(2) (|alpha x| + |y|)}.
     */
    static double axpy(float alpha, float x, float y) {
        return 2 * gamma(2) * (Math.abs((double) alpha * x) + Math.abs(y));
    }

    /** Bound for a sum of {@code n} floats in any order: {@code 2 gamma(n - 1) sum |x_i|}. */
    static double sum(int n, double sumAbs) {
        return n <= 1 ? 0 : 2 * gamma(n - 1) * sumAbs;
    }

    /**
     * Bound for a dot product of length {@code n} in any order, with or without FMA: each product
     * term sees one product rounding (or its fusion) and at most {@code n - 1} additions,
     * {@code 2 gamma(n) sum |x_i y_i|}.
     */
    static double dot(int n, double sumAbsProducts) {
        return n == 0 ? 0 : 2 * gamma(n) * sumAbsProducts;
    }

    /**
     * Bound for a double dot product of length {@code n} in any order, with or without FMA (the
     * basis products {@code Kernels.dots}): as {@link #dot} with the unit roundoff of double,
     * {@code 2 gamma_53(n) sum |x_i y_i|}, {@code gamma_53(n) = n 2^-53 / (1 - n 2^-53)}.
     */
    static double doubleDot(int n, double sumAbsProducts) {
        double nu = n * 0x1p-53;
        return n == 0 ? 0 : 2 * nu / (1 - nu) * sumAbsProducts;
    }

    /**
     * Relative bound {@code rho} on {@code |p_hat - p| <= rho p} for one backend's softmax entry over
     * {@code visible} columns, against the exact softmax of the same float differences
     * {@code d_j = fl(x_j - max)} (both backends compute the same maximum, which is exact, and the
     * same correctly rounded differences).
     *
     * <p>With {@code e_j = exp(d_j)}, {@code S = sum e_j}, {@code p_j = e_j / S}: the backend's
     * {@code exp} has relative error at most {@code cE u}, so each {@code e_hat_j = e_j (1 + eps_j)};
     * summing {@code visible} positive terms in any order multiplies by at most
     * {@code 1 + gamma(visible - 1)} more, so {@code S_hat = S (1 + sigma)} with
     * {@code |sigma| <= (1 + cE u)(1 + gamma(visible - 1)) - 1}; the reciprocal has relative error
     * at most {@code cD u} and the final product {@code u}. So
     * {@code p_hat / p <= (1 + cE u)(1 + cD u)(1 + u) / (1 - sigma)}, and the lower side is closer
     * to 1. Underflowing exponentials add at most {@code ETA} each to {@code S >= 1 - cE u}, folded
     * into {@code sigma}.
     */
    static double softmaxRelative(ErrorModel model, int visible) {
        double sigma = (1 + model.expError() * U) * (1 + gamma(Math.max(0, visible - 1))) - 1 + 2 * visible * ETA;
        return (1 + model.expError() * U) * (1 + model.divError() * U) * (1 + U) / (1 - sigma) - 1;
    }

    /**
     * Bound on {@code |p_fast - p_ref|} given the reference value: both are within their
     * {@code rho p} of the exact {@code p}, and {@code p <= p_ref / (1 - rho_ref)}; plus
     * {@code 2 ETA} per backend for an entry whose exponential underflowed.
     */
    static double softmax(ErrorModel fast, ErrorModel ref, int visible, float pRef) {
        double rhoFast = softmaxRelative(fast, visible);
        double rhoRef = softmaxRelative(ref, visible);
        return (rhoFast + rhoRef) * Math.abs(pRef) / (1 - rhoRef) + 4 * ETA;
    }
}
