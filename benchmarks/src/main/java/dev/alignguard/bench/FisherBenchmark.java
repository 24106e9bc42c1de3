package dev.alignguard.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.linalg.Lanczos;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.DiagonalEstimator;
import dev.alignguard.training.fisher.ExactGramEstimator;
import dev.alignguard.training.fisher.KfacEstimator;
import dev.alignguard.training.fisher.KfacFactors;
import dev.alignguard.training.fisher.LanczosEstimator;
import dev.alignguard.training.fisher.LayerEstimate;
import dev.alignguard.training.fisher.PerExampleGradients;

/**
 * Wall-clock timings of the Fisher estimators, reported (not asserted) as Markdown tables.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -Xmx8g -cp ... dev.alignguard.bench.FisherBenchmark [budgetSeconds [backend]]
 * </pre>
 * Two parts:
 * <ol>
 *   <li><b>Per-example passes</b> on the reference model ({@link LlamaConfig#reference()}, hidden 128,
 *       4 layers, vocab 256): one forward and backward per alignment example (prompt 8 + response 8
 *       tokens), collecting layer 0's q_proj gradient (128 x 128), with and without the K-FAC row
 *       capture. This cost is shared by every estimator and grows linearly in N.</li>
 *   <li><b>Per-layer solve</b>: what each estimator does with that data, for one layer, rank rule m = 16:
 *       exact (Gram matrix + eig + lift), Lanczos (Fisher-vector products), K-FAC (factor
 *       accumulation from the captured rows + two factor eigs + basis), diagonal (squares + sort).
 *       D = 128 x 128 uses the model's real gradients and rows; D = 512 x 512 (a 4x wider layer, too
 *       slow to run the model for) uses synthetic ones built the same way, g_i = sum_t delta_t a_t^T
 *       over T = 15 positions of Gaussian rows.</li>
 * </ol>
 * The exact and Lanczos solves run their Gram matrix and Fisher-vector products on the chosen
 * backend's kernels ({@code Kernels.gram}, {@code dots}, {@code addCombination}: on the device for
 * {@code opencl}, where the thread's CPU time misses the device's work: read the wall time there).
 * Each cell is one timed run after a small warm-up, given as CPU seconds (wall seconds): the solves
 * run on one thread, so their thread CPU time stays meaningful on a busy machine where wall time
 * does not; the passes report the process CPU time (kernel pool, JIT, GC included). A cell is
 * skipped once the same estimator took longer than the budget (default 20 CPU s) at a smaller N.
 */
public final class FisherBenchmark {

    private static final int[] NS = {64, 128, 256};
    private static final int RANK = 16;
    private static final int PROMPT = 8;
    private static final int RESPONSE = 8;
    private static final int TOKENS = PROMPT + RESPONSE - 1;

    private FisherBenchmark() {
    }

    public static void main(String[] args) {
        double budget = args.length > 0 ? Double.parseDouble(args[0]) : 20;
        String backend = args.length > 1 ? args[1] : "vector";
        Kernels kernels = Backends.create(backend, Runtime.getRuntime().availableProcessors());
        System.out.println("# Fisher estimator timings");
        System.out.println();
        System.out.println(Backends.describe(kernels) + "; " + Runtime.getRuntime().availableProcessors()
            + " cores; rank rule m = " + RANK + "; budget " + budget + " s per cell");
        System.out.println();

        LlamaModel model = LlamaModel.initialize(LlamaConfig.reference(), 7);
        String layer = "model.layers.0.self_attn.q_proj";
        List<Sequence> all = sequences(NS[NS.length - 1], LlamaConfig.reference().vocabSize(), 11);
        warmUp(model, kernels, layer, all.subList(0, 64));    // the Vector API kernels need C2: ~10 s of warm-up

        System.out.println("## Per-example passes (reference model, one targeted 128 x 128 layer)");
        System.out.println();
        System.out.println("| N | gradients: CPU s (wall s) | gradients + K-FAC rows: CPU s (wall s) | CPU ms / example |");
        System.out.println("|---:|---:|---:|---:|");
        List<double[][]> realG = new ArrayList<>();
        List<float[][][]> realRows = new ArrayList<>();
        for (int n : NS) {
            List<Sequence> ex = all.subList(0, n);
            double c0 = processCpu();
            long t0 = System.nanoTime();
            double[][] g = PerExampleGradients.compute(model, kernels, List.of(layer), ex, 0).get(layer);
            double tg = seconds(t0);
            double cg = processCpu() - c0;
            float[][][] rows = new float[n][][];
            c0 = processCpu();
            t0 = System.nanoTime();
            PerExampleGradients.forEach(model, kernels, List.of(layer), ex, 0, true,
                e -> rows[e.example()] = new float[][] {e.inputs().clone(), e.outputGradients().clone()});
            double tr = seconds(t0);
            double cr = processCpu() - c0;
            realG.add(g);
            realRows.add(rows);
            System.out.printf(Locale.ROOT, "| %d | %.2f (%.2f) | %.2f (%.2f) | %.1f |%n", n, cg, tg, cr, tr, 1000 * cg / n);
        }
        System.out.println();

        System.out.println("## Per-layer solve (m = " + RANK + "), CPU s (wall s), one thread");
        System.out.println();
        System.out.println(
            "| layer (D) | N | exact Gram (s) | Lanczos (s) | K-FAC (s) | diagonal (s) | exact top eigenvalue | Lanczos converged, kept sum / exact |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|");
        double[] worst = new double[4];
        for (int i = 0; i < NS.length; i++) {
            solveRow("128 x 128 (16384), model", 128, 128, NS[i], realG.get(i), realRows.get(i), budget, worst, kernels);
        }
        realG.clear();
        realRows.clear();
        worst = new double[4];
        warmUpSolvers();
        for (int n : NS) {
            Random rnd = new Random(n);
            float[][][] rows = syntheticRows(n, 512, 512, rnd);
            double[][] g = gradientsFromRows(rows, 512, 512);
            solveRow("512 x 512 (262144), synthetic", 512, 512, n, g, rows, budget, worst, kernels);
        }
    }

    private static void solveRow(String label, int dOut, int dIn, int n, double[][] g, float[][][] rows, double budget,
                                 double[] worst, Kernels kernels) {
        SelectionRule rule = SelectionRule.rank(RANK);
        String[] cells = new String[4];
        LayerEstimate[] out = new LayerEstimate[2];
        cells[0] = timed(0, worst, budget, () -> out[0] = ExactGramEstimator.layer("l", dOut, dIn, g, rule, kernels));
        cells[1] = timed(1, worst, budget, () -> out[1] = LanczosEstimator.layer("l", dOut, dIn, g, rule, Lanczos.Options.defaults(),
            kernels));
        cells[2] = timed(2, worst, budget, () -> {
            KfacFactors f = new KfacFactors(dOut, dIn);
            for (float[][] r : rows) {
                f.add(r[0], r[1], TOKENS);
            }
            return KfacEstimator.layer("l", f, rule);
        });
        cells[3] = timed(3, worst, budget, () -> DiagonalEstimator.layer("l", dOut, dIn, DiagonalEstimator.diagonal(g), rule));
        String lanczos = "-";
        if (out[0] != null && out[1] != null) {
            double exactSum = java.util.Arrays.stream(out[0].eigenvalues()).sum();
            double lanczosSum = java.util.Arrays.stream(out[1].eigenvalues()).sum();
            lanczos = String.format(Locale.ROOT, "%s, %.4f", out[1].converged() ? "yes" : "no", lanczosSum / exactSum);
        }
        System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |%n", label, n, cells[0], cells[1], cells[2],
            cells[3], out[0] == null ? "-" : String.format(Locale.ROOT, "%.3g", out[0].top()), lanczos);
    }

    /** "cpu (wall)" seconds of one run on this thread; the solves are single-threaded, so CPU time is robust to a busy machine. */
    private static String timed(int which, double[] worst, double budget, Supplier<Object> run) {
        if (worst[which] > budget) {
            return "skipped";
        }
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        run.get();
        double t = seconds(t0);
        double c = (THREADS.getCurrentThreadCpuTime() - c0) / 1e9;
        worst[which] = Math.max(worst[which], c);
        return String.format(Locale.ROOT, "%.3f (%.3f)", c, t);
    }

    /** CPU seconds of the whole process (all threads: the kernels' pool, JIT and GC included). */
    private static double processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static void warmUp(LlamaModel model, Kernels kernels, String layer, List<Sequence> few) {
        for (int r = 0; r < 3; r++) {
            double[][] g = PerExampleGradients.compute(model, kernels, List.of(layer), few, 0).get(layer);
            PerExampleGradients.forEach(model, kernels, List.of(layer), few, 0, true, e -> {
            });
            ExactGramEstimator.layer("w", 128, 128, g, SelectionRule.rank(4), kernels);
            LanczosEstimator.layer("w", 128, 128, g, SelectionRule.rank(4), Lanczos.Options.defaults(), kernels);
            DiagonalEstimator.layer("w", 128, 128, DiagonalEstimator.diagonal(g), SelectionRule.rank(4));
            KfacEstimator.factors(model, kernels, List.of(layer), few, 0).values()
                .forEach(f -> KfacEstimator.layer("w", f, SelectionRule.rank(4)));
        }
    }

    private static void warmUpSolvers() {
        Random rnd = new Random(1);
        float[][][] rows = syntheticRows(8, 64, 64, rnd);
        double[][] g = gradientsFromRows(rows, 64, 64);
        KfacFactors f = new KfacFactors(64, 64);
        for (float[][] r : rows) {
            f.add(r[0], r[1], TOKENS);
        }
        KfacEstimator.layer("w", f, SelectionRule.rank(4));
    }

    static List<Sequence> sequences(int n, int vocab, long seed) {
        Random rnd = new Random(seed);
        List<Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sequence(rnd.ints(PROMPT, 0, vocab).toArray(), rnd.ints(RESPONSE, 0, vocab).toArray()));
        }
        return out;
    }

    /** Per example {inputs (T x dIn), output gradients (T x dOut)}, Gaussian. */
    static float[][][] syntheticRows(int n, int dOut, int dIn, Random rnd) {
        float[][][] rows = new float[n][2][];
        for (float[][] r : rows) {
            r[0] = new float[TOKENS * dIn];
            r[1] = new float[TOKENS * dOut];
            for (int k = 0; k < r[0].length; k++) {
                r[0][k] = (float) rnd.nextGaussian();
            }
            for (int k = 0; k < r[1].length; k++) {
                r[1][k] = (float) (1e-3 * rnd.nextGaussian());
            }
        }
        return rows;
    }

    /** g_i = sum_t delta_t a_t^T, row-major. */
    static double[][] gradientsFromRows(float[][][] rows, int dOut, int dIn) {
        double[][] g = new double[rows.length][dOut * dIn];
        for (int i = 0; i < rows.length; i++) {
            float[] a = rows[i][0];
            float[] d = rows[i][1];
            for (int t = 0; t < TOKENS; t++) {
                for (int r = 0; r < dOut; r++) {
                    double dr = d[t * dOut + r];
                    int off = r * dIn;
                    for (int c = 0; c < dIn; c++) {
                        g[i][off + c] += dr * a[t * dIn + c];
                    }
                }
            }
        }
        return g;
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
