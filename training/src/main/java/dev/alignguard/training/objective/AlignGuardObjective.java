package dev.alignguard.training.objective;

import java.util.HashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.ResidentBases;
import dev.alignguard.training.trainer.Loss;
import dev.alignguard.training.trainer.Objective;

/**
 * AlignGuard-LoRA's objective. Per targeted layer the update {@code dW = s B A} is split by the
 * alignment subspace into {@code dW_A = P dW} and {@code dW_T = dW - dW_A}; then
 * <pre>
 *   L = L_task + lambdaA sum_l ||F^{1/2} dW_A||^2 + lambdaT sum_l ||H^{1/2} dW_T||^2
 *             + lambdaNC sum_l [alpha E_RM(dW_A, dW_T) + (1 - alpha) E_geo(dW_A, dW_T)]
 * </pre>
 * Subspaces come from a supplier so that re-projection (re-estimating them every K steps) swaps
 * them in without rebuilding the objective. The random-subspace control is this objective with a
 * random basis of the same rank and eigenvalues.
 *
 * <p>λA may be supplied per step ({@link #AlignGuardObjective(String, LlamaModel, AlignGuardSettings,
 * Supplier, Map, DoubleSupplier)}), which is how the adaptive method's controller moves it; whether
 * the Fisher term is built at all still follows {@code settings.lambdaA() > 0}. With the plain
 * constructor the supplier returns {@code settings.lambdaA()}, so fixed-λ numerics are unchanged.
 *
 * <p>Diagnostics per step (summed over layers): ||dW_A||, ||dW_T||, cos(dW_A, dW_T) and the subspace
 * overlap ||dW_A^T dW_T||^2 / (||dW_A||^2 ||dW_T||^2).
 */
public final class AlignGuardObjective implements Objective {

    private final LlamaModel model;
    private final AlignGuardSettings settings;
    private final Supplier<Map<String, LayerSubspace>> subspaces;
    private final Map<String, Curvature> stability;
    private final String name;
    private final DoubleSupplier lambdaA;
    /** The subspaces' bases on the backend, uploaded once to a device, not four times a step. */
    private final ResidentBases residentBases = new ResidentBases();

    /**
     * @param stability per layer H; layers missing from the map use the identity
     */
    public AlignGuardObjective(String name, LlamaModel model, AlignGuardSettings settings,
        Supplier<Map<String, LayerSubspace>> subspaces, Map<String, Curvature> stability) {
        this(name, model, settings, subspaces, stability, settings::lambdaA);
    }

    /**
     * @param lambdaA the Fisher term's weight, read once per micro-batch (must stay >= 0); the term
     *                is built only when {@code settings.lambdaA() > 0}
     */
    public AlignGuardObjective(String name, LlamaModel model, AlignGuardSettings settings,
        Supplier<Map<String, LayerSubspace>> subspaces, Map<String, Curvature> stability,
        DoubleSupplier lambdaA) {
        this.name = name;
        this.model = model;
        this.settings = settings;
        this.subspaces = subspaces;
        this.stability = Map.copyOf(stability);
        this.lambdaA = lambdaA;
    }

    @Override
    public String name() {
        return name;
    }

    public AlignGuardSettings settings() {
        return settings;
    }

    @Override
    public Loss compute(Graph g, Batch batch, int step) {
        Tensor task = TaskObjective.taskLoss(g, model, batch);
        Map<String, LoraAdapter> adapters = model.adapters();
        Tensor fisher = Tensor.scalar(0f), stab = Tensor.scalar(0f), rm = Tensor.scalar(0f), geo = Tensor.scalar(0f);
        double normA2 = 0, normT2 = 0, innerAT = 0, overlapNum = 0, overlapDen = 0;
        Map<String, LayerSubspace> live = subspaces.get();
        residentBases.retainOnly(live.values());
        for (var e : live.entrySet()) {
            LoraAdapter adapter = adapters.get(e.getKey());
            if (adapter == null) {
                throw new IllegalStateException("no LoRA adapter on " + e.getKey() + " for its alignment subspace");
            }
            LayerSubspace s = e.getValue();
            Tensor dw = adapter.deltaWeight(g);                    // dOut x dIn
            SubspaceOps.Split split = SubspaceOps.split(g, dw, s, residentBases.of(g.kernels(), s),
                settings.lambdaA() > 0);
            Tensor dwA = split.alignmentPart();                    // P dW
            Tensor dwT = MatrixOps.sub(g, dw, dwA);                // (I - P) dW
            if (settings.lambdaA() > 0) {
                fisher = MatrixOps.add(g, fisher, split.fisherPenalty());
            }
            if (settings.lambdaT() > 0) {
                Curvature h = stability.getOrDefault(e.getKey(), new Curvature.Identity());
                stab = MatrixOps.add(g, stab, h.penalty(g, dwT));
            }
            Tensor cross = null;                                   // dW_A^T dW_T when the geodesic term makes it
            if (settings.lambdaNC() > 0) {
                if (settings.alpha() > 0) {
                    rm = MatrixOps.add(g, rm, CollisionPenalties.riemannianOverlap(g, dwA, dwT, settings.beta(),
                        settings.tau(), settings.smoothing()));
                }
                if (settings.alpha() < 1) {
                    Tensor eg;
                    if (settings.geodesic() == AlignGuardSettings.Geodesic.LITERAL) {
                        eg = CollisionPenalties.literalGeodesic(g, dwA, dwT, settings.eps());
                    } else {
                        cross = MatrixOps.matmul(g, dwA, true, dwT, false); // dIn x dIn
                        eg = CollisionPenalties.subspaceGeodesic(g, dwA, dwT, cross, settings.eps());
                    }
                    geo = MatrixOps.add(g, geo, eg);
                }
            }
            double[] sums = normsAndInner(dwA.data(), dwT.data());
            double a2 = sums[0], t2 = sums[1];
            normA2 += a2;
            normT2 += t2;
            innerAT += sums[2];
            overlapNum += cross != null ? squaredNorm(cross.data()) : crossNorm2(g, dwA, dwT);
            overlapDen += a2 * t2;
        }
        Tensor total = task;
        Map<String, Float> terms = new HashMap<>();
        terms.put("task", task.item());
        if (settings.lambdaA() > 0) {
            double weight = lambdaA.getAsDouble();
            if (!(weight >= 0)) {
                throw new IllegalStateException("lambda_A must be >= 0, got " + weight);
            }
            total = MatrixOps.add(g, total, MatrixOps.scale(g, fisher, (float) weight));
            terms.put("fisher", fisher.item());
        }
        if (settings.lambdaT() > 0) {
            total = MatrixOps.add(g, total, MatrixOps.scale(g, stab, (float) settings.lambdaT()));
            terms.put("stability", stab.item());
        }
        if (settings.lambdaNC() > 0) {
            Tensor collision = MatrixOps.add(g, MatrixOps.scale(g, rm, (float) settings.alpha()),
                MatrixOps.scale(g, geo, (float) (1 - settings.alpha())));
            total = MatrixOps.add(g, total, MatrixOps.scale(g, collision, (float) settings.lambdaNC()));
            terms.put("e_rm", rm.item());
            terms.put("e_geo", geo.item());
        }
        Map<String, Double> diagnostics = new HashMap<>();
        diagnostics.put("norm_dw_a", Math.sqrt(normA2));
        diagnostics.put("norm_dw_t", Math.sqrt(normT2));
        diagnostics.put("cos_a_t", innerAT / (Math.sqrt(normA2 * normT2) + 1e-30));
        diagnostics.put("subspace_overlap", overlapNum / (overlapDen + 1e-30));
        return new Loss(total, terms, diagnostics);
    }

    static double squaredNorm(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return s;
    }

    /**
     * {@code {||a||^2, ||t||^2, <a, t>}} in double, in one pass: the three sums are separate
     * chains, each summed in index order (the bits three separate loops give), which the core runs
     * side by side.
     */
    static double[] normsAndInner(float[] a, float[] t) {
        double a2 = 0, t2 = 0, at = 0;
        for (int i = 0; i < a.length; i++) {
            float x = a[i], y = t[i];
            a2 += (double) x * x;
            t2 += (double) y * y;
            at += (double) x * y;
        }
        return new double[] {a2, t2, at};
    }

    /**
     * ||A^T T||_F^2 for the diagnostics, with the graph's kernels (no gradient): the gemm call of
     * {@code MatrixOps.matmul(g, a, true, t, false)}, so the subspace geodesic's product, when there
     * is one, gives the same bits without a second multiplication.
     */
    static double crossNorm2(Graph g, Tensor a, Tensor t) {
        int rows = a.rows(), cols = a.cols();
        float[] cross = new float[cols * cols]; // dIn x dIn
        g.kernels().gemm(true, false, cols, cols, rows, 1f, a.data(), 0, cols, t.data(), 0, cols, 0f, cross, 0, cols);
        return squaredNorm(cross);
    }
}
