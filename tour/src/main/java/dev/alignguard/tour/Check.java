package dev.alignguard.tour;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The tour's checks: each prints {@code check: <what> ... ok (<numbers>)} and throws
 * {@link AssertionError} when it does not hold, so a chapter that prints a wrong number fails.
 */
public final class Check {

    private final PrintStream out;
    private int passed;

    public Check(PrintStream out) {
        this.out = out;
    }

    /** How many checks have held so far. */
    public int passed() {
        return passed;
    }

    /** {@code holds}, with the numbers that show it. */
    public void that(String what, boolean holds, String numbers) {
        if (!holds) {
            out.println("check: " + what + " ... FAILED (" + numbers + ")");
            throw new AssertionError("check failed: " + what + " (" + numbers + ")");
        }
        passed++;
        out.println("check: " + what + " ... ok (" + numbers + ")");
    }

    /** {@code |actual - expected| <= tolerance}. */
    public void near(String what, double actual, double expected, double tolerance) {
        that(what, Math.abs(actual - expected) <= tolerance,
            fmt("%.6g vs %.6g, |diff| %.2g <= %.1g", actual, expected, Math.abs(actual - expected), tolerance));
    }

    /** {@code value <= bound}. */
    public void atMost(String what, double value, double bound) {
        that(what, value <= bound, fmt("%.3g <= %.1g", value, bound));
    }

    /** {@code value > bound}. */
    public void above(String what, double value, double bound) {
        that(what, value > bound, fmt("%.4g > %.4g", value, bound));
    }

    /** Exact equality of integers. */
    public void equal(String what, long actual, long expected) {
        that(what, actual == expected, actual + " == " + expected);
    }

    /** Exact equality of objects (strings, lists). */
    public void equal(String what, Object actual, Object expected) {
        that(what, java.util.Objects.equals(actual, expected), actual + " == " + expected);
    }

    /** {@link String#format} in the root locale (decimal points, not commas). */
    public static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
