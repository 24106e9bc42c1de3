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
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.LayerSpectrum;
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
 * A whole study: expand the spec into trials (method x strength x seed), build each distinct base
 * once, run the trials on an executor, and aggregate into a {@link Summary}: per method and
 * strength, every metric's mean and 95% interval over seeds; drift reduction against standard LoRA
 * of the same seed; the aligned model's Fisher spectrum; and the spec's extra analyses.
 */
public final class Study {

    /** The metrics every method summary carries (summary.json names). */
    public static final List<String> SUMMARY_METRICS = List.of("refusal_unsafe", "over_refusal_safe", "task_accuracy",
        "alignment_nll", "drift", "drift_reduction", "harmful_compliance", "safe_accuracy",
        "refusal_unsafe_held_out_objects", "refusal_unsafe_held_out_verbs");

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

    /** The trials of the spec, in a fixed order: methods as listed, then strengths, then seeds. */
    public static List<Trial> expand(ExperimentSpec spec) {
        List<Trial> trials = new ArrayList<>();
        for (MethodSpec m : spec.methods()) {
            ExperimentSpec effective = spec.withOverrides(m.overrides());
            for (double s : m.strengths()) {
                for (long seed : spec.seeds()) {
                    trials.add(new Trial(trials.size(), effective, m, s, seed));
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
        List<Trial> trials = expand(spec);
        BaseModelCache bases = new BaseModelCache(progress, baseStore);
        progress.printf("study %s: %d trials (%d methods x strengths x %d seeds) on %s%n", spec.name(), trials.size(),
            spec.methods().size(), spec.seeds().size(), executor.name());
        Set<String> built = new LinkedHashSet<>();
        for (Trial t : trials) { // stage 0 and 1 once per distinct base, before the trials fan out
            long baseSeed = BaseModelCache.baseSeed(t.spec(), t.seed());
            if (built.add(BaseModelCache.key(t.spec(), baseSeed))) {
                bases.get(t.spec(), baseSeed, baseKernels);
            }
        }
        List<TrialRunner.Outcome> outcomes = executor.run(trials, new StudyContext(runDir, progress, bases, backend));
        BaseModels first = bases.get(spec, BaseModelCache.baseSeed(spec, spec.seeds().getFirst()), baseKernels);
        return summarise(trials, outcomes, bases, first, baseKernels, (System.nanoTime() - t0) / 1e9, backend);
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
        // aligned / unaligned metrics over the distinct bases the seeds used
        Map<String, List<Double>> aligned = new LinkedHashMap<>(), unaligned = new LinkedHashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (long seed : spec.seeds()) {
            long baseSeed = BaseModelCache.baseSeed(spec, seed);
            if (seen.add(BaseModelCache.key(spec, baseSeed))) {
                BaseModels b = bases.get(spec, baseSeed, kernels);
                collect(aligned, MetricNames.of(b.alignedMetrics(), b.alignedMetrics()));
                collect(unaligned, MetricNames.of(b.unalignedMetrics(), b.alignedMetrics()));
            }
        }
        List<MethodSummary> methods = new ArrayList<>();
        for (MethodSpec m : spec.methods()) {
            for (double s : m.strengths()) {
                Map<String, List<Double>> values = new LinkedHashMap<>();
                for (TrialRecord r : records) {
                    if (r.method().equals(m.name()) && same(r.strength(), s) && !r.failed()) {
                        collect(values, r.metrics());
                    }
                }
                Map<String, Stat> stats = new LinkedHashMap<>();
                for (String name : SUMMARY_METRICS) {
                    stats.put(name, Stat.of(values.getOrDefault(name, List.of()).stream().mapToDouble(Double::doubleValue).toArray()));
                }
                String label = m.name() + (Double.isNaN(s) ? "" : " (" + m.method().strength().label() + "=" + s + ")");
                methods.add(new MethodSummary(m.name(), m.kind(), s, label, stats));
            }
        }
        Map<String, JsonNode> analyses = Analyses.run(spec, trials, outcomes);
        long[] seeds = spec.seeds().stream().mapToLong(Long::longValue).toArray();
        return new Summary(spec.name(), spec.description(), version, commit, seeds, spec.toJson(), stats(aligned),
            stats(unaligned), methods, records, failures, spectrum(first, kernels), analyses, seconds, backend);
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
            records.set(i, new TrialRecord(r.method(), r.kind(), r.strength(), r.seed(), m, r.curve(), r.seconds(),
                r.log(), r.error(), r.kernels(), notes));
        }
    }

    /** The first drift-reference trial (failed or not) with trial i's seed, and with its spec too when {@code sameSpec}; -1 if none. */
    private static int driftReference(List<Trial> trials, int i, boolean sameSpec) {
        for (int j = 0; j < trials.size(); j++) {
            Trial t = trials.get(j);
            if (t.method().method().driftReference() && t.seed() == trials.get(i).seed()
                && (!sameSpec || t.spec().equals(trials.get(i).spec()))) {
                return j;
            }
        }
        return -1;
    }

    private List<LayerSpectrum> spectrum(BaseModels base, Kernels kernels) {
        LlamaModel model = base.aligned().copy();
        model.attachLora(spec.finetune().lora().toConfig(), spec.baseSeed());
        List<String> layers = new ArrayList<>(model.adapters().keySet());
        SubspaceSettings settings = spec.fisher().toSettings(spec.baseSeed());
        WordTokenizer tok = base.data().tokenizer();
        Map<String, LayerSubspace> s = FisherEstimators.of(settings).estimate(model, kernels, layers,
            base.data().alignmentSet().sequences(tok), settings);
        List<LayerSpectrum> out = new ArrayList<>();
        for (LayerSubspace l : s.values()) {
            double[] raw = new double[l.rank()];
            double[] cumulative = new double[l.rank()];
            double total = 0;
            for (int k = 0; k < raw.length; k++) {
                raw[k] = l.eigenvalues()[k] * l.rawScale();
                total += raw[k];
            }
            double running = 0;
            for (int k = 0; k < raw.length; k++) {
                running += raw[k];
                cumulative[k] = Double.isNaN(l.capturedEnergy()) ? running / total : l.capturedEnergy() * running / total;
            }
            out.add(new LayerSpectrum(l.layer(), raw, cumulative, l.rawScale()));
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
