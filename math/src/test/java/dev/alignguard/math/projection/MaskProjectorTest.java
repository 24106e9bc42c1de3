package dev.alignguard.math.projection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MaskProjectorTest {

    @Test
    void keepsTheLargestDiagonalEntries() {
        MaskProjector p = MaskProjector.fromDiagonal(new double[] {1, 5, 0, 4}, SelectionRule.energy(0.9));
        assertArrayEquals(new int[] {1, 3}, p.keptCoordinates());
        assertArrayEquals(new double[] {5, 4}, p.keptEigenvalues());
        assertEquals(0.9, p.capturedTraceFraction(), 1e-15);
        assertArrayEquals(new double[] {0, 2, 0, 4}, p.apply(new double[] {1, 2, 3, 4}));
        assertArrayEquals(new double[] {1, 0, 3, 0}, p.complement(new double[] {1, 2, 3, 4}));
    }

    @Test
    void validates() {
        assertThrows(IllegalArgumentException.class, () -> MaskProjector.of(3, 3));
        assertThrows(IllegalArgumentException.class, () -> MaskProjector.of(3, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> MaskProjector.fromDiagonal(new double[] {1, -1}, SelectionRule.rank(1)));
        assertEquals(2, MaskProjector.of(3, 0, 2).rank());
    }
}
