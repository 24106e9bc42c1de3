package dev.alignguard.experiments.pipeline;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.StageStop;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.FrontierArea;
import dev.alignguard.experiments.results.LayerSpectrum;
import dev.alignguard.experiments.results.MatchedRow;
import dev.alignguard.experiments.results.NestedStats;
import dev.alignguard.experiments.eval.RouterMetrics;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.experiments.spec.SpecCheck;
import dev.alignguard.math.kernels.Backend;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;

/**
 * A whole study: expand the spec into trials (method x strength x base seed x fine-tune seed),
 * build each distinct base once, run the trials on an executor, then, when the spec asks for the
 * matched-accuracy comparison, run further rounds of trials at the strengths {@link MatchedSearch}
 * proposes; finally aggregate into a {@link Summary}: per method and strength every metric with its
 * nested interval ({@link NestedStats}), drift reduction against standard LoRA on the same base and
 * fine-tune seed, the matched-accuracy rows and frontier areas, sanity flags, the aligned model's
 * Fisher spectrum, and the spec's extra analyses.
 */
public final class Study {

    /** The metrics every method summary carries (summary.json names). */
    public static final List<String> SUMMARY_METRICS = List.of("refusal_unsafe", "over_refusal_safe", "task_accuracy",
        "alignment_nll", "drift", "drift_reduction", "refusal_kept", "alignment_nll_increase", "harmful_compliance",
        "safe_accuracy",
        "refusal_unsafe_held_out_objects", "refusal_unsafe_held_out_verbs");

    /** Below this test task accuracy standard LoRA is taken not to have learned the task. */
    public static final double LEARNED_TASK = 0.5;

    private final ExperimentSpec spec;
    private final String version;
    private final String commit;
    private BaseStore baseStore = BaseStore.NONE;

    public Study(ExperimentSpec spec, String version, String commit) {
        this.spec = spec;
        this.version = version;
        this.commit = commit;
    }

    /** Keeps the base models' stages in {@code store} (a {@link RunFolder}), so a run cut short resumes them. */
    public Study baseStore(BaseStore store) {
        this.baseStore = store;
        return this;
    }

    /** The trials of the spec, in a fixed order: methods as listed, then strengths, base seeds, fine-tune seeds. */
    public static List<Trial> expand(ExperimentSpec spec) {
        Map<MethodSpec, List<Double>> all = new LinkedHashMap<>();
        spec.methods().forEach(m -> all.put(m, m.strengths()));
        return expand(spec, all, 0);
    }

    /** Trials of the given methods at the given strengths, indexed from {@code first}. */
    static List<Trial> expand(ExperimentSpec spec, Map<MethodSpec, List<Double>> strengths, int first) {
        List<Trial> trials = new ArrayList<>();
        for (var e : strengths.entrySet()) {
            MethodSpec m = e.getKey();
            ExperimentSpec effective = spec.withOverrides(m.overrides());
            for (double s : e.getValue()) {
                for (long base : spec.baseSeeds()) {
                    for (long seed : spec.finetuneSeeds()) {
                        trials.add(new Trial(first + trials.size(), effective, m, s, base, seed));
                    }
                }
            }
        }
        return trials;
    }

    /**
     * Runs the study: base models on the given backend's kernels, then the trials on the executor,
     * whose workers build their kernels from the same backend.
     */
    public Summary run(TrialExecutor executor, Path runDir, PrintStream progress, Backend backend) {
        long t0 = System.nanoTime();
        SpecCheck.check(spec, "'" + spec.name() + "'"); // the launcher checks first, naming the file; library calls too
        Kernels baseKernels = backend.create();
        List<Trial> trials = new ArrayList<>(expand(spec));
        BaseModelCache bases = new BaseModelCache(progress, baseStore);
        progress.printf("study %s: %d trials (%d methods x strengths x %d base seeds x %d fine-tune seeds) on %s%n",
            spec.name(), trials.size(), spec.methods().size(), spec.baseSeeds().size(), spec.finetuneSeeds().size(),
            executor.name());
        buildBases(trials, bases, backend, executorParallelism(executor));
        StudyContext context = new StudyContext(runDir, progress, bases, backend);
        List<TrialRunner.Outcome> outcomes = new ArrayList<>(executor.run(trials, context));
        if (spec.matched() != null) {
            MatchedSearch search = new MatchedSearch(spec.matched());
            for (int round = 1; round <= spec.matched().rounds(); round++) {
                List<TrialRecord> records = outcomes.stream().map(TrialRunner.Outcome::record).toList();
                Map<MethodSpec, List<Double>> next = search.propose(spec.methods(), records,
                    MatchedComparison.referenceAccuracy(spec.methods(), records));
                if (next.isEmpty()) {
                    break;
                }
                List<Trial> more = expand(spec, next, trials.size());
                StringBuilder what = new StringBuilder();
                next.forEach((m, s) -> what.append(what.isEmpty() ? "" : "; ").append(m.name()).append(' ').append(s));
                progress.printf("matched-accuracy search, round %d: %d more trials (%s)%n", round, more.size(), what);
                buildBases(more, bases, backend, executorParallelism(executor));
                outcomes.addAll(executor.run(more, context));
                trials.addAll(more);
            }
        }
        BaseModels first = bases.get(spec, spec.firstBaseSeed(), baseKernels);
        return summarise(trials, outcomes, bases, first, baseKernels, (System.nanoTime() - t0) / 1e9, backend);
    }

    /**
     * Stages 0 and 1 once per distinct base, before the trials fan out: distinct bases in parallel,
     * each on one-thread kernels of the run's backend when there are several (kernels give the same
     * bits on any thread count, so this changes no number), on the backend as chosen when one.
     */
    private static void buildBases(List<Trial> trials, BaseModelCache bases, Backend backend, int parallelism) {
        Map<String, Trial> distinct = new LinkedHashMap<>();
        for (Trial t : trials) {
            distinct.putIfAbsent(BaseModelCache.key(t.spec(), t.baseSeed()), t);
        }
        int threads = Math.max(1, Math.min(parallelism, distinct.size()));
        if (threads == 1) {
            Kernels kernels = backend.create();
            distinct.values().forEach(t -> bases.get(t.spec(), t.baseSeed(), kernels));
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            ThreadLocal<Kernels> kernels = ThreadLocal.withInitial(() -> backend.oneThread().create());
            for (Trial t : distinct.values()) {
                futures.add(pool.submit(() -> bases.get(t.spec(), t.baseSeed(), kernels.get())));
            }
            for (var f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("base models interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** How many bases to build at once: as many as the executor runs trials locally, at most the cores. */
    private static int executorParallelism(TrialExecutor executor) {
        TrialExecutor inner = executor instanceof ResumingExecutor r ? r.delegate() : executor;
        return inner instanceof LocalExecutor l ? l.workers() : Runtime.getRuntime().availableProcessors();
    }

    Summary summarise(List<Trial> trials, List<TrialRunner.Outcome> outcomes, BaseModelCache bases, BaseModels first,
                      Kernels kernels, double seconds, Backend backend) {
        List<TrialRecord> records = new ArrayList<>();
        List<TrialRecord> failures = new ArrayList<>();
        for (TrialRunner.Outcome o : outcomes) {
            records.add(o.record());
            if (o.record().failed()) {
                failures.add(o.record());
            }
        }
        addDriftReduction(trials, records);
        if (spec.sequence() != null) {
            ContinualStudy.addStageDriftReduction(trials, records, spec.sequence().tasks());
        }
        // aligned / unaligned metrics: one value per base seed
        Map<String, List<Double>> aligned = new LinkedHashMap<>(), unaligned = new LinkedHashMap<>();
        Map<String, List<StageStop>> stops = new LinkedHashMap<>();
        List<String> stopFlags = new ArrayList<>();
        for (long baseSeed : spec.baseSeeds()) {
            BaseModels b = bases.get(spec, baseSeed, kernels);
            collect(aligned, MetricNames.of(b.alignedMetrics(), b.alignedMetrics()));
            collect(unaligned, MetricNames.of(b.unalignedMetrics(), b.alignedMetrics()));
            if (!b.stops().isEmpty()) {
                stops.put(Long.toString(baseSeed), b.stops());
            }
            for (StageStop s : b.stops()) {
                if (!s.met()) {
                    stopFlags.add(String.format(java.util.Locale.ROOT, "base seed %d: %s ran all %d steps without meeting its stop rule"
                        + " (%s; validation refusal %.3f, over-refusal %.3f, safe accuracy %.3f at the last check); its model is"
                        + " used as it is", baseSeed, s.stage(), s.maxSteps(), s.rule(), s.last().refusalUnsafe(),
                        s.last().overRefusalSafe(), s.last().safeAccuracy()));
                }
            }
        }
        List<MethodSummary> methods = new ArrayList<>();
        for (MethodSpec m : spec.methods()) {
            for (double s : strengthsRun(m, records)) {
                List<TrialRecord> point = records.stream()
                    .filter(r -> r.method().equals(m.name()) && same(r.strength(), s)).toList();
                Map<String, Stat> stats = new LinkedHashMap<>();
                for (String name : SUMMARY_METRICS) {
                    stats.put(name, NestedStats.of(point, name));
                }
                for (String name : RouterMetrics.NAMES) { // mixture-of-experts trials only: the router's drift
                    if (point.stream().anyMatch(r -> r.metrics().containsKey(name))) {
                        stats.put(name, NestedStats.of(point, name));
                    }
                }
                String label = m.name() + (Double.isNaN(s) ? "" : " (" + m.method().strength().label() + "=" + s + ")");
                methods.add(new MethodSummary(m.name(), m.kind(), s, label, stats));
            }
        }
        Map<String, JsonNode> analyses = new LinkedHashMap<>(Analyses.run(spec, trials, outcomes));
        if (spec.sequence() != null) {
            analyses.put(dev.alignguard.experiments.results.ContinualResult.KEY,
                ExperimentSpec.JSON.valueToTree(ContinualStudy.result(spec, trials, records)));
        }
        long[] seeds = spec.finetuneSeeds().stream().mapToLong(Long::longValue).toArray();
        long[] baseSeeds = spec.baseSeeds().stream().mapToLong(Long::longValue).toArray();
        Map<String, Stat> alignedStats = stats(aligned);
        List<MatchedRow> matched = spec.matched() == null ? List.of()
            : MatchedComparison.rows(spec.methods(), records, spec.matched());
        Stat alignedRefusal = alignedStats.get(MetricNames.REFUSAL_UNSAFE);
        List<FrontierArea> areas = MatchedComparison.areas(spec.methods(), records,
            alignedRefusal == null ? Double.NaN : alignedRefusal.mean());
        return new Summary(spec.name(), spec.description(), version, commit, seeds, baseSeeds, spec.toJson(),
            alignedStats, stats(unaligned), methods, records, failures, spectrum(first, kernels), analyses, seconds,
            backend, NestedStats.MODEL, matched, areas, flags(stopFlags, SanityFlags.of(spec, methods, matched)), stops,
            baseStore.kept(trials, outcomes));
    }

    private static List<String> flags(List<String> first, List<String> rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(rest);
        return all;
    }

    /** The strengths a method ran at: its listed ones first, then those the search added, ascending. */
    private static List<Double> strengthsRun(MethodSpec m, List<TrialRecord> records) {
        List<Double> out = new ArrayList<>(m.strengths());
        records.stream().filter(r -> r.method().equals(m.name())).map(TrialRecord::strength).distinct().sorted()
            .filter(s -> out.stream().noneMatch(x -> same(x, s))).forEach(out::add);
        return out;
    }

    /**
     * drift_reduction = 1 - drift / drift(standard LoRA with the same seed and the same spec overrides;
     * without one, standard LoRA with the same seed). When that reference failed, or did not drift,
     * the trial has no drift_reduction and a note says why (never a value taken from another reference).
     */
    static void addDriftReduction(List<Trial> trials, List<TrialRecord> records) {
        for (int i = 0; i < trials.size(); i++) {
            TrialRecord r = records.get(i);
            if (r.failed() || !r.metrics().containsKey("drift")) {
                continue;
            }
            int ref = driftReference(trials, i, true);
            if (ref < 0) {
                ref = driftReference(trials, i, false);
            }
            if (ref < 0) {
                continue;
            }
            TrialRecord l = records.get(ref);
            Map<String, Double> m = new LinkedHashMap<>(r.metrics());
            Map<String, String> notes = new LinkedHashMap<>(r.notes());
            if (l.failed()) {
                String error = l.error().lines().findFirst().orElse("");
                notes.put("drift_reduction", "n/a: its drift reference, " + trials.get(ref).label() + ", failed: " + error);
            } else if (l.metrics().get("drift") == 0) {
                m.put("drift_reduction", Double.NaN);
                notes.put("drift_reduction", "n/a: its drift reference, " + trials.get(ref).label() + ", did not drift (drift 0)");
            } else {
                m.put("drift_reduction", 1 - r.metrics().get("drift") / l.metrics().get("drift"));
            }
            records.set(i, r.withMetrics(m, notes));
        }
    }

    /**
     * The first drift-reference trial (failed or not) on trial i's base and fine-tune seed, and with its
     * spec too when {@code sameSpec}; -1 if none.
     */
    private static int driftReference(List<Trial> trials, int i, boolean sameSpec) {
        for (int j = 0; j < trials.size(); j++) {
            Trial t = trials.get(j);
            if (t.method().method().driftReference() && t.seed() == trials.get(i).seed()
                && t.baseSeed() == trials.get(i).baseSeed() && (!sameSpec || t.spec().equals(trials.get(i).spec()))) {
                return j;
            }
        }
        return -1;
    }

    private List<LayerSpectrum> spectrum(BaseModels base, Kernels kernels) {
        LlamaModel model = base.aligned().copy();
        model.attachLora(spec.finetune().lora().toConfig(), spec.firstBaseSeed());
        List<String> layers = new ArrayList<>(model.adapters().keySet());
        SubspaceSettings settings = spec.fisher().toSettings(spec.firstBaseSeed());
        WordTokenizer tok = base.data().tokenizer();
        Map<String, LayerSubspace> s = FisherEstimators.of(settings).estimate(model, kernels, layers,
            base.data().alignmentSet().sequences(tok), settings);
        List<LayerSpectrum> out = new ArrayList<>();
        for (LayerSubspace l : s.values()) {
            out.add(LayerSpectrum.of(l));
        }
        return out;
    }

    private static boolean same(double a, double b) {
        return Double.compare(a, b) == 0;
    }

    private static void collect(Map<String, List<Double>> into, Map<String, Double> metrics) {
        metrics.forEach((k, v) -> into.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }

    private static Map<String, Stat> stats(Map<String, List<Double>> values) {
        Map<String, Stat> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, Stat.of(v.stream().mapToDouble(Double::doubleValue).toArray())));
        return out;
    }

    /** The metrics of a model evaluation, exposed for the CLI's aligned-model line. */
    public static Map<String, Double> flat(Metrics m) {
        return MetricNames.of(m, null);
    }
}
