package dev.alignguard.math.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class ResidentRowsTest {

    private static double[][] gaussians(Random rnd, int m, int d) {
        double[][] x = new double[m][d];
        for (double[] row : x) {
            for (int i = 0; i < d; i++) {
                row[i] = rnd.nextGaussian();
            }
        }
        return x;
    }

    /** On the host backends a resident handle is the reference: the plain products' bits. */
    @Test
    void hostBackendsGiveThePlainBits() {
        Random rnd = new Random(7);
        double[][] rows = gaussians(rnd, 5, 301);
        double[] x = gaussians(rnd, 1, 301)[0];
        double[] w = gaussians(rnd, 1, 5)[0];
        for (Kernels k : new Kernels[] {ScalarKernels.INSTANCE, new VectorKernels(2)}) {
            try (ResidentRows r = k.resident(rows)) {
                assertEquals(5, r.count());
                assertEquals(301, r.cols());
                double[] plain = new double[5];
                double[] resident = new double[5];
                k.dots(rows, x, plain);
                k.dots(r, x, resident);
                assertArrayEquals(plain, resident, 0.0, k.name());
                double[] out1 = new double[301];
                double[] out2 = new double[301];
                k.addCombination(rows, w, out1);
                k.addCombination(r, w, out2);
                assertArrayEquals(out1, out2, 0.0, k.name());
            }
        }
    }

    /** The checked mode catches a caller that writes the rows while the handle is open; unchecked, nothing is read. */
    @Test
    void checkedHandlesRefuseChangedRows() {
        double[][] rows = {{1, 2, 3}, {4, 5, 6}};
        ResidentRows checked = ResidentRows.onHost(rows, true);
        ResidentRows unchecked = ResidentRows.onHost(rows, false);
        assertTrue(checked.holds(rows));
        checked.rows();
        rows[1][2] = -0.0; // one changed element (and a sign-only change elsewhere would count too)
        IllegalStateException e = assertThrows(IllegalStateException.class, checked::rows);
        assertTrue(e.getMessage().contains("changed after they were made resident"), e.getMessage());
        unchecked.rows();
        rows[1][2] = 6;
        checked.rows(); // back to the same bits
        rows[0] = new double[] {1, 2, 3}; // a new row object with the same bits: still the same matrix
        checked.rows();
        rows[0][0] = -1;
        assertThrows(IllegalStateException.class,
            () -> ScalarKernels.INSTANCE.dots(checked, new double[3], new double[2]));
    }

    @Test
    void closedHandlesRefuseAndCloseIsIdempotent() {
        int[] released = {0};
        ResidentRows r = ResidentRows.withRelease(new double[][] {{1}}, () -> released[0]++);
        r.close();
        r.close();
        assertEquals(1, released[0]);
        assertTrue(r.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, r::rows);
        assertTrue(e.getMessage().contains("after close()"), e.getMessage());
    }

    @Test
    void raggedOrNullRowsAreRejectedWithTheirIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ResidentRows.onHost(new double[][] {{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("row 1 has length 1, expected 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ResidentRows.onHost(new double[][] {{1}, null}));
        assertTrue(e.getMessage().contains("row 1 is null"), e.getMessage());
        assertEquals(0, ResidentRows.onHost(new double[0][]).cols());
    }
}
