package dev.alignguard.verify;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

import dev.alignguard.proofs.harness.LawFalsified;
import dev.alignguard.proofs.harness.LawRun;
import dev.alignguard.proofs.harness.Laws;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Follows the laws as JUnit runs them: one progress line per law as it finishes (examples checked,
 * the worst error against its bound, time, an estimate of the time left) and, for a law that did
 * not hold, its failure with the shrunk counterexample and the command that replays it; collects a
 * {@link LawResult} per law for the report.
 *
 * <pre>
 *   [law 12/136] ProjectorLaws.idempotent (BasisProjectorProperties) 60 examples ... ok, worst 0.0031 of bound, 0.4 s, ~35 s left
 * </pre>
 */
final class LawProgress implements TestExecutionListener {

    private final PrintStream out;
    private final int total;
    private final BiFunction<String, Long, String> replay;
    private final long start = System.nanoTime();
    private final Map<String, Long> started = new HashMap<>();
    private final Set<String> finished = new HashSet<>();
    private final List<LawResult> results = new ArrayList<>();
    private TestPlan plan;

    /**
     * @param out    where the progress lines go
     * @param total  how many laws will run, over every test plan this listener follows
     * @param replay the {@code ./alignguard verify} command that replays a law ({@code Class#method}) from a seed (null: its own)
     */
    LawProgress(PrintStream out, int total, BiFunction<String, Long, String> replay) {
        this.out = out;
        this.total = total;
        this.replay = replay;
    }

    /** Every law's result so far, in the order they finished. */
    List<LawResult> results() {
        return List.copyOf(results);
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        this.plan = testPlan;
    }

    @Override
    public void executionStarted(TestIdentifier id) {
        if (id.isTest()) {
            started.put(id.getUniqueId(), System.nanoTime());
        }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        for (TestIdentifier law : lawsUnder(id)) {
            if (!finished.contains(law.getUniqueId())) {
                record(law, LawResult.Outcome.SKIPPED, 0, null, "skipped: " + reason);
            }
        }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isTest()) {
            Long t0 = started.get(id.getUniqueId());
            double seconds = t0 == null ? 0 : (System.nanoTime() - t0) / 1e9;
            LawResult.Outcome outcome = switch (result.getStatus()) {
                case SUCCESSFUL -> LawResult.Outcome.PASSED;
                case FAILED -> LawResult.Outcome.FAILED;
                case ABORTED -> LawResult.Outcome.SKIPPED;
            };
            record(id, outcome, seconds, result.getThrowable().orElse(null), null);
            return;
        }
        if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
            // a class (or the engine) failed around its laws, e.g. in @BeforeAll: the laws it did not run did not hold
            String what = result.getThrowable().map(Throwable::toString).orElse(result.getStatus().toString());
            for (TestIdentifier law : lawsUnder(id)) {
                if (!finished.contains(law.getUniqueId())) {
                    record(law, LawResult.Outcome.FAILED, 0, null,
                        "did not run: " + id.getDisplayName() + " failed around its laws: " + what);
                }
            }
        }
    }

    private List<TestIdentifier> lawsUnder(TestIdentifier id) {
        if (id.isTest()) {
            return List.of(id);
        }
        return plan == null ? List.of() : plan.getDescendants(id).stream().filter(TestIdentifier::isTest).toList();
    }

    private void record(TestIdentifier id, LawResult.Outcome outcome, double seconds, Throwable failure, String note) {
        finished.add(id.getUniqueId());
        Optional<MethodSource> source = id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast);
        String className = source.map(MethodSource::getClassName).orElse(id.getLegacyReportingName());
        String simple = className.substring(className.lastIndexOf('.') + 1);
        String method = source.map(MethodSource::getMethodName).orElse(id.getDisplayName());
        String declaredIn = source.map(LawProgress::declaringType).filter(d -> !d.equals(simple)).orElse(null);
        String law = simple + "#" + method;

        Optional<LawRun> run = LawRun.take(id.getUniqueId());
        int examples = run.map(LawRun::examplesPlanned).orElse(0);
        int checked = run.map(LawRun::examplesChecked).orElse(0);
        Long seed = run.flatMap(LawRun::seed).orElse(null);
        Double worst = run.flatMap(LawRun::worstRatio).orElse(null);
        long bounded = run.map(LawRun::boundedChecks).orElse(0L);

        String message = note;
        String counterexample = null;
        if (failure instanceof LawFalsified f) {
            seed = f.seed();
            counterexample = f.counterexample();
            message = f.getMessage();
        } else if (failure != null) {
            message = failure.toString();
        }
        boolean held = outcome == LawResult.Outcome.PASSED;
        String replayLine = held ? null : replay.apply(law, seed);
        String replayMaven = held ? null : Laws.replayCommand(law, seed == null ? Laws.defaultSeed(law) : seed);
        results.add(new LawResult(law, className, method, declaredIn, outcome, examples, checked, seed, worst, bounded, seconds,
            held ? null : message, counterexample, replayLine, replayMaven));

        StringBuilder line = new StringBuilder().append("[law ").append(results.size()).append('/').append(total).append("] ")
            .append(declaredIn == null ? simple : declaredIn).append('.').append(method)
            .append(declaredIn == null ? "" : " (" + simple + ")");
        if (examples > 0) {
            line.append(' ').append(checked == examples || !held ? "" : checked + " of ").append(examples).append(" examples");
        }
        line.append(" ... ");
        switch (outcome) {
            case PASSED -> line.append("ok").append(worst == null ? "" : ", worst " + ReportFiles.ratio(worst) + " of bound");
            case FAILED -> line.append("FAILED").append(examples > 0 ? " at example " + checked + " of " + examples : "");
            case SKIPPED -> line.append("SKIPPED");
        }
        line.append(String.format(Locale.ROOT, ", %.1f s, %s", seconds, left()));
        out.println(line);
        if (!held) {
            if (message != null) {
                message.strip().lines().forEach(l -> out.println("    " + l));
            }
            out.println("    replay: " + replayLine);
            if (message == null || !message.contains(replayMaven)) {
                out.println("    replay with Maven: " + replayMaven);
            }
        }
        out.flush();
    }

    private static String declaringType(MethodSource source) {
        try {
            return source.getJavaMethod().getDeclaringClass().getSimpleName();
        } catch (RuntimeException e) {
            return source.getClassName().substring(source.getClassName().lastIndexOf('.') + 1);
        }
    }

    /** The time left at the average pace so far. */
    private String left() {
        int done = results.size();
        if (done >= total) {
            return "done";
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        double seconds = elapsed / done * (total - done);
        if (seconds < 60) {
            return "~" + Math.max(1, Math.round(seconds)) + " s left";
        }
        long minutes = Math.round(seconds / 60);
        return minutes < 60 ? "~" + minutes + " min left" : String.format(Locale.ROOT, "~%d h %02d min left", minutes / 60, minutes % 60);
    }
}
