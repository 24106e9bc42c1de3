package dev.alignguard.math.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EigenPairsTest {

    @Test
    void constructorNormalisesAndMakesTheLargestComponentPositive() {
        EigenPairs p = new EigenPairs(3, new double[] {2, 1}, new double[][] {{0, -3, 4}, {-2, 0, 0}}, 5);
        assertArrayEquals(new double[] {0, -0.6, 0.8}, p.vector(0), 1e-15);
        assertArrayEquals(new double[] {1, 0, 0}, p.vector(1), 1e-15);
        assertEquals(0.6, p.capturedTraceFraction(), 1e-15);
    }

    @Test
    void exactTiesInMagnitudePickTheFirstComponent() {
        EigenPairs p = new EigenPairs(2, new double[] {1}, new double[][] {{-1, 1}}, Double.NaN);
        assertTrue(p.vector(0)[0] > 0);
        assertTrue(Double.isNaN(p.capturedTraceFraction()));
    }

    @Test
    void ofSortsDescending() {
        EigenPairs p = EigenPairs.of(2, new double[] {1, 3}, new double[][] {{1, 0}, {0, 1}}, 4);
        assertArrayEquals(new double[] {3, 1}, p.values());
        assertArrayEquals(new double[] {0, 1}, p.vector(0));
        assertEquals(1, p.top(1).count());
        assertEquals(2, p.top(5).count());
    }

    @Test
    void rejectsBadInput() {
        var e = assertThrows(IllegalArgumentException.class,
            () -> new EigenPairs(2, new double[] {1, 3}, new double[][] {{1, 0}, {0, 1}}, 4));
        assertTrue(e.getMessage().contains("descending"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EigenPairs(2, new double[] {1}, new double[][] {{1, 0, 0}}, 1));
        assertThrows(IllegalArgumentException.class, () -> new EigenPairs(2, new double[] {1}, new double[][] {{0, 0}}, 1));
        assertThrows(IllegalArgumentException.class, () -> new EigenPairs(2, new double[] {1, 0}, new double[][] {{1, 0}}, 1));
        assertThrows(IllegalArgumentException.class, () -> new EigenPairs(2, new double[] {Double.NaN}, new double[][] {{1, 0}}, 1));
    }

    @Test
    void isImmutable() {
        double[][] u = {{1, 0}};
        double[] v = {1};
        EigenPairs p = new EigenPairs(2, v, u, 1);
        u[0][0] = 7;
        v[0] = 7;
        p.vectors()[0][0] = 9;
        p.values()[0] = 9;
        assertEquals(1, p.value(0));
        assertArrayEquals(new double[] {1, 0}, p.vector(0));
        assertEquals(p, new EigenPairs(2, new double[] {1}, new double[][] {{1, 0}}, 1));
    }
}
