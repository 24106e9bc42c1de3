package dev.alignguard.experiments.method;

/**
 * The adaptive method's λA controller, a pure function: every K steps the alignment loss (refusal
 * NLL on a probe set) is measured, and λA moves multiplicatively against its increase over the
 * start, within bounds:
 * <pre>
 *   excess = nll_now - nll_start
 *   excess >  budget             -> λ' = λ * up        (alignment is drifting: protect more)
 *   excess <  budget * WELL_UNDER -> λ' = λ * down      (well inside the budget: let the task learn)
 *   otherwise (or excess NaN)    -> λ' = λ
 *   then λ' is clamped to [lambda_min, lambda_max]
 * </pre>
 *
 * @param budget    allowed NLL increase over the start, in nats (>= 0)
 * @param up        factor when over budget (>= 1)
 * @param down      factor when well under (in (0, 1])
 * @param lambdaMin lower bound (>= 0)
 * @param lambdaMax upper bound (>= lambdaMin, finite)
 */
public record LambdaController(double budget, double up, double down, double lambdaMin, double lambdaMax) {

    /** "Well under" the budget: an increase below this share of it. */
    public static final double WELL_UNDER = 0.5;

    public LambdaController {
        MethodCatalog.require(budget >= 0 && Double.isFinite(budget), "budget must be finite and >= 0, got " + budget);
        MethodCatalog.require(up >= 1 && Double.isFinite(up), "up must be finite and >= 1, got " + up);
        MethodCatalog.require(down > 0 && down <= 1, "down must be in (0, 1], got " + down);
        MethodCatalog.require(lambdaMin >= 0 && lambdaMax >= lambdaMin && Double.isFinite(lambdaMax),
            "need 0 <= lambda_min <= lambda_max < infinity, got " + lambdaMin + " and " + lambdaMax);
    }

    /** The next λ, within [lambdaMin, lambdaMax] whatever the inputs (a NaN λ becomes lambdaMin). */
    public double next(double nllStart, double nllNow, double lambda) {
        double excess = nllNow - nllStart;
        double moved = lambda;
        if (excess > budget) {
            moved = lambda * up;
        } else if (excess < budget * WELL_UNDER) {
            moved = lambda * down;
        }
        return clamp(moved);
    }

    /** λ clamped to the bounds (NaN to lambdaMin). */
    public double clamp(double lambda) {
        if (Double.isNaN(lambda)) {
            return lambdaMin;
        }
        return Math.max(lambdaMin, Math.min(lambdaMax, lambda));
    }
}
