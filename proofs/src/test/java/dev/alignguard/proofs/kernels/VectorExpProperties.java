package dev.alignguard.proofs.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Random;

import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;
import dev.alignguard.proofs.harness.LawTags;
import org.junit.jupiter.api.Tag;

/**
 * The Vector API sigmoid is bit-identical to its scalar twin in the tail loop (same operations in
 * the same order), whatever the array length, and so does not depend on whether the JIT has
 * compiled it; and it stays within a few ulps of the double-precision reference.
 *
 * <p>Accuracy bound: the exp polynomial truncates at r^7/7! < 1.3e-7 relative (about 2u with
 * u = 2^-24), each of the 7 Horner fmas and the final scaling rounds once (u each, damped by
 * |r| < 0.35 for the inner ones), then 1 + e and the division add u each: 16u covers it with margin.
 */
@Tag(LawTags.VECTOR)
class VectorExpProperties {

    private static final double U = Math.ulp(1.0f) / 2;

    @Test
    void vectorLanesEqualTheScalarTwinBitForBit() {
        Laws.qt(60).forAll(integers().between(1, 200), Gaussians.seeds()).checkAssert(this::vectorLanesEqualTheScalarTwin);
    }

    private void vectorLanesEqualTheScalarTwin(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * (rnd.nextBoolean() ? 3 : 60));
        }
        VectorKernels k = new VectorKernels(1);
        float[] whole = new float[n];
        k.sigmoid(n, x, 0, whole, 0);
        for (int i = 0; i < n; i++) { // one element at a time: always the scalar tail
            float[] one = new float[1];
            k.sigmoid(1, x, i, one, 0);
            assertEquals(Float.floatToIntBits(one[0]), Float.floatToIntBits(whole[i]),
                "x = " + x[i] + ": vector lane " + whole[i] + " vs scalar twin " + one[0]);
        }
    }

    @Test
    void sigmoidStaysWithinAFewUlpsOfTheReference() {
        Laws.qt(60).forAll(integers().between(1, 300), Gaussians.seeds()).checkAssert(this::sigmoidWithinAFewUlps);
    }

    private void sigmoidWithinAFewUlps(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * (rnd.nextBoolean() ? 3 : 30));
        }
        float[] ref = new float[n], fast = new float[n];
        ScalarKernels.INSTANCE.sigmoid(n, x, 0, ref, 0);
        new VectorKernels(1).sigmoid(n, x, 0, fast, 0);
        for (int i = 0; i < n; i++) {
            double bound = 16 * U * Math.abs(ref[i]) + Float.MIN_NORMAL;
            Bounds.atMost(Math.abs(fast[i] - ref[i]), bound,
                "x = " + x[i] + ": vector " + fast[i] + " vs reference " + ref[i] + " (bound " + bound + ")");
        }
    }
}
