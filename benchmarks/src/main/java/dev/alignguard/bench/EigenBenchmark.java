package dev.alignguard.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.ejml.data.DMatrixRMaj;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.linalg.GramOperator;
import dev.alignguard.math.linalg.Lanczos;
import dev.alignguard.math.linalg.SymmetricEigen;

/**
 * Top-m (m = 32) eigenpairs of a Gram-form Fisher {@code F = G G^T / N} with N = 256 per-example
 * vectors of dimension D: the Gram trick (an N x N eigenproblem, O(N^2 D)), matrix-free Lanczos on
 * Fisher-vector products (O(k N D) for k Krylov steps), and EJML's dense symmetric decomposition of
 * the D x D matrix (O(D^3), only where it fits: D = 4096 is already 128 MiB and tens of seconds).
 * Single-shot timing: each invocation solves one problem from scratch.
 *
 * <p>The per-example vectors are low-rank-plus-noise (a shared 48-dimensional signal, as alignment
 * gradients share a refusal direction), so the spectrum has a clear top and Lanczos converges.
 *
 * <p>Run: {@code ./bench jmh EigenBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class EigenBenchmark {

    static final int N = 256;
    static final int M = 32;
    static final int DENSE_MAX_D = 4096;

    @Param({"4096", "16384", "65536"})
    public int d;

    @Param({"gram", "lanczos", "dense"})
    public String method;

    private double[][] g; // N x D: g[i] is the i-th per-example vector
    private DMatrixRMaj dense;

    @Setup(Level.Trial)
    public void setUp() {
        if (method.equals("dense") && d > DENSE_MAX_D) {
            throw new IllegalStateException("dense EJML eig is not run above D = " + DENSE_MAX_D
                + " (a D x D double matrix of " + (8L * d * d >> 20) + " MiB and O(D^3) time)");
        }
        Random rnd = new Random(42);
        int signal = 48;
        double[][] basis = new double[signal][d];
        for (double[] b : basis) {
            for (int j = 0; j < d; j++) {
                b[j] = rnd.nextGaussian();
            }
        }
        g = new double[N][d];
        for (int i = 0; i < N; i++) {
            for (int s = 0; s < signal; s++) {
                double c = rnd.nextGaussian() * Math.pow(0.9, s);
                for (int j = 0; j < d; j++) {
                    g[i][j] += c * basis[s][j];
                }
            }
            for (int j = 0; j < d; j++) {
                g[i][j] += 0.01 * rnd.nextGaussian();
            }
        }
        if (method.equals("dense")) {
            dense = new DMatrixRMaj(d, d);
            for (double[] gi : g) {
                for (int a = 0; a < d; a++) {
                    double ga = gi[a] / N;
                    if (ga == 0) {
                        continue;
                    }
                    int row = a * d;
                    for (int b = 0; b < d; b++) {
                        dense.data[row + b] += ga * gi[b];
                    }
                }
            }
        }
    }

    @Benchmark
    public EigenPairs topEigenpairs() {
        return switch (method) {
            case "gram" -> GramEigen.top(g, M);
            case "lanczos" -> Lanczos.top(new GramOperator(g), M).pairs();
            case "dense" -> SymmetricEigen.top(dense, M);
            default -> throw new IllegalArgumentException("unknown method " + method);
        };
    }
}
