package dev.alignguard.math.projection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.alignguard.math.linalg.Kronecker;
import dev.alignguard.math.linalg.SymmetricEigen;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class KroneckerProjectorTest {

    static DMatrixRMaj psd(Random rng, int n) {
        DMatrixRMaj b = new DMatrixRMaj(n, n + 2);
        for (int i = 0; i < b.data.length; i++) {
            b.data[i] = rng.nextGaussian();
        }
        DMatrixRMaj a = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(b, b, a);
        return a;
    }

    @Test
    void equalsTheBasisProjectorOfTheExplicitKroneckerProduct() {
        Random rng = new Random(12);
        DMatrixRMaj s = psd(rng, 3);                 // d_out = 3
        DMatrixRMaj a = psd(rng, 4);                 // d_in = 4
        KroneckerProjector k = KroneckerProjector.fromFactors(s, a, SelectionRule.rank(5));
        BasisProjector b = BasisProjector.fromEigenPairs(SymmetricEigen.all(Kronecker.product(s, a)), SelectionRule.rank(5));
        assertEquals(12, k.dim());
        assertArrayEquals(b.keptEigenvalues(), k.keptEigenvalues(), 1e-10 * b.keptEigenvalues()[0]);
        assertEquals(b.capturedTraceFraction(), k.capturedTraceFraction(), 1e-12);
        double[] x = rng.doubles(12).toArray();
        assertArrayEquals(b.apply(x), k.apply(x), 1e-9);
        double[] v0 = k.keptVector(0);
        assertArrayEquals(v0, k.apply(v0), 1e-14);
    }

    @Test
    void energyRuleOnKnownFactors() {
        DMatrixRMaj s = CommonOps_DDRM.diag(3, 1);           // trace 4
        DMatrixRMaj a = CommonOps_DDRM.diag(2, 1, 1);        // trace 4, trace(F) = 16
        KroneckerProjector k = KroneckerProjector.fromFactors(s, a, SelectionRule.energy(0.75));
        // products: 6, 3, 3, 2, 1, 1 -> cumulative 6, 9, 12 >= 12
        assertEquals(3, k.rank());
        assertArrayEquals(new double[] {6, 3, 3}, k.keptEigenvalues(), 1e-15);
        assertEquals(0.75, k.capturedTraceFraction(), 1e-15);
        KroneckerProjector.KeptPair top = k.keptPair(0);
        assertEquals(0, top.i());
        assertEquals(0, top.j());
        // X = all ones (2 x 3): kept pairs (0,0), (0,1), (0,2) keep the whole first output row
        double[] x = {1, 1, 1, 1, 1, 1};
        assertArrayEquals(new double[] {1, 1, 1, 0, 0, 0}, k.apply(x), 1e-15);
    }

    @Test
    void rejectsIndefiniteFactors() {
        DMatrixRMaj s = CommonOps_DDRM.diag(1, -1);
        assertThrows(IllegalArgumentException.class,
            () -> KroneckerProjector.fromFactors(s, CommonOps_DDRM.diag(1), SelectionRule.rank(1)));
    }
}
