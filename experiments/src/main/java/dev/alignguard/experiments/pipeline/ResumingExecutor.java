package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A {@link TrialExecutor} over a {@link RunFolder}: a trial an earlier run of the same spec finished
 * is not run again, its stored outcome is returned in its place; every other trial runs on the
 * wrapped executor, and its outcome is stored atomically as soon as it finishes (so a run killed
 * after N trials keeps N). Trials are found by content ({@link RunFolder#trialKey}), so the list
 * given to {@link #run} may differ from call to call (rounds of a search) and still resumes.
 * Stored and fresh outcomes are bit-identical, so the summary does not depend on where a run was cut.
 */
public final class ResumingExecutor implements TrialExecutor {

    private final TrialExecutor delegate;
    private final RunFolder folder;
    private int resumed;
    private int ran;

    public ResumingExecutor(TrialExecutor delegate, RunFolder folder) {
        this.delegate = delegate;
        this.folder = folder;
    }

    @Override
    public List<TrialRunner.Outcome> run(List<Trial> trials, StudyContext context) {
        TrialRunner.Outcome[] out = new TrialRunner.Outcome[trials.size()];
        List<Trial> todo = new ArrayList<>();
        List<Integer> where = new ArrayList<>();
        for (int i = 0; i < trials.size(); i++) {
            TrialRunner.Outcome stored = folder.storedOutcome(trials.get(i));
            if (stored != null) {
                out[i] = stored;
            } else {
                todo.add(trials.get(i));
                where.add(i);
            }
        }
        int kept = trials.size() - todo.size();
        resumed += kept;
        ran += todo.size();
        if (kept > 0) {
            context.progress().printf(Locale.ROOT, "resuming: %d of %d trials finished in an earlier run (kept in %s); running %d%n",
                kept, trials.size(), folder.dir().resolve(RunFolder.TRIALS), todo.size());
        }
        if (!todo.isEmpty()) {
            List<TrialRunner.Outcome> fresh = delegate.run(todo, context.alsoTelling(folder::store));
            for (int k = 0; k < fresh.size(); k++) {
                out[where.get(k)] = fresh.get(k).withoutAdapter(); // stored (or not kept): the study needs the rest
            }
        }
        return Arrays.asList(out);
    }

    /** The executor the trials not stored run on. */
    public TrialExecutor delegate() {
        return delegate;
    }

    /** Trials taken from the run folder so far. */
    public int resumed() {
        return resumed;
    }

    /** Trials run so far. */
    public int ran() {
        return ran;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
