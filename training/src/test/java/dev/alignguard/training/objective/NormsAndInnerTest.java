package dev.alignguard.training.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The diagnostics' one-pass sums have the bits of three plain loops, each in index order. */
class NormsAndInnerTest {

    @Test
    void onePassHasTheBitsOfThreeLoops() {
        Random rnd = new Random(44);
        for (int n : new int[] {0, 1, 7, 16384, 16391}) {
            float[] a = new float[n], t = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) (rnd.nextGaussian() * Math.exp(rnd.nextGaussian() * 5));
                t[i] = (float) rnd.nextGaussian();
            }
            double a2 = 0, t2 = 0, at = 0;
            for (int i = 0; i < n; i++) {
                a2 += (double) a[i] * a[i];
            }
            for (int i = 0; i < n; i++) {
                t2 += (double) t[i] * t[i];
            }
            for (int i = 0; i < n; i++) {
                at += (double) a[i] * t[i];
            }
            double[] sums = AlignGuardObjective.normsAndInner(a, t);
            assertEquals(Double.doubleToRawLongBits(a2), Double.doubleToRawLongBits(sums[0]));
            assertEquals(Double.doubleToRawLongBits(t2), Double.doubleToRawLongBits(sums[1]));
            assertEquals(Double.doubleToRawLongBits(at), Double.doubleToRawLongBits(sums[2]));
            assertEquals(Double.doubleToRawLongBits(a2), Double.doubleToRawLongBits(AlignGuardObjective.squaredNorm(a)));
        }
    }
}
