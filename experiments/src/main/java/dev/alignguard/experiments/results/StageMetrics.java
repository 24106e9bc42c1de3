package dev.alignguard.experiments.results;

import java.util.List;
import java.util.Map;

/**
 * How a sequential trial's record names its metrics: the metric {@code m} measured after task
 * {@code s} (stage 0 is the aligned model before any task) is {@code stage_s/m}; task k's exact-match
 * accuracy is {@code task_k_accuracy}. The record's plain names ({@code refusal_unsafe}, ...) hold the
 * last stage's values, so the usual tools read a sequential trial as its final state; its plain
 * {@code task_accuracy} is that of the last task, the one just trained (the mean over all tasks is
 * {@code mean_task_accuracy}).
 */
public final class StageMetrics {

    /** The metrics tracked at every stage besides each task's accuracy (summary.json names). */
    public static final List<String> TRACKED = List.of(MetricNames.REFUSAL_UNSAFE, MetricNames.DRIFT,
        MetricNames.OVER_REFUSAL_SAFE, MetricNames.ALIGNMENT_NLL, MetricNames.ALIGNMENT_NLL_INCREASE,
        MetricNames.SAFE_ACCURACY, MetricNames.HARMFUL_COMPLIANCE, "mean_task_accuracy", "mean_earlier_task_accuracy",
        MetricNames.DRIFT_REDUCTION);

    private StageMetrics() {
    }

    /** {@code stage_s/metric}. */
    public static String at(int stage, String metric) {
        return "stage_" + stage + "/" + metric;
    }

    /**
     * Puts stage {@code stage}'s metrics into {@code into}: every {@link #TRACKED} metric present in
     * {@code flat} (an evaluation's {@link MetricNames#of} against the aligned model), each task's
     * accuracy ({@code taskAccuracy[k - 1]} for task k, every task at every stage: earlier, current and
     * later ones), the mean accuracy of the tasks trained so far (1..stage; NaN at stage 0) and of the
     * earlier ones (1..stage-1; NaN before stage 2).
     */
    public static void record(Map<String, Double> into, int stage, Map<String, Double> flat, double[] taskAccuracy) {
        if (stage < 0 || stage > taskAccuracy.length) {
            throw new IllegalArgumentException("stage " + stage + " of a sequence of " + taskAccuracy.length + " tasks");
        }
        for (String name : TRACKED) {
            if (flat.containsKey(name)) {
                into.put(at(stage, name), flat.get(name));
            }
        }
        double sum = 0;
        double earlier = 0;
        for (int k = 1; k <= taskAccuracy.length; k++) {
            into.put(at(stage, taskAccuracy(k)), taskAccuracy[k - 1]);
            if (k <= stage) {
                sum += taskAccuracy[k - 1];
            }
            if (k < stage) {
                earlier += taskAccuracy[k - 1];
            }
        }
        into.put(at(stage, "mean_task_accuracy"), stage == 0 ? Double.NaN : sum / stage);
        into.put(at(stage, "mean_earlier_task_accuracy"), stage <= 1 ? Double.NaN : earlier / (stage - 1));
    }

    /** {@code task_k_accuracy}. */
    public static String taskAccuracy(int task) {
        return "task_" + task + "_accuracy";
    }
}
