package dev.alignguard.math.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;

class ThinQrTest {

    @Test
    void reconstructsWithOrthonormalQAndPositiveDiagonal() {
        Random rng = new Random(4);
        DMatrixRMaj a = new DMatrixRMaj(15, 6);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = rng.nextGaussian();
        }
        ThinQr qr = ThinQr.of(a);
        assertEquals(15, qr.q().numRows);
        assertEquals(6, qr.q().numCols);
        DMatrixRMaj back = new DMatrixRMaj(15, 6);
        CommonOps_DDRM.mult(qr.q(), qr.r(), back);
        for (int i = 0; i < back.data.length; i++) {
            assertEquals(a.data[i], back.data[i], 1e-13);
        }
        for (int k = 0; k < 6; k++) {
            assertTrue(qr.r().get(k, k) >= 0);
            for (int j = 0; j < k; j++) {
                assertEquals(0, qr.r().get(k, j));
            }
        }
        assertTrue(Orthonormalize.deviation(Columns.fromMatrix(qr.q())) < 1e-14);
    }

    @Test
    void randomBasesAreOrthonormal() {
        double[][] u = Orthonormalize.random(20, 7, new Random(8));
        assertEquals(7, u.length);
        assertTrue(Orthonormalize.deviation(u) < 1e-14);
        assertThrows(IllegalArgumentException.class, () -> ThinQr.of(new DMatrixRMaj(2, 3)));
        assertThrows(IllegalArgumentException.class, () -> Orthonormalize.random(3, 4, new Random(1)));
    }
}
