package dev.alignguard.experiments.pipeline;

import java.util.List;

import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.KeptFiles;
import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.trainer.Trainer;

/**
 * Where the stages of a base (pretrain, align) keep what they produce, so that a run cut short
 * resumes instead of retraining: {@link #NONE} keeps nothing (every stage trains from scratch, as a
 * library call expects); a {@link RunFolder} keeps each finished stage's model, checkpoints in the
 * middle of a stage and the finished base's metrics.
 */
public interface BaseStore {

    /** Keeps nothing: every stage trains from step 0. */
    BaseStore NONE = new BaseStore() {
        @Override
        public void stage(String key, String stage, LlamaModel model, WordTokenizer tokenizer, Trainer trainer, int checkpointEvery,
                          long seed) {
            trainer.run();
        }

        @Override
        public Finished finished(String key) {
            return null;
        }

        @Override
        public void finish(String key, Metrics unaligned, Metrics aligned) {
        }
    };

    /** The evaluations of a finished base, as stored. */
    record Finished(Metrics unaligned, Metrics aligned) {
    }

    /**
     * Brings {@code model} to its state after {@code stage} of base {@code key}: loads the stage's stored
     * result into it, or resumes {@code trainer} from the stage's last checkpoint, or runs it from step 0;
     * a stage that ran is stored (with {@code tokenizer}) and its checkpoints are removed. Every way
     * gives the same weights bit for bit.
     *
     * @param checkpointEvery steps between mid-stage checkpoints (0: none)
     * @param seed            the stage's seed (recorded in its checkpoints)
     */
    void stage(String key, String stage, LlamaModel model, WordTokenizer tokenizer, Trainer trainer, int checkpointEvery, long seed);

    /** The stored evaluations of base {@code key} when it finished in an earlier run, else null. */
    Finished finished(String key);

    /** Records base {@code key} as finished, with its evaluations. */
    void finish(String key, Metrics unaligned, Metrics aligned);

    /** Keeps base {@code key}'s alignment set (what its Fisher is estimated on), when the store keeps files; by default nothing. */
    default void keepAlignmentSet(String key, Dataset alignmentSet) {
    }

    /** What the store keeps of a finished run's bases and trials, or null when it keeps no files (the default). */
    default KeptFiles kept(List<Trial> trials, List<TrialRunner.Outcome> outcomes) {
        return null;
    }
}
