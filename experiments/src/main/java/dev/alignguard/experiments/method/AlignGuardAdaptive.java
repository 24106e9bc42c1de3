package dev.alignguard.experiments.method;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;

import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.training.data.Batch;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.objective.AlignGuardObjective;
import dev.alignguard.training.trainer.Loss;
import dev.alignguard.training.trainer.Objective;

/**
 * AlignGuard with an adaptive λA (issue 14, part 1; the paper's open question on adaptive λ and m):
 * AlignGuard's objective, but λA follows a {@link LambdaController}. Every {@code every} steps the
 * refusal NLL is measured on a probe set of alignment examples the Fisher does not use
 * ({@link TrialContext#probeSet}); λA is multiplied by {@code up} when it rose more than
 * {@code budget} nats over its start, by {@code down} when it rose less than half of that, and kept
 * within [{@code lambda_min}, {@code lambda_max}]. m per layer follows an energy threshold at every
 * estimate (the first and each re-projection): the fewest leading directions of the estimate holding
 * {@code energy} of the layer Fisher's trace (1 keeps the spec's {@code fisher.m}).
 * The swept strength is the starting λA. Logged per step: {@code lambda_a}, {@code probe_nll},
 * {@code probe_nll_start}, {@code m_total}.
 */
@JsonTypeName(AlignGuardAdaptive.KIND)
@JsonClassDescription("AlignGuard with λA set by a controller on a held-apart probe NLL, m per layer by energy; strength = starting λA")
public record AlignGuardAdaptive(
                                 @JsonProperty("lambda_a") @JsonPropertyDescription("starting λA when the spec lists no strengths") double lambdaA,
                                 @JsonProperty("lambda_t") @JsonPropertyDescription("λT, weight of the task-stability term") double lambdaT,
                                 @JsonProperty("lambda_nc") @JsonPropertyDescription("λNC, weight of the collision terms") double lambdaNC,
                                 @JsonProperty("alpha") @JsonPropertyDescription("α in [0, 1]: share of E_RM") double alpha,
                                 @JsonProperty("beta") @JsonPropertyDescription("β of E_RM") double beta,
                                 @JsonProperty("tau") @JsonPropertyDescription("τ of E_RM") double tau,
                                 @JsonProperty("geodesic") @JsonPropertyDescription("E_geo's form: subspace or literal") AlignGuard.Geodesic geodesic,
                                 @JsonProperty("smoothing") @JsonPropertyDescription("width of the smooth |.| in E_RM") double smoothing,
                                 @JsonProperty("stability") @JsonPropertyDescription("H of the stability term: identity, diagonal or kfac") AlignGuard.Stability stability,
                                 @JsonProperty("probe_size") @JsonPropertyDescription("alignment examples in the probe set (held apart from the Fisher's)") int probeSize,
                                 @JsonProperty("every") @JsonPropertyDescription("K: the controller measures and acts after every K steps") int every,
                                 @JsonProperty("budget") @JsonPropertyDescription("allowed probe-NLL increase over the start, in nats") double budget,
                                 @JsonProperty("up") @JsonPropertyDescription("factor on λA when over budget (>= 1)") double up,
                                 @JsonProperty("down") @JsonPropertyDescription("factor on λA when under half the budget (in (0, 1])") double down,
                                 @JsonProperty("lambda_min") @JsonPropertyDescription("lower bound of λA") double lambdaMin,
                                 @JsonProperty("lambda_max") @JsonPropertyDescription("upper bound of λA") double lambdaMax,
                                 @JsonProperty("energy") @JsonPropertyDescription("m per layer: fewest directions holding this share of the layer Fisher's trace (1: all of fisher.m)") double energy)
    implements
        Method {

    public static final String KIND = "alignguard_adaptive";

    /** Defaults for every field the spec leaves out; then validation. */
    @JsonCreator
    public AlignGuardAdaptive(@JsonProperty("lambda_a") Double lambdaA, @JsonProperty("lambda_t") Double lambdaT,
        @JsonProperty("lambda_nc") Double lambdaNC, @JsonProperty("alpha") Double alpha,
        @JsonProperty("beta") Double beta, @JsonProperty("tau") Double tau,
        @JsonProperty("geodesic") AlignGuard.Geodesic geodesic, @JsonProperty("smoothing") Double smoothing,
        @JsonProperty("stability") AlignGuard.Stability stability,
        @JsonProperty("probe_size") Integer probeSize, @JsonProperty("every") Integer every,
        @JsonProperty("budget") Double budget, @JsonProperty("up") Double up,
        @JsonProperty("down") Double down, @JsonProperty("lambda_min") Double lambdaMin,
        @JsonProperty("lambda_max") Double lambdaMax, @JsonProperty("energy") Double energy) {
        this(or(lambdaA, 0.1), or(lambdaT, 0.0), or(lambdaNC, 0.0), or(alpha, 0.5), or(beta, 1.0), or(tau, 0.01),
            geodesic == null ? AlignGuard.Geodesic.SUBSPACE : geodesic, or(smoothing, 1e-4),
            stability == null ? AlignGuard.Stability.IDENTITY : stability, probeSize == null ? 32 : probeSize,
            every == null ? 20 : every, or(budget, 0.1), or(up, 2.0), or(down, 0.5), or(lambdaMin, 0.001),
            or(lambdaMax, 100.0), or(energy, 0.9));
    }

    public AlignGuardAdaptive {
        new AlignGuard(lambdaA, lambdaT, lambdaNC, alpha, beta, tau, geodesic, smoothing, stability,
            AlignGuard.Sweep.LAMBDA_A);                    // AlignGuard's own validation of the shared terms
        controller(budget, up, down, lambdaMin, lambdaMax);
        MethodCatalog.require(lambdaMin > 0, "lambda_min must be > 0 (λA = 0 switches the Fisher term off), got " + lambdaMin);
        MethodCatalog.require(probeSize >= 1, "probe_size must be >= 1, got " + probeSize);
        MethodCatalog.require(every >= 1, "every must be >= 1, got " + every);
        MethodCatalog.require(energy > 0 && energy <= 1, "energy must be in (0, 1], got " + energy);
    }

    @Override
    public Strength strength() {
        return new Strength("λA start", false);
    }

    /** The controller of these parameters. */
    public LambdaController controller() {
        return controller(budget, up, down, lambdaMin, lambdaMax);
    }

    /** Fixed-λ AlignGuard with these terms and λA = {@code lambda}. */
    public AlignGuard fixed(double lambda) {
        return new AlignGuard(lambda, lambdaT, lambdaNC, alpha, beta, tau, geodesic, smoothing, stability,
            AlignGuard.Sweep.LAMBDA_A);
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        LambdaController controller = controller();
        double start = controller.clamp(Double.isNaN(strength) ? lambdaA : strength);
        Supplier<Map<String, LayerSubspace>> subspaces = context.trackAlignmentSubspaces(
            (estimate, seed, step) -> byEnergy(estimate, energy));
        AdaptiveLambda lambda = new AdaptiveLambda(controller, every, start, context.model(), context.kernels(),
            context.probeSet(probeSize), context.pad());
        AlignGuardObjective inner = new AlignGuardObjective(context.methodName(), context.model(),
            fixed(start).settings(Double.NaN), subspaces, context.taskCurvature(stability), lambda);
        Objective logged = new Objective() {
            @Override
            public Loss compute(Graph g, Batch batch, int step) {
                Loss loss = inner.compute(g, batch, step);
                Map<String, Double> diagnostics = new HashMap<>(loss.diagnostics());
                diagnostics.put("lambda_a", lambda.getAsDouble());
                diagnostics.put("probe_nll", lambda.nll());
                diagnostics.put("probe_nll_start", lambda.nllStart());
                diagnostics.put("m_total", (double) subspaces.get().values().stream().mapToInt(LayerSubspace::rank).sum());
                return new Loss(loss.total(), loss.terms(), diagnostics);
            }

            @Override
            public String name() {
                return inner.name();
            }
        };
        return new TrialPlan(logged, lambda, () -> {
        });
    }

    /**
     * Per layer, the fewest leading directions of the estimate whose eigenvalues hold {@code energy}
     * of the layer Fisher's trace ({@link SelectionRule.Energy}); the trace is recovered from the
     * estimate's captured energy (kept eigenvalues / trace). A layer whose captured energy is unknown,
     * or below the threshold, keeps every direction of the estimate.
     */
    public static Map<String, LayerSubspace> byEnergy(Map<String, LayerSubspace> estimate, double energy) {
        Map<String, LayerSubspace> out = new LinkedHashMap<>();
        for (var e : estimate.entrySet()) {
            LayerSubspace s = e.getValue();
            double kept = Arrays.stream(s.eigenvalues()).sum();
            double captured = s.capturedEnergy();
            if (energy >= 1 || !(captured > 0) || s.rank() == 0) {
                out.put(e.getKey(), s);
                continue;
            }
            int m = SelectionRule.energy(energy).select(s.eigenvalues(), kept / captured);
            if (m >= s.rank()) {
                out.put(e.getKey(), s);
                continue;
            }
            double[][] basis = Arrays.copyOf(s.basis(), m);
            double[] values = Arrays.copyOf(s.eigenvalues(), m);
            double share = kept > 0 ? Arrays.stream(values).sum() / kept : 0;
            out.put(e.getKey(), new LayerSubspace(s.layer(), s.dOut(), s.dIn(), BasisProjector.adopting(s.dim(), basis), basis,
                values, Arrays.copyOf(s.confidences(), m), s.rawScale(), captured * share));
        }
        return out;
    }

    private static LambdaController controller(double budget, double up, double down, double min, double max) {
        return new LambdaController(budget, up, down, min, max);
    }

    private static double or(Double v, double fallback) {
        return v == null ? fallback : v;
    }
}
