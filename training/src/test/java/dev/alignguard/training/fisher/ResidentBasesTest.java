package dev.alignguard.training.fisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ResidentRows;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;

import org.junit.jupiter.api.Test;

class ResidentBasesTest {

    /** A 2 x 2 layer's subspace on the first {@code m} unit directions, exact. */
    private static LayerSubspace subspace(String layer, int m) {
        double[][] basis = new double[m][4];
        for (int k = 0; k < m; k++) {
            basis[k][k] = 1;
        }
        return new LayerSubspace(layer, 2, 2, null, basis, new double[m], ones(m), 1, Double.NaN);
    }

    private static double[] ones(int m) {
        double[] c = new double[m];
        java.util.Arrays.fill(c, 1);
        return c;
    }

    @Test
    void oneHandlePerBasisAndBackendFreedWhenTheSubspaceGoes() {
        LayerSubspace a = subspace("a", 2);
        LayerSubspace b = subspace("b", 3);
        Kernels vector = new VectorKernels(1);
        try (ResidentBases bases = new ResidentBases()) {
            ResidentRows ra = bases.of(ScalarKernels.INSTANCE, a);
            assertSame(ra, bases.of(ScalarKernels.INSTANCE, a));
            ResidentRows rb = bases.of(ScalarKernels.INSTANCE, b);
            ResidentRows ra2 = bases.of(vector, a);
            assertEquals(3, bases.size());
            bases.retainOnly(List.of(a));
            assertTrue(rb.isClosed());
            assertFalse(ra.isClosed());
            assertFalse(ra2.isClosed());
            assertEquals(2, bases.size());
            double[] x = {1, 2, 3, 4};
            assertArrayEquals(a.coordinates(x), a.coordinates(ScalarKernels.INSTANCE, ra, x), 0.0);
            assertArrayEquals(a.combine(new double[] {5, 6}), a.combine(vector, ra2, new double[] {5, 6}), 0.0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.coordinates(ScalarKernels.INSTANCE, ra, new double[4]));
            assertTrue(e.getMessage().contains("not this subspace's basis"), e.getMessage());
            bases.close();
            assertTrue(ra.isClosed() && ra2.isClosed());
            assertEquals(0, bases.size());
        }
    }
}
