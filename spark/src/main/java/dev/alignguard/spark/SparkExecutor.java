package dev.alignguard.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

import dev.alignguard.experiments.pipeline.LocalExecutor;
import dev.alignguard.experiments.pipeline.StudyContext;
import dev.alignguard.experiments.pipeline.Trial;
import dev.alignguard.experiments.pipeline.TrialExecutor;
import dev.alignguard.experiments.pipeline.TrialRunner;
import dev.alignguard.experiments.results.TrialRecord;

/**
 * Runs a sweep's trials as Spark tasks.
 *
 * <p><b>Where.</b> With no {@code spark.master} configured (no {@code -Dspark.master}, not under
 * {@code spark-submit}) it starts an embedded Spark in this JVM with master
 * {@code local[N,F]}: N = the workers, F = {@code spark.task.maxFailures} (default 2), because plain
 * {@code local[N]} never retries a task. Under {@code spark-submit} (which sets
 * {@code spark.master} as a system property) it joins the given master: standalone, YARN or
 * Kubernetes.
 *
 * <p><b>How.</b> Each trial is one Spark job of one task, submitted asynchronously, all at once,
 * in trial order (Spark's FIFO scheduler runs them in that order as slots free up). One job per
 * trial isolates trials: a trial whose task fails for good (including failures no task code can
 * catch, such as an executor lost on every attempt) yields a failure record and the other jobs go
 * on. The task ships the trial as JSON ({@link TrialTask}), runs it with the local executor's code
 * ({@link TrialFunction}) and returns the outcome as JSON plus float arrays ({@link TrialResult}).
 * Results are returned in trial order; progress lines are printed as trials finish.
 *
 * <p><b>Logs.</b> Each trial writes its per-step JSONL log on the executor's local disk (a scratch
 * directory, deleted afterwards) and ships its text back with the result; the driver writes it to
 * {@code <run dir>/logs/<trial id>.jsonl}, so the run directory is complete whatever the cluster's
 * storage (no shared file system needed).
 *
 * <p>Every trial is a pure function of its spec and seed, so the summary equals the local
 * executor's bit for bit (only timings differ).
 */
public final class SparkExecutor implements TrialExecutor, AutoCloseable {

    /** The embedded mode's attempts per trial when {@code spark.task.maxFailures} is not set. */
    public static final int DEFAULT_LOCAL_ATTEMPTS = 2;

    private static final Pattern LOCAL_N_F = Pattern.compile("local\\[\\s*([0-9]+|\\*)\\s*,\\s*([0-9]+)\\s*]");

    private final JavaSparkContext sc;
    private final boolean ownsContext;
    private final int maxAttempts;
    private boolean shareDriverBases = true;
    private volatile int[] lastAttempts = new int[0];

    /** The constructor the CLI's {@code --executor spark} calls: embedded local[workers] unless a master is configured. */
    public SparkExecutor(int workers) {
        this(configure(new SparkConf(), workers));
    }

    /**
     * Starts a Spark context with this configuration as it is (one per JVM); {@link #close()} stops it.
     * Pass it through {@link #configure} for the defaults, authentication and encryption included.
     */
    public SparkExecutor(SparkConf conf) {
        this.sc = new JavaSparkContext(conf);
        this.ownsContext = true;
        this.maxAttempts = maxAttempts(sc.master(), sc.getConf());
    }

    /** Uses a running context (tests, notebooks); {@link #close()} leaves it running. */
    public SparkExecutor(JavaSparkContext sc) {
        this.sc = sc;
        this.ownsContext = false;
        this.maxAttempts = maxAttempts(sc.master(), sc.getConf());
    }

    /**
     * The configuration for {@link #SparkExecutor(int)}: the {@code spark.*} system properties
     * (what {@code spark-submit} passes), when they name no master the embedded defaults, and in
     * every case authentication and encryption ({@link SparkSecurity#apply(SparkConf)}: the secret of
     * a standalone cluster comes from {@value SparkSecurity#SECRET_FILE_ENV} or
     * {@value SparkSecurity#SECRET_ENV}, never from the command line).
     *
     * <p>Embedded, Spark listens on two TCP ports, both bound to 127.0.0.1 and both authenticated:
     * the driver's RPC endpoint ({@code spark.driver.port}) and the block manager's transfer service
     * ({@code spark.blockManager.port}), each on a free port unless set; the web UI is off.
     *
     * @throws IllegalArgumentException when the security settings cannot be met (see {@link SparkSecurity})
     */
    public static SparkConf configure(SparkConf conf, int workers) {
        return SparkSecurity.apply(configureWithoutSecurity(conf, workers));
    }

    /** {@link #configure} less {@link SparkSecurity}: the master and the embedded defaults (for tests). */
    static SparkConf configureWithoutSecurity(SparkConf conf, int workers) {
        conf.setIfMissing("spark.app.name", "AlignGuard-J");
        if (!conf.contains("spark.master")) {
            int attempts = conf.getInt("spark.task.maxFailures", DEFAULT_LOCAL_ATTEMPTS);
            conf.setMaster("local[" + Math.max(1, workers) + "," + Math.max(1, attempts) + "]");
        }
        String master = conf.get("spark.master").trim();
        if (master.equals("local") || master.startsWith("local[")) { // given or defaulted: embedded either way
            // embedded: no web UI and no network beyond the loopback interface unless asked for
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "localhost");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        return conf;
    }

    /**
     * How many attempts Spark gives a task under this master: local and local[N] never retry (1),
     * local[N,F] gives F, anything else (local-cluster, standalone, YARN, Kubernetes) gives
     * {@code spark.task.maxFailures} (Spark's default 4).
     */
    static int maxAttempts(String master, SparkConf conf) {
        String m = master.trim();
        Matcher nf = LOCAL_N_F.matcher(m);
        if (nf.matches()) {
            return Math.max(1, Integer.parseInt(nf.group(2)));
        }
        if (m.equals("local") || m.startsWith("local[")) {
            return 1;
        }
        return Math.max(1, conf.getInt("spark.task.maxFailures", 4));
    }

    /**
     * Whether tasks running in the driver's JVM (local mode) use the bases the study built on the
     * driver (default true). Off, every task takes the cluster path and rebuilds its bases on its
     * JVM: the tests use this to check that rebuilt bases give the same numbers.
     */
    public SparkExecutor shareDriverBases(boolean share) {
        this.shareDriverBases = share;
        return this;
    }

    public JavaSparkContext context() {
        return sc;
    }

    /** The attempts Spark gives each trial under this master (see {@link #maxAttempts(String, SparkConf)}). */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** For each trial of the last run, the 0-based attempt that produced its result (-1: the job failed). */
    public int[] lastAttempts() {
        return lastAttempts.clone();
    }

    @Override
    public String name() {
        return "spark[" + sc.master() + "]";
    }

    @Override
    public List<TrialRunner.Outcome> run(List<Trial> trials, StudyContext context) {
        if (sc.sc().isStopped()) { // e.g. a standalone master that refused this application: Spark gives up and stops
            throw new IllegalStateException("Spark stopped before the sweep began (master " + sc.master() + "): the"
                + " master refused this application or did not answer (see Spark's log above); a cluster with"
                + " authentication needs its secret in " + SparkSecurity.SECRET_FILE_ENV + " or " + SparkSecurity.SECRET_ENV);
        }
        String runId = UUID.randomUUID().toString();
        TrialFunction fn = new TrialFunction(runId, maxAttempts, context.backend().oneThread(), shareDriverBases);
        TrialFunction.DRIVER_BASES.put(runId, context.bases());
        int n = trials.size();
        List<JavaFutureAction<List<TrialResult>>> jobs = new ArrayList<>(n);
        TrialRunner.Outcome[] out = new TrialRunner.Outcome[n];
        int[] attempts = new int[n];
        Arrays.fill(attempts, -1);
        long start = System.nanoTime();
        String group = "alignguard-" + runId;
        try {
            sc.setJobGroup(group, "AlignGuard-J sweep " + runId, true);
            for (Trial trial : trials) {
                sc.setJobDescription("trial " + trial.index() + ": " + trial.label());
                jobs.add(sc.parallelize(List.of(TrialTask.of(trial)), 1).map(fn).collectAsync());
            }
            boolean[] done = new boolean[n];
            int finished = 0;
            while (finished < n) {
                boolean progressed = false;
                for (int i = 0; i < n; i++) {
                    if (done[i] || !jobs.get(i).isDone()) {
                        continue;
                    }
                    Trial trial = trials.get(i);
                    TrialRunner.Outcome o;
                    try {
                        TrialResult r = jobs.get(i).get().getFirst();
                        o = r.outcome();
                        if (r.log() == null && o.record().log() != null) { // no text came back: point to no file
                            o = new TrialRunner.Outcome(o.record().withLog(null), o.finalAlignmentUpdates(), o.adapter());
                        }
                        attempts[i] = r.attempt();
                        try {
                            writeLog(context.runDir(), o.record(), r.log());
                        } catch (UncheckedIOException e) { // as the local executor: the trial fails, the sweep goes on
                            o = LocalExecutor.failure(trial, e, o.record().seconds());
                        }
                    } catch (ExecutionException e) {
                        o = LocalExecutor.failure(trial, new SparkTrialFailure(sparkMessage(e.getCause())), 0);
                    }
                    context.listener().finished(trial, o); // e.g. the run folder keeps it, so a rerun resumes
                    out[i] = o;
                    done[i] = true;
                    finished++;
                    progressed = true;
                    progress(context, trial, o, attempts[i], finished, n, start);
                }
                if (!progressed) {
                    Thread.sleep(20);
                }
            }
            return Arrays.asList(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } finally {
            for (JavaFutureAction<?> j : jobs) {
                if (!j.isDone()) {
                    j.cancel(true);
                }
            }
            sc.clearJobGroup();
            sc.setJobDescription(null);
            TrialFunction.DRIVER_BASES.remove(runId);
            lastAttempts = attempts;
        }
    }

    private void progress(StudyContext context, Trial trial, TrialRunner.Outcome o, int attempt, int finished, int n,
                          long start) {
        double elapsed = (System.nanoTime() - start) / 1e9;
        double left = elapsed / finished * (n - finished);
        TrialRecord r = o.record();
        context.progress().printf(Locale.ROOT, "  [trial %d/%d] %-34s %s  (%.1fs%s; ~%.0fs left)%n", finished, n,
            trial.label(), r.failed() ? "FAILED: " + firstLine(r.error())
                : String.format(Locale.ROOT, "refusal %.3f  task %.3f", r.metrics().get("refusal_unsafe"),
                    r.metrics().get("task_accuracy")),
            r.seconds(), attempt > 0 ? ", attempt " + (attempt + 1) : "", left);
    }

    /** Writes a trial's log, shipped back from the executor, to its place in the run directory. */
    private static void writeLog(Path runDir, TrialRecord record, String log) {
        if (record.log() == null || log == null) {
            return;
        }
        Path file = runDir.resolve(record.log());
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, log, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the trial log " + file + ": " + e.getMessage(), e);
        }
    }

    /** The useful part of a job failure: Spark's message without the driver stack trace. */
    static String sparkMessage(Throwable e) {
        String m = e == null ? "unknown Spark failure" : e.getMessage() == null ? e.toString() : e.getMessage();
        int cut = m.indexOf("\nDriver stacktrace:");
        if (cut >= 0) {
            m = m.substring(0, cut);
        }
        return m.strip();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " ...";
    }

    /** Stops the Spark context if this executor started it. */
    @Override
    public void close() {
        if (ownsContext) {
            sc.stop();
        }
    }

    /** A trial whose Spark job failed for good outside the task's code (e.g. its executor was lost on every attempt). */
    static final class SparkTrialFailure extends RuntimeException {
        SparkTrialFailure(String message) {
            super(message);
        }
    }
}
