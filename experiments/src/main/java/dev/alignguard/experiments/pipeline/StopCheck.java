package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.alignguard.experiments.eval.Evaluator;
import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.results.StageStop;
import dev.alignguard.experiments.spec.StageSpec;
import dev.alignguard.experiments.spec.StopRuleSpec;
import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.EvalSuite;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.safetensors.JsonMappers;
import dev.alignguard.training.trainer.Trainer;

/**
 * A base stage's stop rule at work ({@link StopRuleSpec}): every {@code check_every} steps it
 * evaluates the model being trained on the validation prompts (greedy decoding, no test prompt) and
 * ends the stage at the first check that meets the rule. Each check is a pure function of the
 * weights, so a stage resumed from a checkpoint stops at the same step with the same weights.
 */
public final class StopCheck {

    private static final ObjectMapper JSON = JsonMappers.mapper();

    private final String stage;
    private final StopRuleSpec rule;
    private final int maxSteps;
    private final LlamaModel model;
    private final Evaluator evaluator;
    private final EvalSuite prompts;
    private final java.io.PrintStream progress;
    private final String label;
    private final List<StageStop.Check> checks = new ArrayList<>();
    private StageStop outcome;

    private StopCheck(String label, String stage, StageSpec spec, LlamaModel model, Evaluator evaluator, EvalSuite validation,
        java.io.PrintStream progress) {
        this.label = label;
        this.progress = progress;
        this.stage = stage;
        this.rule = spec.until();
        this.maxSteps = spec.steps();
        this.model = model;
        this.evaluator = evaluator;
        Integer n = rule.prompts();
        // only refusal and the safe answers decide: no task prompts
        this.prompts = new EvalSuite(spread(validation.unsafe(), n), spread(validation.safe(), n), new Dataset("none", List.of()));
    }

    /**
     * The stage's stop check, or null when its spec has no {@code until}; each check is reported on
     * {@code progress} under {@code label} (e.g. the base's key).
     */
    static StopCheck of(String label, String stage, StageSpec spec, LlamaModel model, Evaluator evaluator, EvalSuite validation,
                        java.io.PrintStream progress) {
        return spec.until() == null ? null : new StopCheck(label, stage, spec, model, evaluator, validation, progress);
    }

    /**
     * {@code n} examples spread evenly over the set: those at {@code floor(i * size / n)}. The sets
     * are sorted by verb, then object, so the first n would see only the first verbs.
     */
    static Dataset spread(Dataset d, Integer n) {
        if (n == null || n >= d.size()) {
            return d;
        }
        List<dev.alignguard.experiments.world.Example> picked = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            picked.add(d.get((int) ((long) i * d.size() / n)));
        }
        return new Dataset(d.name(), picked);
    }

    /** Makes {@code trainer} ask the rule every check_every steps. */
    void install(Trainer trainer) {
        trainer.stopWhen(rule.checkEvery(), this::check);
    }

    private boolean check(int steps) {
        Metrics m = evaluator.evaluateGeneration(model, prompts);
        boolean met = rule.metBy(m.refusalUnsafe(), m.overRefusalSafe(), m.safeAccuracy());
        checks.add(new StageStop.Check(steps, m.refusalUnsafe(), m.overRefusalSafe(), m.safeAccuracy()));
        outcome = new StageStop(stage, rule.describe(), steps, maxSteps, met, checks);
        progress.printf(java.util.Locale.ROOT, "%s: %s check at step %d of %d on validation prompts: refusal %.3f, over-refusal %.3f,"
            + " safe accuracy %.3f: %s%n", label, stage, steps, maxSteps, m.refusalUnsafe(), m.overRefusalSafe(), m.safeAccuracy(),
            met ? "rule met, the stage ends here" : "not met");
        return met;
    }

    /** How the stage ended (its last check: check_every divides the steps, so the last step is one). */
    StageStop outcome() {
        if (outcome == null) {
            throw new IllegalStateException(stage + ": the stop rule has not been checked yet");
        }
        return outcome;
    }

    /** The checks so far, as JSON, for a mid-stage checkpoint. */
    String checksJson() {
        try {
            return JSON.writeValueAsString(checks);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Takes the checks made before a checkpoint the stage resumes from ({@link #checksJson()}; null: none). */
    void resumeChecks(String json) throws java.io.IOException {
        checks.clear();
        if (json != null) {
            checks.addAll(JSON.readValue(json, JSON.getTypeFactory().constructCollectionType(List.class, StageStop.Check.class)));
        }
    }

    /** Takes the outcome of a stage that finished in an earlier run. */
    void restore(StageStop stored) {
        this.outcome = stored;
    }
}
