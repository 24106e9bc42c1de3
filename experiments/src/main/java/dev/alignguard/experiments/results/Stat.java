package dev.alignguard.experiments.results;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A metric over seeds: the mean, the half-width of its 95% confidence interval (Student t with
 * n - 1 degrees of freedom; NaN for a single value) and the values themselves, in seed order.
 */
public record Stat(@JsonProperty("mean") double mean, @JsonProperty("ci95") double ci95,
                   @JsonProperty("values") double[] values) {

    /** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    public static Stat of(double[] values) {
        int n = values.length;
        if (n == 0) {
            return new Stat(Double.NaN, Double.NaN, values);
        }
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= n;
        if (n == 1) {
            return new Stat(mean, Double.NaN, values.clone());
        }
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double t = n - 1 <= T975.length ? T975[n - 2] : 1.960;
        return new Stat(mean, t * sd / Math.sqrt(n), values.clone());
    }
}
