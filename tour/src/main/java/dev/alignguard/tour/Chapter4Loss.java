package dev.alignguard.tour;

import static dev.alignguard.tour.Check.fmt;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.data.DataOrder;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;
import dev.alignguard.training.objective.AlignGuardObjective;
import dev.alignguard.training.objective.AlignGuardSettings;
import dev.alignguard.training.objective.CollisionPenalties;
import dev.alignguard.training.objective.SubspaceOps;
import dev.alignguard.training.objective.TaskObjective;
import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.optim.Schedule;
import dev.alignguard.training.trainer.Loss;
import dev.alignguard.training.trainer.Objective;
import dev.alignguard.training.trainer.Trainer;
import dev.alignguard.training.trainer.TrainingConfig;

/**
 * Chapter 4: the AlignGuard loss term by term on one batch, each term checked against its formula,
 * where each term's gradient points (into dW_A, into dW_T, or both), and what a few steps with and
 * without the penalties do to ||dW_A|| and ||dW_T||.
 */
public final class Chapter4Loss {

    private static final LlamaConfig CONFIG = new LlamaConfig(32, 16, 32, 1, 2, 2, 8, 1e-5, 10000.0);
    private static final LoraConfig LORA = LoraConfig.of(4, 8, "q_proj", "v_proj");
    private static final int PAD = 0;

    private Chapter4Loss() {
    }

    public static void main(String[] args) {
        System.exit(Tour.runChapter(Tour.CHAPTERS.get(3), System.out) ? 0 : 1);
    }

    public static void run(PrintStream out) {
        Check check = new Check(out);
        Kernels kernels = Backends.create("scalar", 1);
        Random rnd = new Random(4);
        // Alignment data: 8 prompts, all answered with the same "refusal" tokens 29 30 31. Task data: 32 prompts
        // with their own answers. 3 prompt + 3 response tokens each.
        List<Sequence> alignment = new ArrayList<>(), task = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            alignment.add(new Sequence(randomTokens(rnd, 3), new int[] {29, 30, 31}));
        }
        for (int i = 0; i < 32; i++) {
            task.add(new Sequence(randomTokens(rnd, 3), randomTokens(rnd, 3)));
        }
        LlamaModel model = modelWithAdapters();
        List<String> layers = List.copyOf(model.adapters().keySet());

        // The alignment subspace per layer: top m = 4 eigenvectors of the exact Fisher (chapter 2), eigenvalues
        // divided by the largest over layers.
        SubspaceSettings fisher = new SubspaceSettings(SubspaceSettings.Estimator.EXACT, SelectionRule.rank(4),
            SubspaceSettings.Normalisation.MAX_EIGENVALUE, 8, false, 1);
        Map<String, LayerSubspace> subspaces = FisherEstimators.of(fisher).estimate(model, kernels, layers, alignment, fisher);
        AlignGuardSettings settings = AlignGuardSettings.of(1.0, 0.1, 0.5);    // lambda_A, lambda_T, lambda_NC; alpha 0.5
        AlignGuardObjective objective = new AlignGuardObjective("alignguard", model, settings, () -> subspaces, Map.of());

        out.println(fmt("""
            Per adapted layer (q_proj, v_proj: 16 x 16), dW = s B A splits by the alignment subspace (u_k, lambda_k; m = 4):
              dW_A = unvec(P vec dW),  P = sum_k u_k u_k^T,   dW_T = dW - dW_A
            and the loss is
              L = L_task + lambda_A L_A + lambda_T L_T + lambda_NC [alpha E_RM + (1 - alpha) E_geo]
              L_A   = sum_k lambda_k <u_k, vec dW>^2              (= ||F^(1/2) dW_A||_F^2 on the kept directions)
              L_T   = ||dW_T||_F^2                                (H = I; a diagonal or K-FAC H is an option)
              E_RM  = sum_ij eta_ij |(dW_A)_ij (dW_T)_ij|,  eta_ij = 1 + beta sigmoid(|dW_ij| - tau)
              E_geo = ||dW_A^T dW_T||_F^2 / (||dW_A||_F^2 ||dW_T||_F^2 + eps)   (the column-space form, chapter 3)
            summed over layers. Here lambda_A = %s, lambda_T = %s, lambda_NC = %s, alpha = %s, beta = %s, tau = %s.
            A fresh adapter has B = 0, so every penalty is 0; B is set to small random values, as after some training.
            """, settings.lambdaA(), settings.lambdaT(), settings.lambdaNC(), settings.alpha(), settings.beta(), settings.tau()));

        Batch batch = Batch.of(task.subList(0, 8), PAD);
        Loss loss = objective.compute(Graph.inference(kernels), batch, 0);
        Map<String, Float> t = loss.terms();
        out.println(fmt("one batch of 8 task examples:  L_task %.5f   L_A %.4e   L_T %.4e   E_RM %.4e   E_geo %.4e   L %.5f",
            t.get("task"), t.get("fisher"), t.get("stability"), t.get("e_rm"), t.get("e_geo"), loss.total().item()));

        // Each term by hand, from dW and the subspace.
        double lA = 0, lT = 0, eRm = 0, eGeo = 0;
        for (String layer : layers) {
            LayerSubspace s = subspaces.get(layer);
            float[] dwF = model.adapters().get(layer).deltaWeightValues(kernels);      // 16 x 16
            double[] dw = toDouble(dwF);
            double[] c = s.coordinates(dw);                                            // <u_k, vec dW>
            for (int k = 0; k < c.length; k++) {
                lA += s.eigenvalues()[k] * c[k] * c[k];
            }
            double[] a = s.projector().apply(dw);                                      // vec dW_A
            double[] tt = s.projector().complement(dw);                                // vec dW_T
            double a2 = 0, t2 = 0;
            for (int i = 0; i < dw.length; i++) {
                lT += tt[i] * tt[i];
                a2 += a[i] * a[i];
                t2 += tt[i] * tt[i];
                double eta = 1 + settings.beta() / (1 + Math.exp(-(Math.abs(dw[i]) - settings.tau())));
                eRm += eta * Math.abs(a[i] * tt[i]);
            }
            int n = s.dIn(), rows = s.dOut();
            double cross = 0;                                                          // ||dW_A^T dW_T||_F^2
            for (int p = 0; p < n; p++) {
                for (int q = 0; q < n; q++) {
                    double sum = 0;
                    for (int r = 0; r < rows; r++) {
                        sum += a[r * n + p] * tt[r * n + q];
                    }
                    cross += sum * sum;
                }
            }
            eGeo += cross / (a2 * t2 + settings.eps());
        }
        Graph fresh = Graph.inference(kernels);
        check.near("L_task is the task loss alone", t.get("task"), TaskObjective.taskLoss(fresh, model, batch).item(), 1e-6);
        check.near("L_A = sum_k lambda_k <u_k, vec dW>^2 (relative)", t.get("fisher") / lA, 1, 1e-4);
        check.near("L_T = ||dW_T||_F^2 (relative)", t.get("stability") / lT, 1, 1e-4);
        check.near("E_RM = sum eta |dW_A dW_T| (relative; the objective smooths |.| at 0)", t.get("e_rm") / eRm, 1, 1e-3);
        check.near("E_geo = ||dW_A^T dW_T||^2 / (||dW_A||^2 ||dW_T||^2) (relative)", t.get("e_geo") / eGeo, 1, 1e-4);
        double total = t.get("task") + settings.lambdaA() * t.get("fisher") + settings.lambdaT() * t.get("stability")
            + settings.lambdaNC() * (settings.alpha() * t.get("e_rm") + (1 - settings.alpha()) * t.get("e_geo"));
        check.near("L is the weighted sum of the terms", loss.total().item(), total, 1e-5);

        // Gradients with respect to dW of one layer: which part of the update does each term push?
        out.println("""

            Gradients with respect to dW of q_proj, and the share of each in the alignment subspace, ||P g||^2 / ||g||^2
            (1: the term moves only dW_A; 0: only dW_T):""");
        String q = layers.get(0);
        LayerSubspace sq = subspaces.get(q);
        float[] dwq = model.adapters().get(q).deltaWeightValues(kernels);
        double[] shares = new double[4];
        String[] names = {"L_A", "L_T", "E_RM", "E_geo"};
        for (int term = 0; term < 4; term++) {
            Graph g = Graph.training(kernels);
            Tensor dw = Tensor.parameter("dW", sq.dOut(), sq.dIn(), dwq.clone());   // a leaf, so dW.grad is dL/dW
            Tensor dwA = SubspaceOps.alignmentPart(g, dw, sq);
            Tensor dwT = MatrixOps.sub(g, dw, dwA);
            Tensor value = switch (term) {
                case 0 -> SubspaceOps.fisherPenalty(g, dw, sq);
                case 1 -> MatrixOps.sumOfSquares(g, dwT);
                case 2 -> CollisionPenalties.riemannianOverlap(g, dwA, dwT, settings.beta(), settings.tau(), settings.smoothing());
                default -> CollisionPenalties.subspaceGeodesic(g, dwA, dwT, settings.eps());
            };
            g.backward(value);
            double[] grad = toDouble(dw.grad());
            double[] inA = sq.projector().apply(grad);
            shares[term] = dot(inA, inA) / dot(grad, grad);
            out.println(fmt("  %-6s ||g|| %.4e   share in the alignment subspace %.4f", names[term], Math.sqrt(dot(grad, grad)),
                shares[term]));
        }
        check.near("L_A's gradient lies in the alignment subspace: 2 sum_k lambda_k <u_k, vec dW> u_k", shares[0], 1, 1e-6);
        check.near("L_T's gradient lies in its complement: 2 dW_T", shares[1], 0, 1e-6);
        check.that("the collision terms push both parts", shares[2] > 1e-3 && shares[2] < 1 - 1e-3
            && shares[3] > 1e-3 && shares[3] < 1 - 1e-3, fmt("E_RM %.4f, E_geo %.4f", shares[2], shares[3]));

        // A few steps: the same start, the task loss with one penalty at a time.
        out.println("""

            Thirty steps on the task from the same start (AdamW, lr 0.01), the task loss alone and with one penalty
            at a time; the update at the end, split by the starting subspaces:""");
        double[] plain = train(kernels, task, alignment, fisher, null);
        double[] withA = train(kernels, task, alignment, fisher, AlignGuardSettings.of(100, 0, 0));
        double[] withT = train(kernels, task, alignment, fisher, AlignGuardSettings.of(0, 1, 0));
        double[] withNc = train(kernels, task, alignment, fisher, AlignGuardSettings.of(0, 0, 10));
        out.println("                              ||dW_A||     ||dW_T||     ||dW_A|| / ||dW_T||   last L_task");
        for (int row = 0; row < 4; row++) {
            double[] r = new double[][] {plain, withA, withT, withNc}[row];
            String label = new String[] {"L_task (LoRA)", "+ 100 L_A", "+ 1 L_T", "+ 10 (E_RM + E_geo)/2"}[row];
            out.println(fmt("  %-26s %.4e   %.4e   %.4f                %.4f", label, r[0], r[1], r[0] / r[1], r[2]));
        }
        check.that("L_A shrinks the alignment-critical part dW_A", withA[0] < 0.5 * plain[0],
            fmt("%.4e < 0.5 x %.4e", withA[0], plain[0]));
        check.that("and leaves the task part dW_T free: at least 80% of LoRA's", withA[1] > 0.8 * plain[1],
            fmt("%.4e > 0.8 x %.4e", withA[1], plain[1]));
        check.that("L_T shrinks the task part dW_T", withT[1] < 0.5 * plain[1],
            fmt("%.4e < 0.5 x %.4e", withT[1], plain[1]));
        check.that("the collision terms lower the ratio ||dW_A|| / ||dW_T|| (less overlap to collide)",
            withNc[0] / withNc[1] < plain[0] / plain[1], fmt("%.4f < %.4f", withNc[0] / withNc[1], plain[0] / plain[1]));
        out.println("""

            So: L_A keeps the update out of the directions the alignment data is most sensitive to (weighted by
            their curvature lambda_k); L_T keeps the task part small and stable (the presets use a small lambda_T,
            0.001, since it also holds back the task); the collision terms penalise dW_A and dW_T sharing entries
            (E_RM) or output directions (E_geo), and here drive dW_A down against dW_T.""");
    }

    /** The tiny decoder with LoRA on q_proj and v_proj, B set to small random values (the same every call). */
    private static LlamaModel modelWithAdapters() {
        LlamaModel model = LlamaModel.initialize(CONFIG, 1);
        Random rnd = new Random(9);
        for (LoraAdapter a : model.attachLora(LORA, 7).values()) {
            float[] b = a.b().data();                                   // [16 x 4]
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.05 * rnd.nextGaussian());
            }
        }
        return model;
    }

    /**
     * Thirty steps from {@link #modelWithAdapters()}: the task loss alone when {@code settings} is null, else
     * AlignGuard with the subspaces estimated at the start. Returns ||dW_A||, ||dW_T|| (summed in quadrature over
     * layers, against the starting subspaces) and the last step's task loss.
     */
    private static double[] train(Kernels kernels, List<Sequence> task, List<Sequence> alignment, SubspaceSettings fisher,
                                  AlignGuardSettings settings) {
        LlamaModel model = modelWithAdapters();
        List<String> layers = List.copyOf(model.adapters().keySet());
        Map<String, LayerSubspace> subspaces = FisherEstimators.of(fisher).estimate(model, kernels, layers, alignment, fisher);
        Objective objective = settings == null ? new TaskObjective(model)
            : new AlignGuardObjective("alignguard", model, settings, () -> subspaces, Map.of());
        TrainingConfig config = new TrainingConfig(30, 8, 1, AdamW.Settings.of(0.01, 0.0), Schedule.Kind.CONSTANT, 0, 1.0,
            1.0, 1);
        double[] lastTask = new double[1];
        new Trainer(model, kernels, config, objective, new DataOrder(task, 1), PAD)
            .onStep(r -> lastTask[0] = r.terms().get("task")).run();
        double a2 = 0, t2 = 0;
        for (String layer : layers) {
            double[] dw = toDouble(model.adapters().get(layer).deltaWeightValues(kernels));
            double[] a = subspaces.get(layer).projector().apply(dw);
            double[] t = subspaces.get(layer).projector().complement(dw);
            a2 += dot(a, a);
            t2 += dot(t, t);
        }
        return new double[] {Math.sqrt(a2), Math.sqrt(t2), lastTask[0]};
    }

    private static int[] randomTokens(Random rnd, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1 + rnd.nextInt(28);                                 // 1..28: 0 is padding, 29..31 the refusal
        }
        return t;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
