package dev.alignguard.proofs.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.generators.SourceDSL.integers;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;

/**
 * The blocked double loops the alignment subspaces run on ({@link Vec#dots}, four rows per pass,
 * and {@link Vec#addCombination}) against their plain twins: an exact (BigDecimal) dot product,
 * and the one-element-at-a-time fused multiply-add chain.
 */
class VecProperties {

    /** Each of the m dot products is within gamma_n sum |u_i x_i| of the exact one, whatever m mod 4. */
    @Test
    void dotsAreDotProductsWithinTheirRoundingBound() {
        Laws.qt(60).forAll(integers().between(1, 11), integers().between(1, 300), Gaussians.seeds())
            .checkAssert(this::dotsAreDotProductsWithinTheirRoundingBound);
    }

    private void dotsAreDotProductsWithinTheirRoundingBound(int m, int n, long seed) {
        Random rnd = new Random(seed);
        double[][] rows = new double[m][];
        for (int k = 0; k < m; k++) {
            rows[k] = Gaussians.vector(rnd, n);
        }
        double[] x = Gaussians.vector(rnd, n);
        double[] out = new double[m];
        Vec.dots(rows, x, out);
        for (int k = 0; k < m; k++) {
            BigDecimal exact = BigDecimal.ZERO;
            double absSum = 0;
            for (int i = 0; i < n; i++) {
                exact = exact.add(new BigDecimal(rows[k][i]).multiply(new BigDecimal(x[i])));
                absSum += Math.abs(rows[k][i] * x[i]);
            }
            double want = exact.round(MathContext.DECIMAL128).doubleValue();
            Bounds.close(want, out[k], Rounding.gamma(n) * absSum + Double.MIN_NORMAL, "row " + k);
        }
        double[] again = new double[m];
        Vec.dots(rows, x, again);
        assertArrayEquals(out, again); // a pure function of its inputs
    }

    /** addCombination is, bit for bit, out[i] = fma(rows[k][i], w[k], out[i]) for k = 0, 1, ... */
    @Test
    void addCombinationIsTheOrderedFmaChainBitForBit() {
        Laws.qt(60).forAll(integers().between(1, 9), integers().between(1, 300), Gaussians.seeds())
            .checkAssert(this::addCombinationIsTheOrderedFmaChainBitForBit);
    }

    private void addCombinationIsTheOrderedFmaChainBitForBit(int m, int n, long seed) {
        Random rnd = new Random(seed);
        double[][] rows = new double[m][];
        for (int k = 0; k < m; k++) {
            rows[k] = Gaussians.vector(rnd, n);
        }
        double[] w = Gaussians.vector(rnd, m);
        if (m > 1) {
            w[rnd.nextInt(m)] = 0; // a skipped row changes nothing: fma(u, 0, y) == y for finite u
        }
        double[] start = Gaussians.vector(rnd, n);
        double[] out = start.clone();
        Vec.addCombination(rows, w, out);
        double[] twin = start.clone();
        for (int k = 0; k < m; k++) {
            for (int i = 0; i < n; i++) {
                twin[i] = Math.fma(rows[k][i], w[k], twin[i]);
            }
        }
        assertArrayEquals(twin, out);
    }
}
