package dev.alignguard.proofs.harness;

/**
 * Checks of an error against its bound that also record, for the running law ({@link LawRun}),
 * how close the error came: the worst {@code error / bound} is what {@code alignguard verify}
 * reports per law. Every numeric tolerance check of the laws goes through here (directly, or
 * through a package's own helper that calls {@link #observe}); a failed check throws
 * {@link AssertionError}, which QuickTheories reports as a falsified example and shrinks.
 */
public final class Bounds {

    private Bounds() {
    }

    /**
     * Records one error against its bound for the running law (nothing outside a law): the ratio
     * {@code error / bound}, 0 when both are 0, infinite when only the bound is 0 or the error is NaN.
     * Does not fail; the caller decides.
     */
    public static void observe(double error, double bound) {
        LawRun run = LawRun.current();
        if (run != null) {
            run.observe(ratio(error, bound));
        }
    }

    static double ratio(double error, double bound) {
        double e = Math.abs(error);
        if (Double.isNaN(e) || Double.isNaN(bound)) {
            return Double.POSITIVE_INFINITY;
        }
        if (bound > 0) {
            return e / bound;
        }
        return e == 0 ? 0 : Double.POSITIVE_INFINITY;
    }

    /**
     * Fails unless {@code |expected - actual| <= tol}, or the two are the same double (JUnit's
     * {@code assertEquals(double, double, double)}, which this replaces); NaN against a number never passes.
     */
    public static void close(double expected, double actual, double tol, String what) {
        if (Double.doubleToLongBits(expected) == Double.doubleToLongBits(actual)) {
            observe(0, tol);
            return;
        }
        double diff = Math.abs(expected - actual);
        observe(diff, tol);
        if (!(diff <= tol)) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual + " (|diff| = " + diff + " > tol " + tol + ")");
        }
    }

    /** Fails unless {@code error <= bound} (NaN never passes); {@code error} is a non-negative error measure. */
    public static void atMost(double error, double bound, String what) {
        observe(error, bound);
        if (!(error <= bound)) {
            throw new AssertionError(what + ": " + error + " exceeds the bound " + bound);
        }
    }
}
