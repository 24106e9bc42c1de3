package dev.alignguard.math.projection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.linalg.SymmetricEigen;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class BasisProjectorTest {

    @Test
    void anAdoptingProjectorSharesItsColumnsAndProjectsAsACopyingOne() {
        double[][] u = Orthonormalize.random(12, 3, new Random(5));
        BasisProjector adopted = BasisProjector.adopting(12, u);
        BasisProjector copied = BasisProjector.of(12, u);
        assertTrue(adopted.sharedBasis() == u, "adopted, not copied");
        assertTrue(copied.sharedBasis() != u && copied.sharedBasis()[0] != u[0], "of() copies");
        double[] x = new Random(6).doubles(12).toArray();
        double[] a = new double[12], c = new double[12];
        adopted.apply(x, a);
        copied.apply(x, c);
        assertArrayEquals(c, a, 0.0);
        assertThrows(IllegalArgumentException.class, () -> BasisProjector.adopting(12, new double[][] {x}), "checked like of()");
    }

    @Test
    void projectsOntoTheSpanInPlaceOrNot() {
        BasisProjector p = BasisProjector.of(3, new double[][] {{1, 0, 0}, {0, 1, 0}});
        double[] x = {1, 2, 3};
        assertArrayEquals(new double[] {1, 2, 0}, p.apply(x));
        assertArrayEquals(new double[] {0, 0, 3}, p.complement(x));
        p.apply(x, x);
        assertArrayEquals(new double[] {1, 2, 0}, x);
        assertEquals(ProjectorKind.BASIS, p.kind());
        assertTrue(Double.isNaN(p.capturedTraceFraction()));
    }

    @Test
    void rejectsNonOrthonormalBasesButOrthonormalisesOnRequest() {
        double[][] skew = {{1, 0}, {1, 1}};
        var e = assertThrows(IllegalArgumentException.class, () -> BasisProjector.of(2, skew));
        assertTrue(e.getMessage().contains("not orthonormal"), e.getMessage());
        BasisProjector p = BasisProjector.orthonormalising(2, skew);
        assertEquals(2, p.rank());
        assertArrayEquals(new double[] {3, 4}, p.apply(new double[] {3, 4}), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> p.apply(new double[3]));
    }

    @Test
    void fromEigenPairsKeepsTheSpectrumAndItsShare() {
        DMatrixRMaj f = CommonOps_DDRM.diag(4, 3, 2, 1);            // trace 10
        EigenPairs pairs = SymmetricEigen.all(f);
        BasisProjector p = BasisProjector.fromEigenPairs(pairs, SelectionRule.energy(0.65));
        assertEquals(2, p.rank());
        assertArrayEquals(new double[] {4, 3}, p.keptEigenvalues(), 1e-15);
        assertEquals(0.7, p.capturedTraceFraction(), 1e-15);
        DMatrixRMaj m = p.asMatrix();
        assertEquals(2, CommonOps_DDRM.trace(m), 1e-15);
        assertEquals(1, m.get(0, 0), 1e-15);
    }

    @Test
    void randomProjectorIsIdempotent() {
        BasisProjector p = BasisProjector.of(30, Orthonormalize.random(30, 5, new Random(1)));
        double[] x = new Random(2).doubles(30).toArray();
        double[] px = p.apply(x);
        assertArrayEquals(px, p.apply(px), 1e-14);
    }
}
