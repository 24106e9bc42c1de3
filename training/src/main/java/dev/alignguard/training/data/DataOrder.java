package dev.alignguard.training.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeded data order: epoch e visits the examples in a permutation drawn from (seed, e); micro-batch
 * i of the run takes the next {@code batchSize} positions of the concatenated epochs. The order is
 * a pure function of (seed, position), so a resumed run needs only the step to continue exactly.
 */
public final class DataOrder {

    private final List<Sequence> examples;
    private final long seed;
    private int cachedEpoch = -1;
    private int[] cachedPermutation;

    public DataOrder(List<Sequence> examples, long seed) {
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no training examples");
        }
        this.examples = List.copyOf(examples);
        this.seed = seed;
    }

    public int size() {
        return examples.size();
    }

    /** The {@code batchSize} examples of micro-batch {@code index} (0-based over the whole run). */
    public List<Sequence> microBatch(long index, int batchSize) {
        List<Sequence> out = new ArrayList<>(batchSize);
        long start = index * batchSize;
        for (long p = start; p < start + batchSize; p++) {
            int epoch = (int) (p / examples.size());
            int within = (int) (p % examples.size());
            out.add(examples.get(permutation(epoch)[within]));
        }
        return out;
    }

    private int[] permutation(int epoch) {
        if (epoch != cachedEpoch) {
            int n = examples.size();
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            Random rnd = new Random(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            cachedEpoch = epoch;
            cachedPermutation = perm;
        }
        return cachedPermutation;
    }
}
