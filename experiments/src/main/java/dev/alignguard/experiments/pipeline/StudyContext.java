package dev.alignguard.experiments.pipeline;

import java.io.PrintStream;
import java.nio.file.Path;

import dev.alignguard.math.kernels.Backend;

/**
 * What trials need besides themselves: where to write logs, where to report progress, the base
 * cache, the kernel backend the run chose (workers build their kernels from it), and whom to tell
 * as each trial finishes (an executor calls {@link TrialListener#finished} once per trial, in the
 * order trials finish; the run folder stores each outcome there).
 */
public record StudyContext(Path runDir, PrintStream progress, BaseModelCache bases, Backend backend, TrialListener listener) {

    /** Told of each trial as it finishes (from the thread that finished it). */
    @FunctionalInterface
    public interface TrialListener {

        TrialListener NONE = (trial, outcome) -> {
        };

        /** Called once per trial with its outcome (failed or not); an exception here fails the sweep. */
        void finished(Trial trial, TrialRunner.Outcome outcome);
    }

    public StudyContext {
        listener = listener == null ? TrialListener.NONE : listener;
    }

    /** A context whose executor tells no one as trials finish. */
    public StudyContext(Path runDir, PrintStream progress, BaseModelCache bases, Backend backend) {
        this(runDir, progress, bases, backend, TrialListener.NONE);
    }

    /** The same context, telling {@code next} as well (after the listener already set). */
    public StudyContext alsoTelling(TrialListener next) {
        TrialListener first = listener;
        return new StudyContext(runDir, progress, bases, backend, (trial, outcome) -> {
            first.finished(trial, outcome);
            next.finished(trial, outcome);
        });
    }
}
