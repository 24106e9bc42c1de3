package dev.alignguard.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.stream.Stream;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;

import dev.alignguard.experiments.pipeline.BaseModelCache;
import dev.alignguard.experiments.pipeline.BaseModels;
import dev.alignguard.experiments.pipeline.LocalExecutor;
import dev.alignguard.experiments.pipeline.TrialFailure;
import dev.alignguard.experiments.pipeline.Trial;
import dev.alignguard.experiments.pipeline.TrialRunner;
import dev.alignguard.math.kernels.Backend;

/**
 * What a Spark task does with one trial: decode it, get its base models, run it with the very code
 * the local executor runs ({@link TrialRunner} on single-threaded kernels of the study's backend), and return
 * the outcome with the trial's per-step log.
 *
 * <h2>Base models</h2>
 * In local and embedded mode the task runs in the driver's JVM and takes the bases the study
 * already built (the driver's {@link BaseModelCache}, found through a per-run registry). On a
 * cluster each executor JVM rebuilds the bases it needs, once, in a per-JVM cache: stages 0 and 1
 * are a pure function of the spec and the base seed, so the rebuilt models are bit for bit the
 * driver's (they are built with the driver's kernel backend on one thread; the vector kernels give
 * the same bits on any thread count). This costs one base build per executor and distinct base,
 * and avoids shipping models.
 *
 * <h2>Failures and retries</h2>
 * A trial that throws on an attempt that is not the last one rethrows, so Spark retries it (up to
 * {@code spark.task.maxFailures} attempts; the executor computes that number on the driver and
 * ships it here). On the last attempt the error becomes a failure record (the local executor's
 * format: spec of the trial plus the error), so the sweep still completes. Errors ({@link Error},
 * e.g. a stack overflow) are wrapped before they are rethrown, so they fail the attempt instead of
 * killing the executor JVM (in local mode: the driver).
 */
final class TrialFunction implements Function<TrialTask, TrialResult> {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The driver's base caches by run id: found by tasks that run in the driver's JVM (local mode). */
    static final Map<String, BaseModelCache> DRIVER_BASES = new ConcurrentHashMap<>();

    /** Bases rebuilt on this JVM (an executor of a cluster, or local mode with sharing off). */
    private static final BaseModelCache EXECUTOR_BASES = new BaseModelCache(prefixed(System.err, "[alignguard executor] "));

    /** Each task thread's runner per backend (a JVM may serve studies on different backends). */
    private static final ThreadLocal<Map<Backend, TrialRunner>> RUNNERS = ThreadLocal.withInitial(HashMap::new);

    /** Test hook: (trial index, attempt) -> throw an injected fault. Only seen by tasks in this JVM. */
    static volatile BiPredicate<Integer, Integer> faults;

    private final String runId;
    private final int maxAttempts;
    private final Backend backend;
    private final boolean shareDriverBases;

    TrialFunction(String runId, int maxAttempts, Backend backend, boolean shareDriverBases) {
        this.runId = runId;
        this.maxAttempts = Math.max(1, maxAttempts);
        this.backend = backend;
        this.shareDriverBases = shareDriverBases;
    }

    @Override
    public TrialResult call(TrialTask task) {
        TaskContext tc = TaskContext.get();
        int attempt = tc == null ? 0 : tc.attemptNumber();
        String executor = SparkEnv.get() == null ? "?" : SparkEnv.get().executorId();
        long t0 = System.nanoTime();
        Trial trial = null;
        try {
            BiPredicate<Integer, Integer> f = faults;
            if (f != null && f.test(task.index(), attempt)) {
                throw new IllegalStateException("injected fault in trial " + task.index() + ", attempt " + attempt);
            }
            trial = task.toTrial();
            return runTrial(trial, attempt, executor);
        } catch (RuntimeException | Error thrown) {
            Throwable e = thrown instanceof FailedWithLog f ? f.failure : thrown;
            if (attempt + 1 < maxAttempts) {
                throw e instanceof RuntimeException re ? re
                    : new IllegalStateException("trial " + task.label() + " failed: " + e, e);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            TrialRunner.Outcome failed = trial != null ? LocalExecutor.failure(trial, e, seconds)
                : LocalExecutor.failure(task.methodName(), task.kind(), task.strength(), task.baseSeed(), task.seed(), e,
                    seconds);
            // the failed trial's log (logs/ID.failed.jsonl) travels with it, as a finished trial's does
            return TrialResult.of(task.index(), failed, thrown instanceof FailedWithLog f ? f.text : null, attempt, executor);
        }
    }

    private TrialResult runTrial(Trial trial, int attempt, String executor) {
        BaseModelCache cache = shareDriverBases ? DRIVER_BASES.getOrDefault(runId, EXECUTOR_BASES) : EXECUTOR_BASES;
        long baseSeed = trial.baseSeed();
        TrialRunner runner = RUNNERS.get().computeIfAbsent(backend, b -> new TrialRunner(b.create()));
        BaseModels base = cache.get(trial.spec(), baseSeed, runner.kernels());
        Path scratch;
        try {
            scratch = Files.createTempDirectory("alignguard-trial-");
        } catch (IOException e) {
            throw new UncheckedIOException("no scratch directory for trial " + trial.label() + ": " + e.getMessage(), e);
        }
        try {
            TrialRunner.Outcome outcome = runner.run(trial, base, scratch);
            String log = null;
            if (outcome.record().log() != null) {
                Path file = scratch.resolve(outcome.record().log());
                if (Files.exists(file)) {
                    log = Files.readString(file, StandardCharsets.UTF_8);
                }
            }
            return TrialResult.of(trial.index(), outcome, log, attempt, executor);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read back the log of trial " + trial.label() + ": " + e.getMessage(), e);
        } catch (TrialFailure f) {
            String text = null;
            if (f.log() != null) {
                try {
                    text = Files.readString(scratch.resolve(f.log()), StandardCharsets.UTF_8);
                } catch (IOException ignored) {
                    // the failure is what matters; its record then names no log
                }
            }
            throw new FailedWithLog(f, text);
        } finally {
            deleteQuietly(scratch);
        }
    }

    /** A trial failure with the text of the log its runner kept, read before the scratch folder goes. */
    private static final class FailedWithLog extends RuntimeException {

        final TrialFailure failure;
        final String text;

        FailedWithLog(TrialFailure failure, String text) {
            super(failure.getMessage(), failure);
            this.failure = failure;
            this.text = text;
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // scratch space; the OS cleans its temp directory
                }
            });
        } catch (IOException ignored) {
            // as above
        }
    }

    private static PrintStream prefixed(PrintStream out, String prefix) {
        return new PrintStream(new java.io.OutputStream() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    out.println(prefix + line);
                    line.setLength(0);
                } else {
                    line.append((char) b);
                }
            }
        }, true, StandardCharsets.ISO_8859_1);
    }
}
