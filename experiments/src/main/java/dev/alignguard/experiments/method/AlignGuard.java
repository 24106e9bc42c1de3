package dev.alignguard.experiments.method;

import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.fasterxml.jackson.annotation.JsonValue;

import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.objective.AlignGuardObjective;
import dev.alignguard.training.objective.AlignGuardSettings;

/**
 * AlignGuard-LoRA (DESIGN.md section 1): {@code L = L_task + λA Σ_k λ_k <u_k, vec dW>^2
 * + λT ||H^{1/2} dW_T||^2 + λNC [α E_RM + (1 - α) E_geo]} on the alignment Fisher's top subspaces
 * (the spec's {@code fisher} section); strength = λA (or the weight {@code sweep} names). A weight of 0 switches its term off, which
 * is how the ablation presets take the objective apart. Every default is here and nowhere else.
 */
@JsonTypeName(AlignGuard.KIND)
@JsonClassDescription("AlignGuard-LoRA: Fisher penalty on dW_A, stability on dW_T, collision terms; strength = λA")
public record AlignGuard(
                         @JsonProperty("lambda_a") @JsonPropertyDescription("λA when the spec lists no strengths") double lambdaA,
                         @JsonProperty("lambda_t") @JsonPropertyDescription("λT, weight of the task-stability term ||H^1/2 dW_T||^2") double lambdaT,
                         @JsonProperty("lambda_nc") @JsonPropertyDescription("λNC, weight of the collision terms") double lambdaNC,
                         @JsonProperty("alpha") @JsonPropertyDescription("α in [0, 1]: share of E_RM (the rest is E_geo)") double alpha,
                         @JsonProperty("beta") @JsonPropertyDescription("β: E_RM's emphasis on large entries, η = 1 + β sigmoid(|dW| - τ)") double beta,
                         @JsonProperty("tau") @JsonPropertyDescription("τ: E_RM's threshold") double tau,
                         @JsonProperty("geodesic") @JsonPropertyDescription("E_geo's form: subspace, or literal (identically zero for exact projectors)") Geodesic geodesic,
                         @JsonProperty("smoothing") @JsonPropertyDescription("width of the smooth |.| in E_RM") double smoothing,
                         @JsonProperty("stability") @JsonPropertyDescription("H of the stability term: identity, diagonal task Fisher, or kfac on task data") Stability stability,
                         @JsonProperty("sweep") @JsonPropertyDescription("which weight the swept strength sets: lambda_a, lambda_t or lambda_nc") Sweep sweep)
    implements
        Method {

    public static final String KIND = "alignguard";

    /** E_geo's two forms (see {@link AlignGuardSettings.Geodesic}). */
    public enum Geodesic {
        SUBSPACE, LITERAL;

        @JsonCreator
        public static Geodesic parse(String s) {
            return parseEnum(Geodesic.class, "geodesic", s);
        }

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The stability term's curvature H on task data. */
    public enum Stability {
        IDENTITY, DIAGONAL, KFAC;

        @JsonCreator
        public static Stability parse(String s) {
            return parseEnum(Stability.class, "stability", s);
        }

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Which weight a sweep's strength sets (the others keep their parameter values). */
    public enum Sweep {
        LAMBDA_A("λA"), LAMBDA_T("λT"), LAMBDA_NC("λNC");

        private final String label;

        Sweep(String label) {
            this.label = label;
        }

        @JsonCreator
        public static Sweep parse(String s) {
            return parseEnum(Sweep.class, "sweep", s);
        }

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Defaults for every field the spec leaves out; then validation. */
    @JsonCreator
    public AlignGuard(@JsonProperty("lambda_a") Double lambdaA, @JsonProperty("lambda_t") Double lambdaT,
        @JsonProperty("lambda_nc") Double lambdaNC, @JsonProperty("alpha") Double alpha,
        @JsonProperty("beta") Double beta, @JsonProperty("tau") Double tau,
        @JsonProperty("geodesic") Geodesic geodesic, @JsonProperty("smoothing") Double smoothing,
        @JsonProperty("stability") Stability stability, @JsonProperty("sweep") Sweep sweep) {
        this(or(lambdaA, 0.1), or(lambdaT, 0.0), or(lambdaNC, 0.0), or(alpha, 0.5), or(beta, 1.0), or(tau, 0.01),
            geodesic == null ? Geodesic.SUBSPACE : geodesic, or(smoothing, 1e-4),
            stability == null ? Stability.IDENTITY : stability, sweep == null ? Sweep.LAMBDA_A : sweep);
    }

    public AlignGuard {
        MethodCatalog.require(lambdaA >= 0 && lambdaT >= 0 && lambdaNC >= 0,
            "lambda_a, lambda_t and lambda_nc must be >= 0, got " + lambdaA + ", " + lambdaT + ", " + lambdaNC);
        MethodCatalog.require(alpha >= 0 && alpha <= 1, "alpha must be in [0, 1], got " + alpha);
        MethodCatalog.require(Double.isFinite(beta) && Double.isFinite(tau), "beta and tau must be finite");
        MethodCatalog.require(smoothing > 0, "smoothing must be > 0, got " + smoothing);
    }

    @Override
    public Strength strength() {
        return new Strength(sweep.label, false);
    }

    /**
     * The objective's weights at a swept strength: the swept weight ({@code sweep}, λA by default)
     * is the strength; with no strength (NaN) every weight is its parameter.
     */
    public AlignGuardSettings settings(double strength) {
        boolean swept = !Double.isNaN(strength);
        return new AlignGuardSettings(swept && sweep == Sweep.LAMBDA_A ? strength : lambdaA,
            swept && sweep == Sweep.LAMBDA_T ? strength : lambdaT, swept && sweep == Sweep.LAMBDA_NC ? strength : lambdaNC,
            alpha, beta, tau, AlignGuardSettings.Geodesic.valueOf(geodesic.name()), (float) smoothing, 1e-12f);
    }

    @Override
    public TrialPlan plan(TrialContext context, double strength) {
        return plan(context, strength, SubspaceView.FISHER);
    }

    /** The plan on the subspaces the view shows (the Fisher's, or the random control's). */
    TrialPlan plan(TrialContext context, double strength, SubspaceView view) {
        Supplier<Map<String, LayerSubspace>> subspaces = context.trackAlignmentSubspaces(view);
        return TrialPlan.of(new AlignGuardObjective(context.methodName(), context.model(), settings(strength), subspaces,
            context.taskCurvature(stability)));
    }

    private static double or(Double v, double fallback) {
        return v == null ? fallback : v;
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String field, String s) {
        try {
            return Enum.valueOf(type, s.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            StringBuilder allowed = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                allowed.append(allowed.isEmpty() ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException(field + " must be one of " + allowed + ", got '" + s + "'");
        }
    }
}
