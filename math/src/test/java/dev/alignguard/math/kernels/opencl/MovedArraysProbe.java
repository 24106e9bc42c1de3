package dev.alignguard.math.kernels.opencl;

import dev.alignguard.math.kernels.ScalarKernels;

import java.util.Random;

/**
 * Run in a child JVM by {@link OpenClKernelsTest} under {@code -Xcheck:jni}, where every array
 * handed to native code is a copy, as if the garbage collector had moved it between two calls:
 * the OpenCL backend must still return the right answers. Prints {@code checked=N mismatches=M}
 * (and the first mismatch), or the exception that stopped it.
 */
final class MovedArraysProbe {

    private MovedArraysProbe() {
    }

    public static void main(String[] args) {
        Random rnd = new Random(7);
        int checked = 0;
        int mismatches = 0;
        String first = "";
        try (OpenClKernels cl = new OpenClKernels()) {
            for (int trial = 0; trial < 24; trial++) {
                boolean ta = (trial & 1) != 0;
                boolean tb = (trial & 2) != 0;
                float beta = (trial & 4) != 0 ? 0.5f : 0f;
                int m = 1 + rnd.nextInt(40);
                int n = 1 + rnd.nextInt(40);
                int k = 1 + rnd.nextInt(40);
                // Small integers (and halves): every product and partial sum is exact in float, so
                // any correct device gives the reference's answer bit for bit.
                float[] a = integers(rnd, m * k);
                float[] b = integers(rnd, k * n);
                float[] c = integers(rnd, m * n);
                float[] expected = c.clone();
                ScalarKernels.INSTANCE.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n,
                    beta, expected, 0, n);
                cl.gemm(ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
                checked++;
                if (!java.util.Arrays.equals(expected, c)) {
                    mismatches++;
                    if (first.isEmpty()) {
                        first = " first: gemm ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k;
                    }
                }
                float[] x = integers(rnd, m * n);
                float[] want = x.clone();
                boolean causal = n >= m; // the causal mask needs at least as many keys as queries
                ScalarKernels.INSTANCE.softmaxRows(m, n, want, 0, n, causal);
                cl.softmaxRows(m, n, x, 0, n, causal);
                checked++;
                for (int i = 0; i < x.length; i++) {
                    if (!(Math.abs(x[i] - want[i]) <= 1e-5f)) {
                        mismatches++;
                        if (first.isEmpty()) {
                            first = " first: softmax " + m + "x" + n + " at " + i + ": " + x[i] + " vs " + want[i];
                        }
                        break;
                    }
                }
            }
            System.out.println("checked=" + checked + " mismatches=" + mismatches + first);
        } catch (RuntimeException e) {
            System.out.println("threw=" + e);
            e.printStackTrace(System.out);
        }
    }

    private static float[] integers(Random rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = rnd.nextInt(9) - 4;
        }
        return x;
    }
}
