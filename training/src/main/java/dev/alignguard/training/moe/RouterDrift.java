package dev.alignguard.training.moe;

import java.util.Arrays;
import java.util.List;

import dev.alignguard.model.autodiff.Routing;

/**
 * How the routing of the same prompts changed between two models (e.g. aligned vs fine-tuned), over
 * every (prompt, block, token):
 * <pre>
 *   changedSets   : share whose set of chosen experts differs
 *   changedTop    : share whose first choice differs
 *   probabilityTv : mean total-variation distance 1/2 sum_e |p_e - p'_e| of the router's probabilities
 *   loadTv        : mean over blocks of the total-variation distance between the expert loads (RoutingProfile.load)
 * </pre>
 * All four are 0 for identical routing and at most 1.
 */
public record RouterDrift(double changedSets, double changedTop, double probabilityTv, double loadTv) {

    /** The drift from {@code before} to {@code after}, which must route the same prompts through the same blocks. */
    public static RouterDrift between(RoutingProfile before, RoutingProfile after) {
        if (!before.blocks().equals(after.blocks()) || before.routings().size() != after.routings().size()) {
            throw new IllegalArgumentException("router drift: the profiles cover different blocks or prompt counts ("
                + before.blocks() + " x " + before.routings().size() + " vs " + after.blocks() + " x " + after.routings().size() + ")");
        }
        long count = 0, sets = 0, top = 0;
        double tv = 0;
        for (int p = 0; p < before.routings().size(); p++) {
            List<Routing> a = before.routings().get(p), b = after.routings().get(p);
            for (int blk = 0; blk < a.size(); blk++) {
                Routing x = a.get(blk), y = b.get(blk);
                if (x.tokens() != y.tokens() || x.experts() != y.experts() || x.perToken() != y.perToken()) {
                    throw new IllegalArgumentException("router drift: prompt " + p + " at " + before.blocks().get(blk)
                        + " has different shapes in the two profiles");
                }
                int k = x.perToken(), e = x.experts();
                for (int t = 0; t < x.tokens(); t++) {
                    count++;
                    int[] cx = Arrays.copyOfRange(x.chosen(), t * k, t * k + k);
                    int[] cy = Arrays.copyOfRange(y.chosen(), t * k, t * k + k);
                    if (cx[0] != cy[0]) {
                        top++;
                    }
                    Arrays.sort(cx);
                    Arrays.sort(cy);
                    if (!Arrays.equals(cx, cy)) {
                        sets++;
                    }
                    double d = 0;
                    for (int j = 0; j < e; j++) {
                        d += Math.abs((double) x.probabilities()[t * e + j] - y.probabilities()[t * e + j]);
                    }
                    tv += d / 2;
                }
            }
        }
        double load = 0;
        for (int blk = 0; blk < before.blocks().size(); blk++) {
            double[] la = before.load(blk), lb = after.load(blk);
            double d = 0;
            for (int j = 0; j < la.length; j++) {
                d += Math.abs(la[j] - lb[j]);
            }
            load += d / 2;
        }
        return new RouterDrift((double) sets / count, (double) top / count, tv / count, load / before.blocks().size());
    }
}
