package dev.alignguard.math.kernels.opencl;

import dev.alignguard.math.kernels.Backends;

import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.VectorKernels;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ResidentRows;
import dev.alignguard.math.linalg.GramOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.JavaDevice;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.kernel.KernelManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke checks of the OpenCL backend against the scalar reference; the full agreement suite is in
 * the proofs module. These tests need an OpenCL device (PoCL on the CPU will do: CI installs it)
 * and fail, not skip, when there is none.
 */
class OpenClKernelsTest {

    /** Unit roundoff of float. */
    private static final double U = 0x1p-24;

    private static OpenClKernels cl;

    @BeforeAll
    static void open() {
        assertTrue(OpenClKernels.isAvailable(),
            () -> "the OpenCL backend's tests need an OpenCL device: " + OpenClKernels.unavailableReason());
        cl = new OpenClKernels();
    }

    @AfterAll
    static void close() {
        if (cl != null) {
            cl.close();
        }
    }

    @Test
    void reportsTheOpenClDeviceItRunsOn() {
        assertEquals("opencl", cl.name());
        assertTrue(cl.device().startsWith("opencl: "), cl.device());
        assertFalse(cl.device().contains("Java"), cl.device());
        // A kernel must actually have run on that device for the report to mean anything.
        float[] c = new float[1];
        cl.gemm(false, false, 1, 1, 1, 1f, new float[] {2f}, 0, 1, new float[] {3f}, 0, 1, 0f, c, 0, 1);
        assertEquals(6f, c[0]);
        System.out.println(Backends.describe(cl));
    }

    @Test
    void backendsCreatesIt() {
        Kernels k = Backends.create("opencl", 1);
        try {
            assertEquals("opencl", k.name());
            assertEquals(cl.device(), k.device());
        } finally {
            ((OpenClKernels) k).close();
        }
    }

    @Test
    void gemmAgreesWithScalarOnSeveralShapes() {
        checkGemmShapes(cl);
    }

    /** The device-type choice is made once and printed with the device (panels on PoCL's CPU device). */
    @Test
    void theProductsKernelIsChosenForTheDeviceAndReported() {
        assertTrue(cl.device().contains("; gemm: "), cl.device());
        boolean cpu = cl.device().contains(", CPU, ");
        assertEquals(cpu, cl.device().contains("register-blocked panels"), cl.device());
        assertEquals(1, OpenClKernels.panelGroupRows(16, 1), "never more than the device allows");
        assertTrue(OpenClKernels.panelGroupRows(2, 4096) >= 1);
    }

    /** The other product kernel (local-memory tiles on this CPU device, or panels on a GPU) agrees too. */
    @Test
    void theOtherGemmKernelAgreesWithScalarToo() {
        boolean panels = cl.device().contains("register-blocked panels");
        try (OpenClKernels other = new OpenClKernels(null, !panels)) {
            assertEquals(!panels, other.device().contains("register-blocked panels"), other.device());
            checkGemmShapes(other);
        }
    }

    private static void checkGemmShapes(Kernels kernels) {
        Random rnd = new Random(3);
        int[][] shapes = {{1, 1, 1}, {3, 7, 17}, {17, 3, 1}, {33, 17, 129}, {37, 45, 300}, {16, 16, 16}, {1, 129, 7},
            {8, 16, 5}, {9, 17, 64}};
        for (int[] s : shapes) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    checkGemm(kernels, rnd, ta, tb, s[0], s[1], s[2], 0.75f, 0f, 0);
                    checkGemm(kernels, rnd, ta, tb, s[0], s[1], s[2], -1.5f, 0.5f, 3);
                }
            }
        }
    }

    /**
     * The one-call attention kernels against the reference composition (scalar products and
     * softmax), forward and backward, with grouped kv heads and a missing dk. The inputs are O(1)
     * and every sum has at most max(seq, hd) <= 40 terms of O(1), so a few hundred float ulps of 1
     * bound the gap between the two (fused multiply-adds, the device's exp, the row sum in float),
     * as in FusedAttentionTest.
     */
    @Test
    void attentionAgreesWithTheScalarComposition() {
        Random rnd = new Random(11);
        int[][] shapes = {{1, 1, 1, 1, 1}, {2, 5, 2, 1, 3}, {3, 17, 4, 2, 8}, {2, 32, 4, 4, 32}, {1, 40, 3, 3, 5}};
        for (int[] s : shapes) {
            int b = s[0], t = s[1], h = s[2], kvh = s[3], hd = s[4];
            int rows = b * t;
            float scale = (float) (1.0 / Math.sqrt(hd));
            float[] q = uniform(rnd, rows * h * hd), k = uniform(rnd, rows * kvh * hd), v = uniform(rnd, rows * kvh * hd);
            float[] dOut = uniform(rnd, rows * h * hd);
            float[] out1 = uniform(rnd, rows * h * hd), out2 = new float[rows * h * hd];
            float[] p1 = uniform(rnd, b * h * t * t), p2 = new float[b * h * t * t];
            cl.causalAttention(b, t, h, kvh, hd, scale, q, k, v, out1, p1);
            Kernels.composedCausalAttention(ScalarKernels.INSTANCE, b, t, h, kvh, hd, scale, q, k, v, out2, p2);
            String what = Arrays.toString(s);
            assertArrayEquals(p2, p1, 1e-4f, "probs " + what);
            for (int i = 0; i < p2.length; i++) {
                if (p2[i] == 0f) {
                    assertEquals(0f, p1[i], "masked probability " + i + " " + what);
                }
            }
            assertArrayEquals(out2, out1, 1e-4f, "out " + what);
            float[] dq1 = uniform(rnd, q.length), dk1 = uniform(rnd, k.length), dv1 = uniform(rnd, v.length);
            float[] dq2 = dq1.clone(), dk2 = dk1.clone(), dv2 = dv1.clone();
            boolean withDk = t % 2 == 0;
            cl.causalAttentionBackward(b, t, h, kvh, hd, scale, q, k, v, p2, dOut, dq1, withDk ? dk1 : null, dv1);
            Kernels.composedCausalAttentionBackward(ScalarKernels.INSTANCE, b, t, h, kvh, hd, scale, q, k, v, p2, dOut,
                dq2, withDk ? dk2 : null, dv2);
            assertArrayEquals(dq2, dq1, 1e-4f, "dq " + what);
            assertArrayEquals(dk2, dk1, 1e-4f, "dk " + what);
            assertArrayEquals(dv2, dv1, 1e-4f, "dv " + what);
        }
    }

    private static float[] uniform(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = 2 * rnd.nextFloat() - 1;
        }
        return x;
    }

    @Test
    void betaZeroDoesNotReadC() {
        Random rnd = new Random(5);
        int m = 19, n = 21, k = 23;
        float[] a = gaussian(rnd, m * k);
        float[] b = gaussian(rnd, k * n);
        float[] c = new float[m * n];
        Arrays.fill(c, Float.NaN);
        float[] ref = c.clone();
        cl.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        ScalarKernels.INSTANCE.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, ref, 0, n);
        for (int i = 0; i < c.length; i++) {
            assertTrue(Float.isFinite(c[i]), "NaN leaked from C at " + i);
        }
        // k == 0 and alpha == 0 take the host path; beta == 0 must still write zeros unread.
        Arrays.fill(c, Float.NaN);
        cl.gemm(false, false, m, n, 0, 1f, a, 0, 0, b, 0, n, 0f, c, 0, n);
        for (float v : c) {
            assertEquals(0f, v);
        }
    }

    @Test
    void softmaxAgreesWithScalarWithAndWithoutTheCausalMask() {
        Random rnd = new Random(9);
        int[][] shapes = {{1, 1}, {3, 7}, {7, 7}, {5, 130}, {64, 64}, {2, 300}};
        for (int[] s : shapes) {
            for (boolean causal : new boolean[] {false, true}) {
                int rows = s[0], cols = s[1], ld = cols + 5, off = 2;
                float[] x = new float[off + rows * ld];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (3 * rnd.nextGaussian());
                }
                float[] ref = x.clone();
                cl.softmaxRows(rows, cols, x, off, ld, causal);
                ScalarKernels.INSTANCE.softmaxRows(rows, cols, ref, off, ld, causal);
                // Relative bound from the proofs module's error model: gamma(cols + 17) + gamma(cols + 3).
                double tol = gamma(cols + 17) + gamma(cols + 3);
                for (int i = 0; i < x.length; i++) {
                    boolean inSlice = i >= off && (i - off) % ld < cols;
                    if (!inSlice) {
                        assertEquals(ref[i], x[i], "outside the slice at " + i); // untouched
                        continue;
                    }
                    int r = (i - off) / ld, j = (i - off) % ld;
                    if (causal && j >= Kernels.causalLimit(r, rows, cols)) {
                        assertEquals(0f, x[i], "masked entry " + r + "," + j);
                    } else {
                        assertEquals(ref[i], x[i], tol * ref[i] / (1 - gamma(cols + 3)) + 0x1p-120,
                            "rows=" + rows + " cols=" + cols + " causal=" + causal + " at " + r + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void hostVectorOpsAreTheVectorBackends() {
        float[] x = {1f, 2f, 3f}, y = {4f, 5f, 6f};
        assertEquals(32f, cl.dot(3, x, 0, y, 0));
        assertEquals(14f, cl.sumOfSquares(3, x, 0));
        assertEquals(6f, cl.sum(3, x, 0));
    }

    @Test
    void aFallbackToJavaIsDetected() {
        OpenCLDevice expected = firstOpenClDevice();
        Kernel k = new DoubleKernel();
        try {
            LinkedHashSet<Device> javaOnly = new LinkedHashSet<>();
            javaOnly.add(JavaDevice.THREAD_POOL);
            KernelManager.instance().setPreferredDevices(k, javaOnly);
            k.execute(Range.create(4));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OpenClKernels.checkRanOn(k, expected, "opencl: the expected device"));
            assertTrue(e.getMessage().contains("the expected device"), e.getMessage());
            assertTrue(e.getMessage().contains("ran it in Java"), e.getMessage());
        } finally {
            k.dispose();
        }
    }

    /**
     * With OpenCL hidden from a child JVM (the ocl-icd loader reads its vendor list from
     * {@code OCL_ICD_VENDORS}), the backend must refuse to start, naming what is missing, instead of
     * letting Aparapi run the kernels in Java.
     */
    @Test
    void withoutAnOpenClDeviceItFailsLoudly(@TempDir Path emptyVendors) throws Exception {
        String out = runProbe(Map.of("OCL_ICD_VENDORS", emptyVendors.toString()), NoOpenClProbe.class);
        assumeFalse(out.contains("isAvailable=true"),
            "this machine's OpenCL loader ignores OCL_ICD_VENDORS, so OpenCL cannot be hidden here: " + out);
        assertTrue(out.contains("isAvailable=false"), out);
        assertTrue(out.contains("threw=OpenCL backend requested, but no OpenCL device was found"), out);
        assertTrue(out.contains("backends=threw"), out);
    }

    /**
     * Under {@code -Xcheck:jni} the JVM hands native code a copy of every pinned array, which to
     * Aparapi is an array the garbage collector moved. Results must not depend on that: with
     * Aparapi's shared-memory buffers on a CPU device, the self-test failed here every time.
     */
    @Test
    void resultsAreRightWhenTheCollectorMovesTheArrays() throws Exception {
        String out = runProbe(Map.of(), MovedArraysProbe.class, "-Xcheck:jni");
        assertTrue(out.contains("checked=48 mismatches=0"), out);
    }

    /**
     * Runs {@code probe} in a child JVM with this JVM's class path, extra environment and flags;
     * returns what it printed (after checking it exited normally).
     */
    private static String runProbe(Map<String, String> env, Class<?> probe, String... jvmFlags) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java,
            "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"));
        command.addAll(Arrays.asList(jvmFlags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), probe.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void anUnknownDeviceNameFailsLoudly() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> new OpenClKernels("no-such-device-anywhere"));
        assertTrue(e.getMessage().contains("no-such-device-anywhere"), e.getMessage());
    }

    @Test
    void aClosedBackendRefusesWork() {
        OpenClKernels k = new OpenClKernels();
        k.close();
        k.close();
        assertThrows(IllegalStateException.class,
            () -> k.gemm(false, false, 1, 1, 1, 1f, new float[1], 0, 1, new float[1], 0, 1, 0f, new float[1], 0, 1));
    }

    /**
     * A Lanczos-sized G (N = 64, D = 16,384) made resident once: the Fisher-vector products of a
     * {@link GramOperator} on OpenCL are the plain two-pass products on OpenCL, bit for bit, product
     * after product; and handles can be opened and closed many times, and outlive their backend.
     */
    @Test
    void residentRowsGiveThePlainDeviceProductsBitForBit() {
        Random rnd = new Random(17);
        int n = 64, d = 16_384;
        double[][] g = new double[n][d];
        for (double[] row : g) {
            for (int i = 0; i < d; i++) {
                row[i] = rnd.nextGaussian();
            }
        }
        try (GramOperator op = new GramOperator(g, cl)) {
            for (int product = 0; product < 4; product++) {
                double[] x = new double[d];
                for (int i = 0; i < d; i++) {
                    x[i] = rnd.nextGaussian();
                }
                double[] y = new double[d];
                op.apply(x, y);
                double[] c = new double[n];
                cl.dots(g, x, c);
                for (int i = 0; i < n; i++) {
                    c[i] /= n;
                }
                double[] plain = new double[d];
                cl.addCombination(g, c, plain);
                assertArrayEquals(plain, y, 0.0, "product " + product);
            }
        }
        for (int round = 0; round < 20; round++) {
            double[][] rows = {{round, 1, 2}, {3, 4, round}};
            try (ResidentRows r = cl.resident(rows)) {
                double[] out = new double[2];
                cl.dots(r, new double[] {1, 1, 1}, out);
                assertArrayEquals(new double[] {round + 3, round + 7}, out, 0.0);
            }
        }
        OpenClKernels own = new OpenClKernels();
        ResidentRows left = own.resident(new double[][] {{1, 2}});
        own.dots(left, new double[] {1, 1}, new double[1]);
        own.close();
        left.close(); // after the backend: nothing left to free, no crash
        assertThrows(IllegalStateException.class, () -> own.dots(left, new double[2], new double[1]));
    }

    /** The build runs these tests with every op on the device (the pom's opencl-test run), and the device line says so. */
    @Test
    void theseTestsRunEveryOpOnTheDevice() {
        assertEquals(0, cl.minDeviceFlops(), "-D" + OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY + "=0 must reach the OpenCL tests");
        assertTrue(cl.device().contains("; placement: every op on the device"), cl.device());
    }

    /**
     * Placement by size: with a threshold of 1 Mflop, the ops below it run on the host delegate (a
     * single-threaded vector backend, so exactly its bits), the ops at or above it on the device,
     * and the profile counts the two apart; the threshold is printed with the device.
     */
    @Test
    void opsBelowTheThresholdRunOnTheHostAndAreCounted() {
        Random rnd = new Random(23);
        Kernels host = new VectorKernels(1);
        try (OpenClKernels placed = new OpenClKernels(null, null, 1_000_000)) {
            assertEquals(1_000_000, placed.minDeviceFlops());
            assertTrue(placed.device().contains("; placement: ops under 1.0 Mflop on the host ("
                + OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY + ")"), placed.device());
            assertEquals(0, placed.profile().calls(), "the self-test ran on the device and was not counted");

            // 2 * 37 * 45 * 300 = 999,000 flops: the host, bit for bit the host backend's product.
            float[] a = gaussian(rnd, 37 * 300), b = gaussian(rnd, 300 * 45);
            float[] c = gaussian(rnd, 37 * 45), cHost = c.clone();
            placed.gemm(false, false, 37, 45, 300, 1.5f, a, 0, 300, b, 0, 45, 0.5f, c, 0, 45);
            host.gemm(false, false, 37, 45, 300, 1.5f, a, 0, 300, b, 0, 45, 0.5f, cHost, 0, 45);
            assertArrayEquals(cHost, c, 0f);
            assertEquals(0, placed.profile().calls());
            assertEquals(1, placed.profile().hostCalls());
            assertTrue(placed.profile().hostNanos() > 0);

            // 2 * 50 * 50 * 200 = 1,000,000 flops, exactly the threshold: the device, within the rounding bound.
            checkGemm(placed, rnd, false, true, 50, 50, 200, 1f, 0f, 1);
            assertEquals(1, placed.profile().calls());
            assertEquals(1, placed.profile().hostCalls());

            // Softmax (4 flops an element), attention (4 b h t^2 hd forward, twice that backward) and the basis products.
            float[] x = gaussian(rnd, 8 * 8), xHost = x.clone();
            placed.softmaxRows(8, 8, x, 0, 8, true);
            host.softmaxRows(8, 8, xHost, 0, 8, true);
            assertArrayEquals(xHost, x, 0f);
            int bt = 2, t = 5, h = 2, hd = 3;
            float[] q = gaussian(rnd, bt * t * h * hd), k = gaussian(rnd, bt * t * h * hd), v = gaussian(rnd, bt * t * h * hd);
            float[] out = new float[q.length], outHost = new float[q.length];
            float[] probs = new float[bt * h * t * t], probsHost = new float[probs.length];
            placed.causalAttention(bt, t, h, h, hd, 0.5f, q, k, v, out, probs);
            host.causalAttention(bt, t, h, h, hd, 0.5f, q, k, v, outHost, probsHost);
            assertArrayEquals(outHost, out, 0f);
            assertArrayEquals(probsHost, probs, 0f);
            float[] dq = new float[q.length], dqHost = new float[q.length];
            placed.causalAttentionBackward(bt, t, h, h, hd, 0.5f, q, k, v, probs, out, dq, null, null);
            host.causalAttentionBackward(bt, t, h, h, hd, 0.5f, q, k, v, probsHost, outHost, dqHost, null, null);
            assertArrayEquals(dqHost, dq, 0f);
            double[][] rows = {{1, 2, 3}, {4, 5, 6}};
            double[] dots = new double[2];
            placed.dots(rows, new double[] {1, 1, 1}, dots);
            assertArrayEquals(new double[] {6, 15}, dots, 0.0);
            try (ResidentRows r = placed.resident(rows)) {
                placed.dots(r, new double[] {1, 0, 1}, dots);
                assertArrayEquals(new double[] {4, 10}, dots, 0.0);
            }
            double[] g = new double[4];
            placed.gram(rows, g);
            assertArrayEquals(new double[] {14, 32, 32, 77}, g, 0.0);
            assertEquals(1, placed.profile().calls(), "none of these is worth a device call");
            assertEquals(7, placed.profile().hostCalls());
            assertTrue(placed.profile().describe().startsWith("1 device calls, 7 host-placed calls ("), placed.profile().describe());
            placed.resetProfile();
            assertEquals(0, placed.profile().hostCalls());
        }
    }

    /** The threshold's system property: unset gives the default, a bad value is refused with its name. */
    @Test
    void theThresholdPropertyIsReadAndCheckedWithItsName() {
        String key = OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY;
        String saved = System.getProperty(key);
        try {
            System.clearProperty(key);
            assertEquals(OpenClKernels.DEFAULT_MIN_DEVICE_FLOPS, OpenClKernels.minDeviceFlopsFromProperty());
            System.setProperty(key, "4_000_000");
            assertEquals(4_000_000L, OpenClKernels.minDeviceFlopsFromProperty());
            for (String bad : new String[] {"-1", "lots", "1e6"}) {
                System.setProperty(key, bad);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, OpenClKernels::minDeviceFlopsFromProperty);
                assertTrue(e.getMessage().contains("-D" + key + "=" + bad) && e.getMessage().contains("non-negative integer"),
                    e.getMessage());
            }
        } finally {
            if (saved == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, saved);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new OpenClKernels(null, null, -1));
    }

    // ---------------------------------------------------------------- helpers

    private static OpenCLDevice firstOpenClDevice() {
        for (Device.TYPE t : new Device.TYPE[] {Device.TYPE.GPU, Device.TYPE.ACC, Device.TYPE.CPU}) {
            if (!OpenCLDevice.listDevices(t).isEmpty()) {
                return OpenCLDevice.listDevices(t).getFirst();
            }
        }
        throw new IllegalStateException("no OpenCL device");
    }

    /**
     * One gemm on slices with an offset and leading dimensions larger than the widths, checked
     * element-wise against the scalar reference within 2 gamma(k+2) (|alpha| sum|a||b| + |beta||c|).
     */
    private static void checkGemm(Kernels cl, Random rnd, boolean ta, boolean tb, int m, int n, int k,
                                  float alpha, float beta, int pad) {
        int aRows = ta ? k : m, aCols = ta ? m : k, lda = aCols + pad;
        int bRows = tb ? n : k, bCols = tb ? k : n, ldb = bCols + pad;
        int ldc = n + pad, off = pad + 1;
        float[] a = gaussian(rnd, off + aRows * lda);
        float[] b = gaussian(rnd, off + bRows * ldb);
        float[] c = gaussian(rnd, off + m * ldc);
        float[] ref = c.clone();
        float[] c0 = c.clone();
        cl.gemm(ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, c, off, ldc);
        ScalarKernels.INSTANCE.gemm(ta, tb, m, n, k, alpha, a, off, lda, b, off, ldb, beta, ref, off, ldc);
        for (int i = 0; i < c.length; i++) {
            int rel = i - off;
            if (rel < 0 || rel % ldc >= n || rel / ldc >= m) {
                assertEquals(c0[i], c[i], "gemm wrote outside C at " + i);
                continue;
            }
            int r = rel / ldc, col = rel % ldc;
            double mag = 0;
            for (int p = 0; p < k; p++) {
                double aip = ta ? a[off + p * lda + r] : a[off + r * lda + p];
                double bpj = tb ? b[off + col * ldb + p] : b[off + p * ldb + col];
                mag += Math.abs(aip * bpj);
            }
            double bound = 2 * gamma(k + 2) * (Math.abs(alpha) * mag + Math.abs(beta) * Math.abs(c0[i]));
            assertEquals(ref[i], c[i], bound,
                "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb + " at " + r + "," + col);
        }
    }

    private static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}

/** A trivial kernel for the fallback check (top level: Aparapi warns about nested classes). */
final class DoubleKernel extends Kernel {
    final float[] v = new float[4];

    @Override
    public void run() {
        v[getGlobalId()] = 2f * v[getGlobalId()];
    }
}
