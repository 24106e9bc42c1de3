package dev.alignguard.verify;

/**
 * The outcome of one law in one verification run (one row of the report).
 *
 * @param law              {@code TestClass#method}, as {@code --laws} and {@code -Dtest} select it
 * @param testClass        the test class, fully qualified
 * @param method           the law's method
 * @param declaredIn       the interface that states the law ({@code ProjectorLaws}), or null when the class does
 * @param result           what happened
 * @param examples         the examples the law was asked to check (its stated ones, scaled), 0 when it ran no property
 * @param examplesChecked  the examples it checked (fewer when falsified)
 * @param seed             the seed its property ran from, or null
 * @param worstErrorToBound the largest observed error / bound over its bounded checks (above 1 on a failed check),
 *                         or null for a law without a numeric bound (exact or logical)
 * @param boundedChecks    how many bounded checks it made
 * @param seconds          wall time of the law
 * @param message          for a law that did not hold: the failure, with the shrunk counterexample for a falsified property
 * @param counterexample   the smallest counterexample of a falsified property, or null
 * @param replay           the command that runs this law again as it ran ({@code ./alignguard verify ...}), or null when it held
 * @param replayMaven      the same through Maven ({@code ./mvnw ... -Dtest=...}), or null when it held
 */
public record LawResult(String law, String testClass, String method, String declaredIn, Outcome result, int examples,
                        int examplesChecked, Long seed, Double worstErrorToBound, long boundedChecks, double seconds,
                        String message, String counterexample, String replay, String replayMaven) {

    /** What happened to a law. */
    public enum Outcome {
        /** Every example held. */
        PASSED,
        /** An example falsified it, or it failed otherwise (its message says how). */
        FAILED,
        /** It did not run (disabled, or an assumption of JUnit's was not met): not verified. */
        SKIPPED
    }

    /** Whether the law held. */
    public boolean held() {
        return result == Outcome.PASSED;
    }
}
