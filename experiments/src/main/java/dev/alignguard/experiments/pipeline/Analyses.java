package dev.alignguard.experiments.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;

/**
 * Preset-specific analyses, computed from the trials:
 * <ul>
 *   <li>{@code subspace_stability}: for each method and strength with an alignment subspace, the
 *       layer-wise cosine similarity of the final dW_A between every pair of seeds (mean and min);</li>
 *   <li>{@code power_law}: alignment NLL after fine-tuning against fine-tuning data size and model
 *       width, fitted as {@code L = a * x^b} by least squares on (log x, log L), with R^2 and the
 *       root-mean-square relative error of the fit.</li>
 * </ul>
 */
public final class Analyses {

    private Analyses() {
    }

    public static Map<String, JsonNode> run(ExperimentSpec spec, List<Trial> trials, List<TrialRunner.Outcome> outcomes) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String a : spec.analyses()) {
            switch (a) {
                case "subspace_stability" -> out.put(a, subspaceStability(trials, outcomes));
                case "power_law" -> out.put(a, powerLaw(trials, outcomes));
                default -> throw new IllegalArgumentException("unknown analysis '" + a + "'; expected subspace_stability or power_law");
            }
        }
        return out;
    }

    static JsonNode subspaceStability(List<Trial> trials, List<TrialRunner.Outcome> outcomes) {
        ArrayNode rows = ExperimentSpec.JSON.createArrayNode();
        Map<String, List<Map<String, float[]>>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < trials.size(); i++) {
            TrialRunner.Outcome o = outcomes.get(i);
            if (o.record().failed() || o.finalAlignmentUpdates().isEmpty()) {
                continue;
            }
            String group = trials.get(i).method().name()
                + (Double.isNaN(trials.get(i).strength()) ? "" : " λA=" + trials.get(i).strength());
            byGroup.computeIfAbsent(group, g -> new ArrayList<>()).add(o.finalAlignmentUpdates());
        }
        byGroup.forEach((group, runs) -> {
            if (runs.size() < 2) {
                return;
            }
            for (String layer : runs.getFirst().keySet()) {
                double sum = 0, min = Double.POSITIVE_INFINITY;
                int pairs = 0;
                for (int a = 0; a < runs.size(); a++) {
                    for (int b = a + 1; b < runs.size(); b++) {
                        double c = Math.abs(cosine(runs.get(a).get(layer), runs.get(b).get(layer)));
                        sum += c;
                        min = Math.min(min, c);
                        pairs++;
                    }
                }
                ObjectNode row = rows.addObject();
                row.put("method", group);
                row.put("layer", layer);
                row.put("mean_abs_cosine", sum / pairs);
                row.put("min_abs_cosine", min);
                row.put("seed_pairs", pairs);
            }
        });
        return rows;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** Fits L = a x^b per method and per varied factor (data size, width). */
    static JsonNode powerLaw(List<Trial> trials, List<TrialRunner.Outcome> outcomes) {
        ObjectNode out = ExperimentSpec.JSON.createObjectNode();
        out.put("form", "alignment_nll_increase = a * x^b, least squares on (ln x, ln alignment_nll_increase); the"
            + " increase is over each variant's own aligned model (a width variant has its own base)");
        for (String factor : List.of("data_size", "width")) {
            Map<String, List<double[]>> points = new LinkedHashMap<>();
            for (int i = 0; i < trials.size(); i++) {
                TrialRecord r = outcomes.get(i).record();
                if (r.failed() || !trials.get(i).method().overrides().keySet().stream().anyMatch(k -> k.contains(
                    factor.equals("width") ? "model.hidden_size" : "finetune.data_size"))) {
                    continue;
                }
                ExperimentSpec s = trials.get(i).spec();
                double x = factor.equals("width") ? s.model().hiddenSize() : s.finetune().dataSize();
                points.computeIfAbsent(trials.get(i).method().kind(), k -> new ArrayList<>())
                    .add(new double[] {x, r.metrics().getOrDefault("alignment_nll_increase", Double.NaN)});
            }
            ArrayNode fits = out.putArray(factor);
            points.forEach((kind, pts) -> {
                ObjectNode f = fits.addObject();
                f.put("method_kind", kind);
                fit(pts, f);
            });
        }
        return out;
    }

    /** Least squares of ln y = ln a + b ln x; records a, b, R^2 (log space) and RMS relative error. */
    static void fit(List<double[]> pts, ObjectNode into) {
        int n = 0;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        for (double[] p : pts) {
            if (p[0] > 0 && p[1] > 0) {
                double lx = Math.log(p[0]), ly = Math.log(p[1]);
                sx += lx;
                sy += ly;
                sxx += lx * lx;
                sxy += lx * ly;
                n++;
            }
        }
        into.put("points", n);
        double den = n * sxx - sx * sx;
        if (n < 2 || den == 0) {
            into.put("note", "fewer than two distinct positive points: no fit");
            return;
        }
        double b = (n * sxy - sx * sy) / den;
        double lnA = (sy - b * sx) / n;
        double ssRes = 0, ssTot = 0, rel = 0, meanLy = sy / n;
        for (double[] p : pts) {
            if (p[0] > 0 && p[1] > 0) {
                double pred = lnA + b * Math.log(p[0]);
                double ly = Math.log(p[1]);
                ssRes += (ly - pred) * (ly - pred);
                ssTot += (ly - meanLy) * (ly - meanLy);
                double yHat = Math.exp(pred);
                rel += Math.pow((yHat - p[1]) / p[1], 2);
            }
        }
        into.put("a", Math.exp(lnA));
        into.put("b", b);
        into.put("r2_log", ssTot == 0 ? Double.NaN : 1 - ssRes / ssTot);
        into.put("rms_relative_error", Math.sqrt(rel / n));
        ArrayNode raw = into.putArray("data");
        for (double[] p : pts) {
            raw.addArray().add(p[0]).add(p[1]);
        }
    }
}
