package dev.alignguard.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
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
 * The narrow products of one LoRA adapter's training step at the reference size (N = 1024 rows,
 * in = out = 128, r = 8), on a kernel backend and on EJML (the outside reference, one core):
 * <pre>
 *   xAt    x A^T                   [N x in] [in x r]    -> [N x r]    (forward)
 *   dxa    d(xA^T) += d(y) B        [N x out] [out x r]  -> [N x r]    (beta 1)
 *   dB     dB += d(y)^T (xA^T)      [out x N] [N x r]    -> [out x r]  (beta 1)
 *   dA     dA += d(xA^T)^T x        [r x N] [N x in]     -> [r x in]   (beta 1)
 * </pre>
 * Score: average time per product. {@code ./bench jmh LoraProductsBenchmark} runs every pair.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "-Xss8m", "-Xmx1g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class LoraProductsBenchmark {

    private static final int N = 1024, IN = 128, OUT = 128, R = 8;

    @Param({"xAt", "dxa", "dB", "dA"})
    public String product;

    /** A kernel backend by {@link Backends} name, or {@code ejml} (CommonOps_FDRM). */
    @Param({"vector", "ejml"})
    public String backend;

    /** Worker threads for the backends that have them; 0 means one per available core. */
    @Param("0")
    public int threads;

    private Runnable run;

    @Setup
    public void setup() {
        Random rnd = new Random(42);
        float[] x = GemmBenchmark.random(rnd, N * IN), a = GemmBenchmark.random(rnd, R * IN);
        float[] dy = GemmBenchmark.random(rnd, N * OUT), b = GemmBenchmark.random(rnd, OUT * R);
        float[] xa = GemmBenchmark.random(rnd, N * R), dxa = GemmBenchmark.random(rnd, N * R);
        float[] cNr = new float[N * R], cOutR = new float[OUT * R], cRIn = new float[R * IN];
        if (backend.equals("ejml")) {
            FMatrixRMaj mx = FMatrixRMaj.wrap(N, IN, x), ma = FMatrixRMaj.wrap(R, IN, a);
            FMatrixRMaj mdy = FMatrixRMaj.wrap(N, OUT, dy), mb = FMatrixRMaj.wrap(OUT, R, b);
            FMatrixRMaj mxa = FMatrixRMaj.wrap(N, R, xa), mdxa = FMatrixRMaj.wrap(N, R, dxa);
            FMatrixRMaj nr = FMatrixRMaj.wrap(N, R, cNr), outR = FMatrixRMaj.wrap(OUT, R, cOutR);
            FMatrixRMaj rIn = FMatrixRMaj.wrap(R, IN, cRIn);
            run = switch (product) {
                case "xAt" -> () -> CommonOps_FDRM.multTransB(mx, ma, nr);
                case "dxa" -> () -> CommonOps_FDRM.multAdd(mdy, mb, nr);
                case "dB" -> () -> CommonOps_FDRM.multAddTransA(mdy, mxa, outR);
                case "dA" -> () -> CommonOps_FDRM.multAddTransA(mdxa, mx, rIn);
                default -> throw new IllegalArgumentException("unknown product " + product);
            };
        } else {
            Kernels k = Backends.create(backend, threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            run = switch (product) {
                case "xAt" -> () -> k.gemm(false, true, N, R, IN, 1f, x, 0, IN, a, 0, IN, 0f, cNr, 0, R);
                case "dxa" -> () -> k.gemm(false, false, N, R, OUT, 1f, dy, 0, OUT, b, 0, R, 1f, cNr, 0, R);
                case "dB" -> () -> k.gemm(true, false, OUT, R, N, 1f, dy, 0, OUT, xa, 0, R, 1f, cOutR, 0, R);
                case "dA" -> () -> k.gemm(true, false, R, IN, N, 1f, dxa, 0, R, x, 0, IN, 1f, cRIn, 0, IN);
                default -> throw new IllegalArgumentException("unknown product " + product);
            };
        }
        run.run();
    }

    @Benchmark
    public void product() {
        run.run();
    }
}
