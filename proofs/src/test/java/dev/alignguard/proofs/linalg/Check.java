package dev.alignguard.proofs.linalg;

import java.util.Arrays;

import dev.alignguard.proofs.harness.Bounds;

/**
 * Minimal assertions for the property suites, with messages that carry the bound; a failed check
 * throws {@link AssertionError}, which QuickTheories reports as a falsified property and shrinks.
 * The bounded checks go through {@link Bounds}, which records how close each error came to its bound.
 */
final class Check {

    private Check() {
    }

    /** Fails with {@code message} unless {@code condition}. */
    static void that(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }

    /** Fails unless |expected - actual| <= tol (NaN never passes). */
    static void close(double expected, double actual, double tol, String what) {
        Bounds.observe(Math.abs(expected - actual), tol);
        if (!(Math.abs(expected - actual) <= tol)) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual + " (|diff| = "
                + Math.abs(expected - actual) + " > tol " + tol + ")");
        }
    }

    /** Fails unless the error measure {@code error <= bound} (NaN never passes). */
    static void atMost(double error, double bound, String what) {
        Bounds.atMost(error, bound, what);
    }

    /** Fails unless the arrays are bit-for-bit equal. */
    static void identical(double[] expected, double[] actual, String what) {
        if (!Arrays.equals(expected, actual)) {
            throw new AssertionError(what + ": arrays differ");
        }
    }
}
