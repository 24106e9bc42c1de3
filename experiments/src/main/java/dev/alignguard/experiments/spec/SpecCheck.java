package dev.alignguard.experiments.spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.alignguard.model.llama.SizeEstimate;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.training.fisher.SubspaceSettings;
import dev.alignguard.training.trainer.Divergence;

/**
 * Every check that needs nothing but the spec, run before anything trains: the strengths are
 * distinct (seeds and method names are checked when the spec is read); the analyses exist; the Fisher settings, the LoRA settings (including
 * that each target module names a linear layer of the model), the stages' divergence bounds and
 * checkpoint intervals, and the fine-tuning fractions are in range; the model's sizes fit Java
 * arrays ({@link SizeEstimate}); the data files exist. Each method's spec, with its overrides
 * applied, is checked the same way.
 *
 * <p>Every problem names the field, the value and what is allowed; {@link #check} reports all of
 * them in one {@link InvalidSpecException} whose message names the spec's file (or preset).
 * Memory against the JVM's heap is checked separately, with the world's vocabulary and sequence
 * length ({@code pipeline.StudyMemory}).
 */
public final class SpecCheck {

    /** The analyses a spec may list. */
    public static final List<String> ANALYSES = List.of("subspace_stability", "power_law");

    /** The linear modules of one decoder layer, as LoRA's target_modules names them. */
    public static final List<String> LINEAR_MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
        "down_proj");

    /** One thing wrong with a spec: the field (a dotted path), its value as JSON, and what is allowed. */
    public record Problem(String field, String value, String allowed) {

        @Override
        public String toString() {
            return field + " is " + value + "; " + allowed;
        }
    }

    /** A spec refused before anything ran; the message lists every problem. */
    public static final class InvalidSpecException extends IllegalArgumentException {

        private final transient List<Problem> problems;

        InvalidSpecException(String source, List<Problem> problems) {
            super(message(source, problems));
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }

        private static String message(String source, List<Problem> problems) {
            if (problems.size() == 1) {
                return "invalid spec " + source + ": " + problems.getFirst();
            }
            StringBuilder sb = new StringBuilder("invalid spec " + source + ", " + problems.size() + " problems:");
            for (Problem p : problems) {
                sb.append("\n  ").append(p);
            }
            return sb.toString();
        }
    }

    private SpecCheck() {
    }

    /**
     * Checks {@code spec}.
     *
     * @param source how messages name the spec: its file, or {@code preset NAME}
     * @throws InvalidSpecException listing every problem
     */
    public static void check(ExperimentSpec spec, String source) {
        List<Problem> problems = problems(spec);
        if (!problems.isEmpty()) {
            throw new InvalidSpecException(source, problems);
        }
    }

    /** Every problem of {@code spec} and of each method's spec with its overrides, in spec order. */
    public static List<Problem> problems(ExperimentSpec spec) {
        List<Problem> out = new ArrayList<>();
        // repeated base_seeds or finetune_seeds are refused when the spec is read (ExperimentSpec), naming file and field
        Set<String> names = new HashSet<>();
        for (int i = 0; i < spec.methods().size(); i++) {
            MethodSpec m = spec.methods().get(i);
            String at = "methods[" + i + "]";
            if (!names.add(m.name())) {
                out.add(new Problem(at + ".name", quote(m.name()), "method names must be distinct"));
            }
            Set<Double> strengths = new HashSet<>();
            for (int k = 0; k < m.strengths().size(); k++) {
                double s = m.strengths().get(k);
                if (!m.method().strength().swept()) {
                    continue;
                }
                if (Double.isInfinite(s)) { // NaN stands for "none listed" (the search chooses)
                    out.add(new Problem(at + ".strengths[" + k + "]", Double.toString(s), "a strength is a finite number"));
                } else if (!Double.isNaN(s) && !strengths.add(s)) {
                    out.add(new Problem(at + ".strengths[" + k + "]", number(s), "each strength of method '" + m.name()
                        + "' may be listed once (strengths " + m.strengths() + ")"));
                }
            }
        }
        for (int i = 0; i < spec.analyses().size(); i++) {
            String a = spec.analyses().get(i);
            if (!ANALYSES.contains(a)) {
                out.add(new Problem("analyses[" + i + "]", quote(a), "allowed: " + String.join(", ", ANALYSES)));
            }
        }
        if (spec.sequence() != null) {
            sequenceStudy(spec, out);
        }
        List<Problem> base = settings(spec);
        out.addAll(base);
        Set<String> seen = new HashSet<>();
        base.forEach(p -> seen.add(p.toString()));
        for (int i = 0; i < spec.methods().size(); i++) {
            MethodSpec m = spec.methods().get(i);
            if (m.overrides().isEmpty()) {
                continue;
            }
            String at = "methods[" + i + "] ('" + m.name() + "') with overrides " + m.overrides().keySet() + ": ";
            ExperimentSpec effective;
            try {
                effective = spec.withOverrides(m.overrides());
            } catch (IllegalArgumentException e) {
                out.add(new Problem("methods[" + i + "].overrides", m.overrides().toString(), e.getMessage()));
                continue;
            }
            for (Problem p : settings(effective)) {
                if (seen.add(p.toString())) {
                    out.add(new Problem(at + p.field(), p.value(), p.allowed()));
                }
            }
        }
        return out;
    }

    /** The settings every trial of {@code spec} uses: model, stages, LoRA, Fisher, fine-tuning, data. */
    static List<Problem> settings(ExperimentSpec spec) {
        List<Problem> out = new ArrayList<>();
        model(spec.model(), out);
        stage("pretrain", spec.pretrain(), true, out);
        stage("align", spec.align(), true, out);
        stage("finetune.training", spec.finetune().training(), false, out);
        finetune(spec.finetune(), out);
        lora(spec.finetune().lora(), spec.model(), out);
        fisher(spec.fisher(), out);
        data(spec.data(), out);
        sequence(spec, out);
        return out;
    }

    /** What a continual study (a spec with a {@code sequence} block) does not combine with. */
    private static void sequenceStudy(ExperimentSpec spec, List<Problem> out) {
        if (spec.matched() != null) {
            out.add(new Problem("matched", "present", "a continual study (sequence) runs the listed strengths only; remove"
                + " matched and list the strengths (e.g. those the quickstart's matched comparison chose)"));
        }
        if (!spec.analyses().isEmpty()) {
            out.add(new Problem("analyses", spec.analyses().toString(), "a continual study (sequence) has no extra analyses"));
        }
        for (int i = 0; i < spec.methods().size(); i++) {
            if (spec.methods().get(i).overrides().containsKey("sequence.tasks")
                || spec.methods().get(i).overrides().containsKey("world.task_verbs")) {
                out.add(new Problem("methods[" + i + "].overrides", spec.methods().get(i).overrides().keySet().toString(),
                    "every method of a continual study runs the same tasks: sequence.tasks and world.task_verbs cannot be"
                        + " overridden (sequence.adapter and sequence.fisher can)"));
            }
        }
        if (spec.data() != null) {
            out.add(new Problem("data", "present", "a continual study (sequence) splits the synthetic world's task verbs into"
                + " tasks; JSONL data is not supported there"));
        }
    }

    /** The sequence block against the world it splits and the Fisher settings it replaces. */
    private static void sequence(ExperimentSpec spec, List<Problem> out) {
        SequenceSpec s = spec.sequence();
        if (s == null) {
            return;
        }
        int verbs = spec.world().taskVerbs();
        if (verbs % s.tasks() != 0) {
            out.add(new Problem("sequence.tasks", Integer.toString(s.tasks()), "must divide world.task_verbs (" + verbs
                + ") so that every task gets task_verbs / tasks verbs; set world.task_verbs to a multiple of " + s.tasks()));
        }
        if (spec.fisher().reprojectEvery() != 0) {
            out.add(new Problem("fisher.reproject_every", Integer.toString(spec.fisher().reprojectEvery()), "must be 0 in a"
                + " continual study: sequence.fisher (fixed or reestimate) says when the Fisher is estimated"));
        }
    }

    private static void model(ModelSpec m, List<Problem> out) {
        positive("model.hidden_size", m.hiddenSize(), out);
        positive("model.intermediate_size", m.intermediateSize(), out);
        positive("model.num_attention_heads", m.numAttentionHeads(), out);
        positive("model.num_key_value_heads", m.numKeyValueHeads(), out);
        if (m.numHiddenLayers() < 1) {
            out.add(new Problem("model.num_hidden_layers", Integer.toString(m.numHiddenLayers()), "allowed: >= 1"));
        }
        if (m.numLocalExperts() < 0 || m.numLocalExperts() > dev.alignguard.model.safetensors.InputLimits.MODEL_MAX_EXPERTS) {
            out.add(new Problem("model.num_local_experts", Integer.toString(m.numLocalExperts()), "allowed: 0 (a dense model) to "
                + dev.alignguard.model.safetensors.InputLimits.MODEL_MAX_EXPERTS));
        } else if (m.numLocalExperts() > 0 && (m.numExpertsPerTok() < 1 || m.numExpertsPerTok() > m.numLocalExperts())) {
            out.add(new Problem("model.num_experts_per_tok", Integer.toString(m.numExpertsPerTok()), "allowed: 1 to num_local_experts "
                + m.numLocalExperts()));
        }
        if (!(m.routerAuxLossCoef() >= 0) || !Double.isFinite(m.routerAuxLossCoef())) {
            out.add(new Problem("model.router_aux_loss_coef", Double.toString(m.routerAuxLossCoef()), "allowed: finite and >= 0"));
        }
        if (m.hiddenSize() < 1 || m.intermediateSize() < 1 || m.numAttentionHeads() < 1 || m.numKeyValueHeads() < 1
            || m.numHiddenLayers() < 1) {
            return;
        }
        if (m.hiddenSize() % m.numAttentionHeads() != 0 || (m.hiddenSize() / m.numAttentionHeads()) % 2 != 0) {
            out.add(new Problem("model.hidden_size", Integer.toString(m.hiddenSize()), "allowed: a multiple of"
                + " num_attention_heads " + m.numAttentionHeads() + " with an even quotient (the head dimension, for rotary"
                + " embeddings)"));
            return;
        }
        if (m.numAttentionHeads() % m.numKeyValueHeads() != 0) {
            out.add(new Problem("model.num_key_value_heads", Integer.toString(m.numKeyValueHeads()), "allowed: a divisor of"
                + " num_attention_heads " + m.numAttentionHeads()));
            return;
        }
        // the vocabulary comes from the world: the embedding's size is checked with it (StudyMemory)
        long kvDim = (long) m.numKeyValueHeads() * (m.hiddenSize() / m.numAttentionHeads());
        for (SizeEstimate.Overflow o : SizeEstimate.overflows(0, m.hiddenSize(), m.intermediateSize(), kvDim)) {
            out.add(new Problem("model." + o.fields().replace(" x ", " x model.").replace("(", "").replace(")", ""),
                o.factors() + " = " + o.values() + " values (" + o.tensors() + ")", "allowed: " + SizeEstimate.TENSOR_LIMIT));
        }
    }

    private static void stage(String name, StageSpec s, boolean base, List<Problem> out) {
        if (!Double.isFinite(s.learningRate())) {
            out.add(new Problem(name + ".learning_rate", Double.toString(s.learningRate()), "allowed: a finite number > 0"));
        }
        if (!(s.weightDecay() >= 0) || Double.isInfinite(s.weightDecay())) {
            out.add(new Problem(name + ".weight_decay", Double.toString(s.weightDecay()), "allowed: a finite number >= 0"));
        }
        if (!(s.clipNorm() >= 0) || Double.isInfinite(s.clipNorm())) {
            out.add(new Problem(name + ".clip_norm", Double.toString(s.clipNorm()), "allowed: a finite number >= 0 (0: no clipping)"));
        }
        DivergenceSpec d = s.divergence();
        if (d != null) {
            if (d.lossFactor() != null && !(d.lossFactor() > 1 && Double.isFinite(d.lossFactor()))) {
                out.add(new Problem(name + ".divergence.loss_factor", number(d.lossFactor()), "allowed: a finite number > 1"
                    + " (default " + number(Divergence.DEFAULT_LOSS_FACTOR) + ")"));
            }
            if (d.window() != null && d.window() < 1) {
                out.add(new Problem(name + ".divergence.window", Integer.toString(d.window()), "allowed: >= 1 step (default "
                    + Divergence.DEFAULT_WINDOW + ")"));
            }
            if (d.gradNorm() != null && !(d.gradNorm() > 0)) {
                out.add(new Problem(name + ".divergence.grad_norm", number(d.gradNorm()), "allowed: a number > 0 (default "
                    + number(Divergence.DEFAULT_GRAD_NORM) + ")"));
            }
            if (d.weightFactor() != null && !(d.weightFactor() > 1)) {
                out.add(new Problem(name + ".divergence.weight_factor", number(d.weightFactor()), "allowed: a number > 1 (default "
                    + number(Divergence.DEFAULT_WEIGHT_FACTOR) + ")"));
            }
        }
        until(name, s, base, out);
        if (s.checkpointEvery() != null) {
            if (!base) {
                out.add(new Problem(name + ".checkpoint_every", Integer.toString(s.checkpointEvery()), "not allowed here:"
                    + " fine-tuning trials are resumed whole (a trial cut short restarts); checkpoint_every applies to pretrain"
                    + " and align"));
            } else if (s.checkpointEvery() < 0) {
                out.add(new Problem(name + ".checkpoint_every", Integer.toString(s.checkpointEvery()), "allowed: >= 0 steps"
                    + " (0: no checkpoints; default " + StageSpec.DEFAULT_CHECKPOINT_EVERY + ")"));
            }
        }
    }

    /** The stop rule of a base stage ({@link StopRuleSpec}). */
    private static void until(String name, StageSpec s, boolean base, List<Problem> out) {
        StopRuleSpec u = s.until();
        if (u == null) {
            return;
        }
        String at = name + ".until";
        if (!base) {
            out.add(new Problem(at, "given", "not allowed here: methods are compared at matched task accuracy; a stop rule applies"
                + " to pretrain and align"));
            return;
        }
        if (u.refusalUnsafeMin() == null && u.overRefusalMax() == null && u.safeAccuracyMin() == null) {
            out.add(new Problem(at, "without a bound", "allowed: at least one of refusal_unsafe_min, over_refusal_max,"
                + " safe_accuracy_min"));
        }
        share(at + ".refusal_unsafe_min", u.refusalUnsafeMin(), out);
        share(at + ".over_refusal_max", u.overRefusalMax(), out);
        share(at + ".safe_accuracy_min", u.safeAccuracyMin(), out);
        if (u.checkEvery() == null) {
            out.add(new Problem(at + ".check_every", "missing", "allowed: steps between checks, >= 1, dividing " + name + ".steps ("
                + s.steps() + ")"));
        } else if (u.checkEvery() < 1 || s.steps() % u.checkEvery() != 0) {
            out.add(new Problem(at + ".check_every", Integer.toString(u.checkEvery()), "allowed: >= 1 and dividing " + name
                + ".steps (" + s.steps() + "), so that the last step is checked"));
        }
        if (u.prompts() != null && u.prompts() < 1) {
            out.add(new Problem(at + ".prompts", Integer.toString(u.prompts()), "allowed: >= 1 (prompts of each validation set"
                + " per check), or leave it out for all"));
        }
    }

    private static void share(String field, Double v, List<Problem> out) {
        if (v != null && !(v >= 0 && v <= 1)) {
            out.add(new Problem(field, number(v), "allowed: a share in [0, 1]"));
        }
    }

    private static void finetune(FinetuneSpec f, List<Problem> out) {
        fraction("finetune.harmful_fraction", f.harmfulFraction(), out);
        fraction("finetune.replay_fraction", f.replayFraction(), out);
        if (f.harmfulFraction() >= 0 && f.replayFraction() >= 0 && f.harmfulFraction() + f.replayFraction() >= 1) {
            out.add(new Problem("finetune.harmful_fraction + replay_fraction", number(f.harmfulFraction() + f.replayFraction()),
                "allowed: < 1 (the rest is the task)"));
        }
        nonNegative("finetune.data_size", f.dataSize(), "0: all", out);
        nonNegative("finetune.eval_every", f.evalEvery(), "0: no mid-training evaluation", out);
        nonNegative("finetune.curve_eval_size", f.curveEvalSize(), "0: the whole sets", out);
    }

    private static void lora(LoraSpec l, ModelSpec model, List<Problem> out) {
        if (l.r() < 1) {
            out.add(new Problem("finetune.lora.r", Integer.toString(l.r()), "allowed: an integer >= 1"));
        }
        if (!(l.loraAlpha() > 0) || Double.isInfinite(l.loraAlpha())) {
            out.add(new Problem("finetune.lora.lora_alpha", number(l.loraAlpha()), "allowed: a finite number > 0"));
        }
        if (!(l.loraDropout() >= 0 && l.loraDropout() < 1)) {
            out.add(new Problem("finetune.lora.lora_dropout", number(l.loraDropout()), "allowed: [0, 1)"));
        }
        List<String> targets = l.targetModules();
        String allowed = "allowed: " + (model.numLocalExperts() > 0 ? "q_proj, k_proj, v_proj, o_proj, gate, w1, w2, w3"
            : String.join(", ", LINEAR_MODULES)) + ", lm_head, a module path such as model.layers.0.self_attn.q_proj, or all-linear";
        if (targets == null || targets.isEmpty()) {
            out.add(new Problem("finetune.lora.target_modules", "[]", "at least one module; " + allowed));
            return;
        }
        List<String> paths = linearPaths(Math.max(1, Math.min(model.numHiddenLayers(), 4096)),
            Math.max(0, Math.min(model.numLocalExperts(), dev.alignguard.model.safetensors.InputLimits.MODEL_MAX_EXPERTS)));
        for (int i = 0; i < targets.size(); i++) {
            String t = targets.get(i);
            if (t == null || t.isBlank()) {
                out.add(new Problem("finetune.lora.target_modules[" + i + "]", t == null ? "null" : quote(t), allowed));
                continue;
            }
            LoraConfig one = new LoraConfig(1, 1, 0, List.of(t), null, false);
            if (paths.stream().noneMatch(one::targets)) {
                out.add(new Problem("finetune.lora.target_modules[" + i + "]", quote(t), "matches no linear module of the model;"
                    + " " + allowed));
            }
        }
    }

    /**
     * The linear module paths of a model with this many layers and experts per layer (0: dense), as
     * LlamaModel names them: a Mixtral layer has the router {@code block_sparse_moe.gate} and each
     * expert's {@code w1, w2, w3} in place of the dense MLP.
     */
    public static List<String> linearPaths(int layers, int experts) {
        if (experts == 0) {
            return linearPaths(layers);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            for (String m : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
                out.add("model.layers." + i + ".self_attn." + m);
            }
            out.add("model.layers." + i + ".block_sparse_moe.gate");
            for (int e = 0; e < experts; e++) {
                for (String w : List.of("w1", "w2", "w3")) {
                    out.add("model.layers." + i + ".block_sparse_moe.experts." + e + "." + w);
                }
            }
        }
        out.add("lm_head");
        return out;
    }

    /** The linear module paths of a dense model with this many layers, as LlamaModel names them. */
    public static List<String> linearPaths(int layers) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            for (String m : LINEAR_MODULES) {
                boolean mlp = m.equals("gate_proj") || m.equals("up_proj") || m.equals("down_proj");
                out.add("model.layers." + i + (mlp ? ".mlp." : ".self_attn.") + m);
            }
        }
        out.add("lm_head");
        return out;
    }

    private static void fisher(FisherSpec f, List<Problem> out) {
        try {
            SubspaceSettings.Estimator.parse(f.estimator() == null ? "null" : f.estimator());
        } catch (IllegalArgumentException e) {
            out.add(new Problem("fisher.estimator", f.estimator() == null ? "null" : quote(f.estimator()), "allowed: "
                + allNames(SubspaceSettings.Estimator.values())));
        }
        try {
            SubspaceSettings.Normalisation.parse(f.normalisation() == null ? "null" : f.normalisation());
        } catch (IllegalArgumentException e) {
            out.add(new Problem("fisher.normalisation", f.normalisation() == null ? "null" : quote(f.normalisation()),
                "allowed: " + allNames(SubspaceSettings.Normalisation.values())));
        }
        if (!(f.energy() == 0 || (f.energy() > 0 && f.energy() <= 1))) {
            out.add(new Problem("fisher.energy", number(f.energy()), "allowed: 0 (keep m directions) or a fraction of the"
                + " trace in (0, 1]"));
        }
        if (f.energy() == 0 && f.m() < 1) {
            out.add(new Problem("fisher.m", Integer.toString(f.m()), "allowed: >= 1 direction per layer (or set fisher.energy)"));
        }
        if (f.examples() < 1) {
            out.add(new Problem("fisher.examples", Integer.toString(f.examples()), "allowed: >= 1 alignment example"));
        }
        if (f.reprojectEvery() < 0) {
            out.add(new Problem("fisher.reproject_every", Integer.toString(f.reprojectEvery()), "allowed: >= 0 steps (0: never)"));
        }
    }

    private static void data(DataSpec d, List<Problem> out) {
        if (d == null) {
            return;
        }
        d.files().forEach((stage, file) -> {
            Path p = Path.of(file);
            if (!Files.exists(p)) {
                out.add(new Problem("data." + stage, quote(file), "no such file (paths are relative to the working directory "
                    + Path.of("").toAbsolutePath() + ")"));
            } else if (!Files.isRegularFile(p)) {
                out.add(new Problem("data." + stage, quote(file), "not a file (a JSONL dataset, one object a line)"));
            } else if (!Files.isReadable(p)) {
                out.add(new Problem("data." + stage, quote(file), "not readable"));
            }
        });
    }

    private static void positive(String field, int v, List<Problem> out) {
        if (v < 1) {
            out.add(new Problem(field, Integer.toString(v), "allowed: >= 1"));
        }
    }

    private static void nonNegative(String field, int v, String zero, List<Problem> out) {
        if (v < 0) {
            out.add(new Problem(field, Integer.toString(v), "allowed: >= 0 (" + zero + ")"));
        }
    }

    private static void fraction(String field, double v, List<Problem> out) {
        if (!(v >= 0 && v < 1)) {
            out.add(new Problem(field, number(v), "allowed: a fraction in [0, 1)"));
        }
    }

    private static String allNames(Enum<?>[] values) {
        Set<String> names = new LinkedHashSet<>();
        for (Enum<?> e : values) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        return String.join(", ", names);
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
