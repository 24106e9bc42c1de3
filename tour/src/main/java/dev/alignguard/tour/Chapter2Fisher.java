package dev.alignguard.tour;

import static dev.alignguard.tour.Check.fmt;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.GramEigen;
import dev.alignguard.math.linalg.SymmetricEigen;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.PerExampleGradients;

/**
 * Chapter 2: Fisher information by the Gram trick. The empirical Fisher of a layer is
 * {@code F = G G^T / N} (D x D) from N per-example gradients; the Gram matrix {@code K = G^T G / N}
 * (N x N) has the same nonzero eigenvalues, and its eigenvectors lift to F's.
 */
public final class Chapter2Fisher {

    private Chapter2Fisher() {
    }

    public static void main(String[] args) {
        System.exit(Tour.runChapter(Tour.CHAPTERS.get(1), System.out) ? 0 : 1);
    }

    public static void run(PrintStream out) {
        Check check = new Check(out);
        Kernels kernels = Backends.create("scalar", 1);
        // A tiny decoder: vocab 16, hidden 8, MLP 16, one layer, 2 heads, 8 positions.
        LlamaModel model = LlamaModel.initialize(new LlamaConfig(16, 8, 16, 1, 2, 2, 8, 1e-5, 10000.0), 3);
        String layer = "model.layers.0.self_attn.q_proj";
        Linear q = model.linear(layer);                                 // W: 8 x 8, so D = 64
        int d = q.outFeatures() * q.inFeatures();
        int n = 6;
        List<Sequence> examples = new ArrayList<>();                    // N "alignment" examples: 3 prompt + 3 response tokens
        Random rnd = new Random(5);
        for (int i = 0; i < n; i++) {
            examples.add(new Sequence(new int[] {1 + rnd.nextInt(15), 1 + rnd.nextInt(15), 1 + rnd.nextInt(15)},
                new int[] {1 + rnd.nextInt(15), 1 + rnd.nextInt(15), 1 + rnd.nextInt(15)}));
        }

        out.println(fmt("""
            Per-example gradients: g_i = vec(dL_i / dW) for the layer %s (W: 8 x 8, D = %d),
            L_i the mean cross-entropy of example i's response. N = %d examples, stacked as G = [g_1 .. g_N] (D x N).
            """, layer, d, n));
        double[][] g = PerExampleGradients.compute(model, kernels, List.of(layer), examples, 0).get(layer); // [N][D]

        // Sanity: with equal response lengths the batch loss is the mean of the L_i, so its gradient is mean_i g_i.
        Graph graph = Graph.training(kernels);
        Tensor loss = PerExampleGradients.batchLoss(graph, model, Batch.of(examples, 0));
        graph.backward(loss);
        float[] batchGrad = q.weight().grad();                          // 8 x 8
        double[] meanG = new double[d];
        double[] batchG = new double[d];
        for (int k = 0; k < d; k++) {
            for (double[] gi : g) {
                meanG[k] += gi[k] / n;
            }
            batchG[k] = batchGrad[k];
        }
        check.atMost("mean of per-example gradients equals the batch gradient: max |diff|", Tour.maxAbsDiff(meanG, batchG), 1e-6);

        // The dense Fisher F = (1/N) sum_i g_i g_i^T: D x D = 64 x 64 here.
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        for (double[] gi : g) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    f.add(a, b, gi[a] * gi[b] / n);
                }
            }
        }
        EigenPairs dense = SymmetricEigen.all(f);                       // 64 eigenpairs, descending
        EigenPairs gram = SymmetricEigen.all(GramEigen.gram(g));        // K = G^T G / N: 6 x 6
        out.println("eigenvalues of F (64 x 64): " + head(dense.values(), n + 2));
        out.println("eigenvalues of K ( 6 x  6): " + head(gram.values(), n));
        double top = dense.value(0);
        double worst = 0;
        for (int k = 0; k < n; k++) {
            worst = Math.max(worst, Math.abs(dense.value(k) - gram.value(k)) / top);
        }
        check.atMost("F and K share their N nonzero eigenvalues: max |lambda_F - lambda_K| / lambda_max", worst, 1e-10);
        double rest = 0;
        for (int k = n; k < d; k++) {
            rest = Math.max(rest, Math.abs(dense.value(k)));
        }
        check.atMost("the other D - N = 58 eigenvalues of F are zero (rank F <= N): max |lambda| / lambda_max",
            rest / top, 1e-12);
        check.near("trace F = trace K = ||G||_F^2 / N", dense.trace(), gram.trace(), 1e-12 * dense.trace());

        // The lift: U = G V S^{-1/2} / sqrt(N) turns K's eigenvectors into F's.
        EigenPairs lifted = GramEigen.top(g, n);                        // u_k: length D
        double residual = 0;
        double orth = 0;
        for (int k = 0; k < lifted.count(); k++) {
            double[] u = lifted.vector(k);
            double[] fu = new double[d];
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    fu[a] += f.get(a, b) * u[b];
                }
            }
            for (int a = 0; a < d; a++) {
                residual = Math.max(residual, Math.abs(fu[a] - lifted.value(k) * u[a]) / top);
            }
            for (int l = 0; l < lifted.count(); l++) {
                double dot = 0;
                for (int a = 0; a < d; a++) {
                    dot += u[a] * lifted.vector(l)[a];
                }
                orth = Math.max(orth, Math.abs(dot - (k == l ? 1 : 0)));
            }
        }
        check.atMost("lifted vectors are eigenvectors of F: max |F u - lambda u| / lambda_max", residual, 1e-10);
        check.atMost("and orthonormal: max |U^T U - I|", orth, 1e-12);

        // Why the dense one is out of reach: one 4096 x 4096 layer.
        long dReal = 4096L * 4096;                                      // D = d_out * d_in
        double denseBytes = (double) dReal * dReal * Double.BYTES;      // D x D doubles
        int nReal = 256;
        double gBytes = (double) nReal * dReal * Double.BYTES;          // G: N x D doubles
        double kBytes = (double) nReal * nReal * Double.BYTES;          // K: N x N doubles
        out.println(fmt("""

            At real size, one 4096 x 4096 layer: D = %,d weights.
              dense Fisher F, D x D doubles: %.3g bytes = %.2f PB (petabytes, 10^15)
              Gram route with N = %d examples: G is N x D = %.1f GB, K is N x N = %.0f KiB,
              and the eig of K costs O(N^3) instead of O(D^3).""",
            dReal, denseBytes, denseBytes / 1e15, nReal, gBytes / 1e9, kBytes / 1024));
        check.equal("D = 4096 * 4096", dReal, 16_777_216L);
        check.near("dense Fisher of one layer in PB", denseBytes / 1e15, 2.2518, 1e-4);
        check.near("Gram matrix K in KiB", kBytes / 1024, 512, 0);
    }

    private static String head(double[] values, int count) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < Math.min(count, values.length); k++) {
            sb.append(fmt("%.3e ", values[k]));
        }
        return sb.append(values.length > count ? "..." : "").toString().strip();
    }
}
