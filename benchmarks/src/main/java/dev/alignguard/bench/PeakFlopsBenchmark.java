package dev.alignguard.bench;

import java.util.concurrent.TimeUnit;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's measured single-precision FMA peak: each JMH thread (default: one per core) runs
 * {@link #CHAINS} independent FMA dependency chains on {@code SPECIES_PREFERRED} vectors, enough to
 * cover the FMA latency on every FMA pipe, so the loop is bound by FMA throughput alone (the 14 live
 * vectors fit in the register file: no loads or stores in the loop).
 *
 * <p>Score: operations per second summed over the threads; one operation is {@link #FLOPS_PER_OP}
 * flops ({@code x = x * a + b} counts 2 flops per lane), so GFLOP/s = score * FLOPS_PER_OP / 1e9.
 * Each chain converges to {@code b / (1 - a) = 1}: no overflow, no denormals.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(Threads.MAX)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss8m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PeakFlopsBenchmark {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulators: 12 covers 4-cycle latency x 2 FMA pipes with room to spare. */
    public static final int CHAINS = 12;
    /** FMA steps per chain per operation. */
    public static final int STEPS = 4096;
    /** Flops in one benchmark operation. */
    public static final long FLOPS_PER_OP = 2L * CHAINS * STEPS * S.length();

    private float a;
    private float b;
    private float[] start;

    @Setup
    public void setup() {
        a = 1f - 1e-6f;
        b = 1e-6f;
        start = new float[CHAINS * S.length()];
        for (int i = 0; i < start.length; i++) {
            start[i] = 0.5f + i * 1e-3f;
        }
    }

    @Benchmark
    public float fma() {
        FloatVector va = FloatVector.broadcast(S, a), vb = FloatVector.broadcast(S, b);
        int l = S.length();
        FloatVector x0 = FloatVector.fromArray(S, start, 0), x1 = FloatVector.fromArray(S, start, l);
        FloatVector x2 = FloatVector.fromArray(S, start, 2 * l), x3 = FloatVector.fromArray(S, start, 3 * l);
        FloatVector x4 = FloatVector.fromArray(S, start, 4 * l), x5 = FloatVector.fromArray(S, start, 5 * l);
        FloatVector x6 = FloatVector.fromArray(S, start, 6 * l), x7 = FloatVector.fromArray(S, start, 7 * l);
        FloatVector x8 = FloatVector.fromArray(S, start, 8 * l), x9 = FloatVector.fromArray(S, start, 9 * l);
        FloatVector x10 = FloatVector.fromArray(S, start, 10 * l), x11 = FloatVector.fromArray(S, start, 11 * l);
        for (int i = 0; i < STEPS; i++) {
            x0 = x0.fma(va, vb);
            x1 = x1.fma(va, vb);
            x2 = x2.fma(va, vb);
            x3 = x3.fma(va, vb);
            x4 = x4.fma(va, vb);
            x5 = x5.fma(va, vb);
            x6 = x6.fma(va, vb);
            x7 = x7.fma(va, vb);
            x8 = x8.fma(va, vb);
            x9 = x9.fma(va, vb);
            x10 = x10.fma(va, vb);
            x11 = x11.fma(va, vb);
        }
        FloatVector s = x0.add(x1).add(x2).add(x3).add(x4).add(x5).add(x6).add(x7).add(x8).add(x9).add(x10).add(x11);
        return s.reduceLanes(VectorOperators.ADD);
    }
}
