package dev.alignguard.proofs.gen;

import java.util.ArrayList;
import java.util.List;

import dev.alignguard.model.llama.LlamaConfig;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/** Small random Llama configurations: grouped-query attention, zero to three layers, any vocabulary. */
public final class ModelShapes {

    private ModelShapes() {
    }

    /**
     * heads one of 1, 2, 4, 6 and KV heads a divisor of it; head dim 2, 4 or 6; intermediate size in
     * [1, 20]; layers in [0, 3]; vocabulary in [1, 40]; max positions in [1, 64]; RMSNorm eps
     * 10^x with x in [-9, -2] (6 decimals); RoPE theta in [1, 10^6] (4 decimals). Each is a raw draw,
     * so a failure shrinks toward one head, one layer less, the smallest vocabulary.
     */
    public static Gen<LlamaConfig> llamaConfigs() {
        Gen<Integer> heads = SourceDSL.arbitrary().pick(1, 2, 4, 6);
        Gen<Integer> kvPick = SourceDSL.integers().between(0, 7);
        Gen<Integer> halfHeadDim = SourceDSL.integers().between(1, 3);
        Gen<Integer> intermediate = SourceDSL.integers().between(1, 20);
        Gen<Integer> layers = SourceDSL.integers().between(0, 3);
        Gen<Integer> vocab = SourceDSL.integers().between(1, 40);
        Gen<Integer> maxPositions = SourceDSL.integers().between(1, 64);
        Gen<Double> eps = SourceDSL.integers().between(0, 7_000_000).map(k -> Math.pow(10, -9 + k / 1e6));
        Gen<Double> theta = SourceDSL.longs().between(0, 9_999_990_000L).map(k -> 1 + k / 1e4);
        Gen<int[]> attention = heads.zip(kvPick, halfHeadDim, (h, kv, hd) -> {
            List<Integer> divisors = new ArrayList<>();
            for (int d = 1; d <= h; d++) {
                if (h % d == 0) {
                    divisors.add(d);
                }
            }
            return new int[] {h, divisors.get(kv % divisors.size()), hd};
        });
        Gen<int[]> sizes = intermediate.zip(layers, vocab, maxPositions, (f, l, v, p) -> new int[] {f, l, v, p});
        Gen<double[]> norms = eps.zip(theta, (e, t) -> new double[] {e, t});
        return attention.zip(sizes, norms, (a, s, n) -> new LlamaConfig(s[2], a[0] * 2 * a[2], s[0], s[1], a[0], a[1], s[3], n[0], n[1]));
    }
}
