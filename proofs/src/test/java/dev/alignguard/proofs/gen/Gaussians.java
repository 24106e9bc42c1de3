package dev.alignguard.proofs.gen;

import java.util.Random;

import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Seeds, and Gaussian vectors drawn from a {@link Random} built from a seed.
 *
 * <p>Why seeds. A generator draws a {@code long} seed from QuickTheories and builds its random
 * numbers from {@code new Random(seed)}: the object is then a pure function of the raw draws, so a
 * replayed seed rebuilds it and shrinking (which re-runs the generator on smaller draws) stays
 * meaningful. Sizes and ranks are drawn as separate integer ranges (which shrink toward their lower
 * end), never from the Random, so a failure shrinks toward small shapes. Gaussian doubles are used
 * instead of QuickTheories' decimal generators, whose values are far from the distributions the
 * rounding bounds of these suites are about.
 */
public final class Gaussians {

    private Gaussians() {
    }

    /** Any long, as the seed of a {@code new Random(seed)} (shrinks toward 0). */
    public static Gen<Long> seeds() {
        return SourceDSL.longs().all();
    }

    /** n i.i.d. N(0, 1) entries. */
    public static double[] vector(Random rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }
}
