package dev.alignguard.math.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link NativePanelGemm} on its own: a kernel source that does not compile fails with the source's
 * name, the device and the compiler's log; a product on packed panels gives exactly representable
 * answers (with and without beta); a closed instance refuses work. Its agreement with the scalar
 * reference over many shapes is {@link OpenClKernelsTest}'s (every CPU-device product runs here).
 */
class NativePanelGemmTest {

    private static OpenCLDevice device;

    @BeforeAll
    static void findDevice() {
        assertTrue(OpenClKernels.isAvailable(),
            () -> "the OpenCL backend's tests need an OpenCL device: " + OpenClKernels.unavailableReason());
        List<OpenCLDevice> cpus = OpenCLDevice.listDevices(Device.TYPE.CPU);
        device = cpus.isEmpty() ? OpenCLDevice.listDevices(null).get(0) : cpus.get(0);
    }

    @Test
    void aSourceThatDoesNotCompileFailsWithTheCompilersLog() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new NativePanelGemm(
            device.getDeviceId(), "the test device", "__kernel void panel_gemm(__global float *a) { a[0] = b; }",
            "broken.cl"));
        assertTrue(e.getMessage().startsWith("broken.cl did not build for the test device"), e.getMessage());
        String log = e.getMessage().substring(e.getMessage().indexOf("): ") + 3);
        assertTrue(!log.isBlank() && !log.startsWith("(no build log"), () -> "no compiler log in: " + e.getMessage());
    }

    @Test
    void multipliesPackedPanelsExactly() {
        try (NativePanelGemm gemm = new NativePanelGemm(device.getDeviceId(), "the test device")) {
            int rows = NativePanelGemm.ROWS, cols = NativePanelGemm.COLS, k = 3;
            // A: rows x k with A(i, p) = i + p, packed k x ROWS; B: k x cols with B(p, j) = p - j, packed k x COLS.
            float[] a = new float[rows * k];
            float[] b = new float[cols * k];
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < rows; i++) {
                    a[p * rows + i] = i + p;
                }
                for (int j = 0; j < cols; j++) {
                    b[p * cols + j] = p - j;
                }
            }
            float[] expected = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    float s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (i + p) * (p - j);
                    }
                    expected[i * cols + j] = 2f * s;
                }
            }
            float[] c = new float[rows * cols];
            java.util.Arrays.fill(c, Float.NaN); // beta == 0: C is only written
            gemm.multiply(a, b, c, rows, cols, k, 2f, 0f, 1);
            assertArrayEquals(expected, c);
            float[] twice = new float[rows * cols];
            for (int i = 0; i < twice.length; i++) {
                twice[i] = expected[i] + 0.5f * expected[i];
            }
            gemm.multiply(a, b, c, rows, cols, k, 2f, 0.5f, 1); // C = 2 A B + 0.5 C
            assertArrayEquals(twice, c);
        }
    }

    @Test
    void aClosedInstanceRefusesWork() {
        NativePanelGemm gemm = new NativePanelGemm(device.getDeviceId(), "the test device");
        gemm.close();
        gemm.close(); // idempotent
        float[] x = new float[NativePanelGemm.ROWS * NativePanelGemm.COLS];
        assertThrows(IllegalStateException.class, () -> gemm.multiply(x, x, x, NativePanelGemm.ROWS,
            NativePanelGemm.COLS, 1, 1f, 0f, 1));
    }
}
