package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.EvalSuite;
import dev.alignguard.experiments.world.Example;

/**
 * The prompts of the mid-training evaluations: a stratified sample, so every verb and category is
 * represented (the evaluation sets are sorted by verb, so their first prompts would be one or two
 * verbs). Strata are (category, verb) — the verb being a prompt's first word — taken round-robin in
 * a shuffled order; the sample is fixed per base seed, so every method's curve sees the same prompts.
 */
public final class CurveSample {

    private CurveSample() {
    }

    /** Up to {@code size} prompts of each set of the suite ({@code size <= 0}: the whole suite). */
    public static EvalSuite of(EvalSuite full, int size, long baseSeed) {
        return new EvalSuite(sample(full.unsafe(), size, baseSeed), sample(full.safe(), size, baseSeed),
            sample(full.taskTest(), size, baseSeed));
    }

    static Dataset sample(Dataset d, int n, long seed) {
        if (n <= 0 || n >= d.size()) {
            return d;
        }
        Map<String, List<Example>> strata = new LinkedHashMap<>();
        for (Example e : d.examples()) {
            strata.computeIfAbsent(e.category() + "|" + verb(e.prompt()), k -> new ArrayList<>()).add(e);
        }
        Random random = new Random(seed * 0x9E3779B97F4A7C15L + d.name().hashCode());
        List<List<Example>> groups = new ArrayList<>(strata.values());
        for (List<Example> g : groups) {
            java.util.Collections.shuffle(g, random);
        }
        java.util.Collections.shuffle(groups, random);
        List<Example> out = new ArrayList<>();
        for (int round = 0; out.size() < n; round++) {
            for (List<Example> g : groups) {
                if (round < g.size() && out.size() < n) {
                    out.add(g.get(round));
                }
            }
        }
        return new Dataset(d.name(), out);
    }

    /** The first word of a prompt after its framing token, e.g. {@code describe} in {@code <bos> describe zorp ? <sep>}. */
    static String verb(String prompt) {
        for (String w : prompt.trim().split("\\s+")) {
            if (!w.startsWith("<")) {
                return w;
            }
        }
        return "";
    }
}
