package dev.alignguard.math.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void twoByTwo() {
        DMatrixRMaj a = new DMatrixRMaj(new double[][] {{2, 1}, {1, 2}});
        EigenPairs p = SymmetricEigen.all(a);
        assertArrayEquals(new double[] {3, 1}, p.values(), 1e-14);
        double h = Math.sqrt(0.5);
        assertArrayEquals(new double[] {h, h}, p.vector(0), 1e-14);
        assertArrayEquals(new double[] {h, -h}, p.vector(1), 1e-14);
        assertEquals(4, p.trace(), 0);
    }

    @Test
    void randomSymmetricHasSmallResidualsAndOrthonormalVectors() {
        Random rng = new Random(3);
        int n = 40;
        DMatrixRMaj a = TestMatrices.symmetric(rng, n);
        DMatrixRMaj copy = a.copy();
        EigenPairs p = SymmetricEigen.all(a);
        assertEquals(n, p.count());
        for (int k = 0; k < n; k++) {
            assertTrue(TestMatrices.residual(a, p.value(k), p.vector(k)) < 1e-12, "residual " + k);
        }
        assertTrue(Orthonormalize.deviation(p.vectors()) < 1e-13);
        assertArrayEquals(copy.data, a.data, 0, "input must not be modified");
        EigenPairs top = SymmetricEigen.top(a, 3);
        assertEquals(3, top.count());
        assertArrayEquals(p.top(3).values(), top.values());
    }

    @Test
    void rejectsNonSymmetricAndNonSquare() {
        var e = assertThrows(IllegalArgumentException.class,
            () -> SymmetricEigen.all(new DMatrixRMaj(new double[][] {{1, 2}, {0, 1}})));
        assertTrue(e.getMessage().contains("not symmetric"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.all(new DMatrixRMaj(2, 3)));
        assertTrue(e.getMessage().contains("square"), e.getMessage());
    }
}
