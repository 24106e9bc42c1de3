package dev.alignguard.experiments.world;

/**
 * Held-out evaluation sets (DriftCheck-style): unsafe prompts whose response is the refusal
 * (with the compliant answer alongside, for harmful compliance), safe prompts with their answers,
 * and the fine-tuning task's test set. A study has two: validation (for selection) and test (for
 * every reported number).
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

    /** The suite's two parts, validation and test. */
    public record Halves(EvalSuite validation, EvalSuite test) {
    }

    /**
     * Splits every set of this suite into validation and test by a hash of each prompt (stable
     * across runs and machines): for data that says nothing of objects (a JSONL file), the best
     * disjoint split there is. The world's own split keeps whole objects apart ({@link World#validation()}).
     */
    public Halves halvesByPrompt() {
        return new Halves(new EvalSuite(half(unsafe, true), half(safe, true), half(taskTest, true)),
            new EvalSuite(half(unsafe, false), half(safe, false), half(taskTest, false)));
    }

    private static Dataset half(Dataset d, boolean validation) {
        return new Dataset(d.name() + (validation ? " (validation)" : " (test)"), d.examples().stream()
            .filter(e -> (stableHash(e.prompt()) & 1) == (validation ? 1 : 0)).toList());
    }

    /** FNV-1a over the prompt's UTF-16 units: the same on every JVM (unlike a seeded or identity hash). */
    private static long stableHash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return h ^ (h >>> 29);
    }
}
