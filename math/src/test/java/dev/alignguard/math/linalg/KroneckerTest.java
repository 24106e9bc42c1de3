package dev.alignguard.math.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class KroneckerTest {

    @Test
    void productIndexingMatchesRowMajorVec() {
        Random rng = new Random(6);
        DMatrixRMaj s = TestMatrices.symmetric(rng, 3);     // d_out = 3
        DMatrixRMaj a = TestMatrices.symmetric(rng, 2);     // d_in = 2
        DMatrixRMaj k = Kronecker.product(s, a);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 2; j++) {
                for (int r = 0; r < 3; r++) {
                    for (int c = 0; c < 2; c++) {
                        assertEquals(s.get(i, r) * a.get(j, c), k.get(i * 2 + j, r * 2 + c), 0);
                    }
                }
            }
        }
    }

    @Test
    void applyIsVecOfSXAt() {
        Random rng = new Random(7);
        DMatrixRMaj s = new DMatrixRMaj(4, 3);              // p x q
        DMatrixRMaj a = new DMatrixRMaj(5, 2);              // r x s
        for (DMatrixRMaj m : new DMatrixRMaj[] {s, a}) {
            for (int i = 0; i < m.data.length; i++) {
                m.data[i] = rng.nextGaussian();
            }
        }
        double[] x = TestMatrices.gaussian(rng, 3 * 2);
        double[] out = new double[4 * 5];
        Kronecker.apply(s, a, x, out);
        DMatrixRMaj expected = new DMatrixRMaj(20, 1);
        CommonOps_DDRM.mult(Kronecker.product(s, a), new DMatrixRMaj(6, 1, true, x), expected);
        assertArrayEquals(expected.data, out, 1e-13);
        assertThrows(IllegalArgumentException.class, () -> Kronecker.apply(s, a, new double[5], out));
    }

    @Test
    void outerIsVecOfQPt() {
        double[] q = {1, 2};
        double[] p = {3, 4, 5};
        assertArrayEquals(new double[] {3, 4, 5, 6, 8, 10}, Kronecker.outer(q, p));
        DMatrixRMaj x = Kronecker.unvec(Kronecker.outer(q, p), 2, 3);
        assertEquals(8, x.get(1, 1));
        assertArrayEquals(Kronecker.outer(q, p), Kronecker.vec(x));
    }
}
