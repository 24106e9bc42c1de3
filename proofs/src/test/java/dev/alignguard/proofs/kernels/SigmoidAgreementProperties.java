package dev.alignguard.proofs.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import dev.alignguard.math.Kernels;
import dev.alignguard.math.ScalarKernels;
import dev.alignguard.math.VectorKernels;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The Vector API sigmoid (with the vector exp) agrees with the scalar reference.
 *
 * <p>Bound: the vector exp is within 1 ulp, so e = exp(-x) carries relative error u; then
 * 1 + e adds u, the division adds u, and the relative error of s = 1 / (1 + e) from e's error is
 * e / (1 + e) * u <= u. The reference has the same budget (rounded once from double). So
 * |s_vec - s_ref| <= 8 u s with margin, u = 2^-24, plus the smallest normal for underflow.
 */
class SigmoidAgreementProperties {

    private static final double U = Math.ulp(1.0f) / 2;

    @Property(tries = 60)
    void vectorSigmoidAgreesWithTheReference(@ForAll @IntRange(min = 1, max = 300) int n, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * (rnd.nextBoolean() ? 3 : 30));
        }
        float[] ref = new float[n], fast = new float[n];
        ScalarKernels.INSTANCE.sigmoid(n, x, 0, ref, 0);
        Kernels vector = new VectorKernels(1);
        vector.sigmoid(n, x, 0, fast, 0);
        for (int i = 0; i < n; i++) {
            double bound = 8 * U * Math.abs(ref[i]) + Float.MIN_NORMAL;
            assertTrue(Math.abs(fast[i] - ref[i]) <= bound,
                "x = " + x[i] + ": vector " + fast[i] + " vs reference " + ref[i] + " (bound " + bound + ")");
        }
    }
}
