package dev.alignguard.experiments.pipeline;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.math.kernels.Backend;

/**
 * Runs trials on a thread pool sized to the machine. Each worker owns single-threaded kernels of the
 * run's backend
 * (trial-level parallelism beats splitting tiny matrix products), and the kernels' results do not
 * depend on threads, so the numbers equal a one-thread run. A failing trial is recorded with its
 * error and the sweep goes on.
 */
public final class LocalExecutor implements TrialExecutor {

    private final int workers;

    public LocalExecutor(int workers) {
        this.workers = Math.max(1, workers);
    }

    /** Trials run at once. */
    public int workers() {
        return workers;
    }

    @Override
    public String name() {
        return "local[" + workers + "]";
    }

    @Override
    public List<TrialRunner.Outcome> run(List<Trial> trials, StudyContext context) {
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "trial-worker");
            t.setDaemon(true);
            return t;
        });
        Backend backend = workers == 1 ? context.backend() : context.backend().oneThread();
        ThreadLocal<TrialRunner> runners = ThreadLocal.withInitial(() -> new TrialRunner(backend.create()));
        AtomicInteger done = new AtomicInteger();
        long start = System.nanoTime();
        try {
            List<Future<TrialRunner.Outcome>> futures = new ArrayList<>();
            for (Trial trial : trials) {
                futures.add(pool.submit(() -> {
                    TrialRunner.Outcome o = runOne(trial, context, runners.get());
                    context.listener().finished(trial, o);
                    int n = done.incrementAndGet();
                    double elapsed = (System.nanoTime() - start) / 1e9;
                    double left = elapsed / n * (trials.size() - n);
                    TrialRecord r = o.record();
                    context.progress().printf(Locale.ROOT, "  [trial %d/%d] %-34s %s  (%.1fs; ~%.0fs left)%n", n, trials.size(),
                        trial.label(), r.failed() ? "FAILED: " + r.error()
                            : String.format(Locale.ROOT, "refusal %.3f  task %.3f", r.metrics().get("refusal_unsafe"),
                                r.metrics().get("task_accuracy")),
                        r.seconds(), left);
                    return o;
                }));
            }
            List<TrialRunner.Outcome> out = new ArrayList<>();
            for (Future<TrialRunner.Outcome> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) { // e.g. a finished trial that could not be stored
                throw r;
            }
            throw new IllegalStateException("sweep failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Runs a trial, turning any failure into a record that names the trial and the error. */
    public static TrialRunner.Outcome runOne(Trial trial, StudyContext context, TrialRunner runner) {
        long t0 = System.nanoTime();
        try {
            BaseModels base = context.bases().get(trial.spec(), trial.baseSeed(),
                runner.kernels());
            return runner.run(trial, base, context.runDir());
        } catch (RuntimeException | Error e) {
            return failure(trial, e, (System.nanoTime() - t0) / 1e9);
        }
    }

    public static TrialRunner.Outcome failure(Trial trial, Throwable e, double seconds) {
        if (e instanceof TrialFailure f && f.getCause() != null) { // the trial kept its log: point to it
            TrialRunner.Outcome o = failure(trial.method().name(), trial.method().kind(), trial.strength(), trial.baseSeed(),
                trial.seed(), f.getCause(), seconds);
            return new TrialRunner.Outcome(o.record().withLog(f.log()), o.finalAlignmentUpdates(), null);
        }
        return failure(trial.method().name(), trial.method().kind(), trial.strength(), trial.baseSeed(), trial.seed(), e,
            seconds);
    }

    /** A failure record from the trial's identity alone (for failures before the trial could be decoded). */
    public static TrialRunner.Outcome failure(String methodName, String kind, double strength, long baseSeed, long seed,
                                              Throwable e, double seconds) {
        String message = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (Boolean.getBoolean("alignguard.stacktrace")) {
            StringWriter sw = new StringWriter();
            e.printStackTrace(new PrintWriter(sw));
            message += "\n" + sw;
        }
        return new TrialRunner.Outcome(new TrialRecord(methodName, kind, strength, baseSeed, seed, Map.of(), Map.of(),
            List.of(), seconds, null, message, null, Map.of(), List.of()), Map.of());
    }
}
