package dev.alignguard.experiments.spec;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Sequential fine-tuning (issue 14, part 3): the world's task verbs split into {@code tasks} groups,
 * in order, each group one downstream task, fine-tuned one after another from the aligned model.
 * A spec with a {@code sequence} block is a continual study ({@code pipeline.ContinualStudy}); a
 * method may override {@code sequence.adapter} or {@code sequence.fisher} for itself.
 *
 * @param tasks   how many tasks the world's {@code task_verbs} are split into (each gets
 *                {@code task_verbs / tasks} verbs; the split must be exact)
 * @param adapter {@link Adapter#MERGE}: after each task the adapter is merged into the weights and the
 *                next task starts a fresh (zero-update) adapter, so every penalty is on the new task's
 *                update alone; {@link Adapter#CONTINUE}: one adapter is trained through every task, so
 *                every penalty is on the whole update since the aligned model
 * @param fisher  {@link FisherMode#FIXED}: every Fisher quantity a method uses (alignment subspace, EWC's
 *                diagonal) is estimated once, at the aligned model; {@link FisherMode#REESTIMATE}: estimated
 *                again before each task, at the model as the previous tasks left it
 */
public record SequenceSpec(@JsonProperty("tasks") int tasks,
                           @JsonProperty("adapter") Adapter adapter,
                           @JsonProperty("fisher") FisherMode fisher) {

    /** The most tasks a sequence may have (a bound on run time and on the report's width). */
    public static final int MAX_TASKS = 8;

    /** What happens to the adapter between tasks. */
    public enum Adapter {
        MERGE, CONTINUE;

        @JsonCreator
        public static Adapter parse(String s) {
            return parse(Adapter.class, "sequence.adapter", s);
        }

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static <E extends Enum<E>> E parse(Class<E> type, String field, String s) {
            for (E c : type.getEnumConstants()) {
                if (c.name().toLowerCase(Locale.ROOT).equals(s)) {
                    return c;
                }
            }
            StringBuilder allowed = new StringBuilder();
            for (E c : type.getEnumConstants()) {
                allowed.append(allowed.isEmpty() ? "" : " or ").append(c.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException(field + " must be " + allowed + ", got '" + s + "'");
        }
    }

    /** When the Fisher quantities are estimated. */
    public enum FisherMode {
        FIXED, REESTIMATE;

        @JsonCreator
        public static FisherMode parse(String s) {
            return Adapter.parse(FisherMode.class, "sequence.fisher", s);
        }

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SequenceSpec {
        if (tasks < 2 || tasks > MAX_TASKS) {
            throw new IllegalArgumentException("sequence.tasks must be in [2, " + MAX_TASKS + "] (a sequence has at least two"
                + " tasks), got " + tasks);
        }
        if (adapter == null || fisher == null) {
            throw new IllegalArgumentException("sequence.adapter and sequence.fisher are required");
        }
    }

    /** Reads JSON; a missing field takes its default (3 tasks, merge, fixed). */
    @JsonCreator
    static SequenceSpec fromJson(@JsonProperty("tasks") Integer tasks, @JsonProperty("adapter") Adapter adapter,
                                 @JsonProperty("fisher") FisherMode fisher) {
        return new SequenceSpec(tasks == null ? 3 : tasks, adapter == null ? Adapter.MERGE : adapter,
            fisher == null ? FisherMode.FIXED : fisher);
    }
}
