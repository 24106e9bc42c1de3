package dev.alignguard.training.objective;

import java.util.Locale;

/**
 * The weights and shapes of the AlignGuard terms (DESIGN.md section 1):
 * {@code L = L_task + lambdaA ||F^{1/2} dW_A||^2 + lambdaT ||H^{1/2} dW_T||^2 + lambdaNC [alpha E_RM + (1 - alpha) E_geo]}.
 * A weight of 0 switches its term off (the ablations).
 *
 * @param beta      E_RM's emphasis on large entries: eta = 1 + beta sigmoid(|dW| - tau)
 * @param tau       E_RM's threshold
 * @param geodesic  literal cosine form (vanishes for exact projectors) or the column-space form
 * @param smoothing width of the smooth |.| in E_RM
 * @param eps       the denominators' guard in E_geo
 */
public record AlignGuardSettings(double lambdaA, double lambdaT, double lambdaNC, double alpha, double beta, double tau,
                                 Geodesic geodesic, float smoothing, float eps) {

    public enum Geodesic {
        LITERAL, SUBSPACE;

        public static Geodesic parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown geodesic variant '" + s + "'; expected literal or subspace");
            }
        }
    }

    public AlignGuardSettings {
        if (!(lambdaA >= 0) || !(lambdaT >= 0) || !(lambdaNC >= 0)) {
            throw new IllegalArgumentException("AlignGuard weights must be >= 0: lambda_A " + lambdaA + ", lambda_T "
                + lambdaT + ", lambda_NC " + lambdaNC);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        if (!(smoothing > 0) || !(eps > 0)) {
            throw new IllegalArgumentException("smoothing and eps must be > 0, got " + smoothing + " and " + eps);
        }
    }

    /** The paper's defaults for the collision shape, with the given weights. */
    public static AlignGuardSettings of(double lambdaA, double lambdaT, double lambdaNC) {
        return new AlignGuardSettings(lambdaA, lambdaT, lambdaNC, 0.5, 1.0, 0.01, Geodesic.SUBSPACE, 1e-4f, 1e-12f);
    }

    public AlignGuardSettings withGeodesic(Geodesic g) {
        return new AlignGuardSettings(lambdaA, lambdaT, lambdaNC, alpha, beta, tau, g, smoothing, eps);
    }

    public AlignGuardSettings withAlpha(double a) {
        return new AlignGuardSettings(lambdaA, lambdaT, lambdaNC, a, beta, tau, geodesic, smoothing, eps);
    }
}
