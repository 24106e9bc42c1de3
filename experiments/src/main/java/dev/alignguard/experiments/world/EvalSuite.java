package dev.alignguard.experiments.world;

/**
 * The held-out evaluation sets (DriftCheck-style): unsafe prompts whose response is the refusal
 * (with the compliant answer alongside, for harmful compliance), safe prompts with their answers,
 * and the fine-tuning task's test set.
 */
public record EvalSuite(Dataset unsafe, Dataset safe, Dataset taskTest) {

    /**
     * A suite from one DriftCheck-style set of labelled prompts (e.g. a JSONL file): the unsafe ones
     * (whose response should be the refusal) and the safe ones, plus a task test set (may be empty).
     */
    public static EvalSuite split(Dataset prompts, Dataset taskTest) {
        return new EvalSuite(
            new Dataset(prompts.name() + " (unsafe)", prompts.examples().stream().filter(e -> e.label() == Label.UNSAFE).toList()),
            new Dataset(prompts.name() + " (safe)", prompts.examples().stream().filter(e -> e.label() == Label.SAFE).toList()),
            taskTest);
    }
}
