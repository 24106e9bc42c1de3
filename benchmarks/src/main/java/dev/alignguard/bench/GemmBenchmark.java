package dev.alignguard.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Square single-precision matrix product {@code C = A * B} ({@code n x n}, row-major, no transposes,
 * alpha 1, beta 0) on each kernel backend and on EJML, the outside reference.
 *
 * <p>Score: average time per product; {@link GemmReport} turns it into GFLOP/s ({@code 2 n^3} flops
 * per product). The JMH thread is single; the {@code vector} backend and {@code ejml-mt} use their
 * own worker threads ({@link #threads}, default all cores), {@code scalar} and {@code ejml} one core.
 *
 * <p>Backends: every name that is not an EJML one goes to {@link Backends#create(String, int)}, so a
 * new kernel backend (e.g. {@code opencl}) is benchmarked by adding its name to {@link #backend}.
 * The fork runs with {@code -Dalignguard.opencl.minDeviceFlops=0}, so {@code opencl} times its device
 * kernel at every size (by default it would run the products under its threshold on the host).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-Xss8m", "-Xms2g", "-Xmx2g", "-Dalignguard.opencl.minDeviceFlops=0"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class GemmBenchmark {

    /** Scalar products above this size are refused (they take seconds each and say nothing new). */
    public static final int SCALAR_MAX_N = 512;

    @Param({"64", "128", "256", "512", "1024"})
    public int n;

    /** Kernel backends by {@link Backends} name, plus {@code ejml} (CommonOps_FDRM) and {@code ejml-mt}. */
    @Param({"scalar", "vector", "ejml", "ejml-mt"})
    public String backend;

    /** Worker threads for the backends that have them; 0 means one per available core. */
    @Param("0")
    public int threads;

    private Runnable product;

    @Setup
    public void setup() {
        if (backend.equals("scalar") && n > SCALAR_MAX_N) {
            throw new IllegalStateException("skipped: scalar is only benchmarked up to n = " + SCALAR_MAX_N
                + " (run with -p n=... to choose sizes)");
        }
        int t = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Random rnd = new Random(42);
        float[] a = random(rnd, n * n), b = random(rnd, n * n), c = new float[n * n];
        product = switch (backend) {
            case "ejml" -> ejml(a, b, c, false);
            case "ejml-mt" -> ejml(a, b, c, true);
            default -> {
                Kernels k = Backends.create(backend, t);
                prime(k);
                yield () -> k.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
            }
        };
        product.run();
        check(a, b, c, n, backend);
    }

    @Benchmark
    public void gemm() {
        product.run();
    }

    /**
     * Gets the kernel's hot loops compiled before JMH's warm-up starts. The Vector API is thousands of
     * times slower in the interpreter than in C2 code, so at n = 64 a product makes so little progress
     * per call that the time-based warm-up can end before C2 has compiled the micro-kernel; a few
     * deeper products (long kernel loops, so the loop counters trip quickly) fix that. JMH's own
     * warm-up iterations still follow.
     */
    private static void prime(Kernels k) {
        int s = 192;
        Random rnd = new Random(3);
        float[] a = random(rnd, s * s), b = random(rnd, s * s), c = new float[s * s];
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int i = 0; i < 200 && System.nanoTime() < deadline; i++) {
            k.gemm(false, false, s, s, s, 1f, a, 0, s, b, 0, s, 0f, c, 0, s);
            k.gemm(false, false, 48, 48, 48, 1f, a, 0, s, b, 0, s, 0f, c, 0, s);
        }
    }

    /** EJML on FMatrixRMaj views whose data arrays are ours, so {@link #check} sees the result. */
    private Runnable ejml(float[] a, float[] b, float[] c, boolean concurrent) {
        FMatrixRMaj ma = FMatrixRMaj.wrap(n, n, a), mb = FMatrixRMaj.wrap(n, n, b), mc = FMatrixRMaj.wrap(n, n, c);
        return concurrent ? () -> CommonOps_MT_FDRM.mult(ma, mb, mc) : () -> CommonOps_FDRM.mult(ma, mb, mc);
    }

    /** Spot-checks a few entries against a double-precision dot product: never time a broken kernel. */
    static void check(float[] a, float[] b, float[] c, int n, String backend) {
        Random rnd = new Random(1);
        for (int s = 0; s < 64; s++) {
            int i = rnd.nextInt(n), j = rnd.nextInt(n);
            double want = 0;
            for (int p = 0; p < n; p++) {
                want += (double) a[i * n + p] * b[p * n + j];
            }
            if (Math.abs(c[i * n + j] - want) > 1e-3 * Math.sqrt(n) + 1e-4 * Math.abs(want)) {
                throw new IllegalStateException(backend + " gemm is wrong at n=" + n + " (" + i + "," + j + "): "
                    + c[i * n + j] + " != " + want);
            }
        }
    }

    static float[] random(Random rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
