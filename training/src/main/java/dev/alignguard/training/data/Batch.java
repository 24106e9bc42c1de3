package dev.alignguard.training.data;

import java.util.Arrays;
import java.util.List;

/**
 * A right-padded batch for next-token training.
 * <pre>
 *   tokens, targets, lossMask: [batch * seq], sequence-major
 *   tokens[b, t]  = s_b[t]            (t < len_b - 1, pad after)
 *   targets[b, t] = s_b[t + 1]
 *   lossMask[b,t] = t + 1 is a response position of s_b
 * </pre>
 * Right padding needs no attention mask: under a causal mask, pads come after every real token
 * and no real position attends to them; their own predictions are masked out of the loss.
 */
public record Batch(int batchSize, int seqLen, int[] tokens, int[] targets, boolean[] lossMask) {

    public static Batch of(List<Sequence> sequences, int padId) {
        int b = sequences.size();
        int len = 0;
        for (Sequence s : sequences) {
            len = Math.max(len, s.length() - 1);
        }
        int[] tokens = new int[b * len];
        int[] targets = new int[b * len];
        boolean[] mask = new boolean[b * len];
        Arrays.fill(tokens, padId);
        Arrays.fill(targets, padId);
        for (int i = 0; i < b; i++) {
            Sequence s = sequences.get(i);
            int[] all = s.tokens();
            for (int t = 0; t < all.length - 1; t++) {
                tokens[i * len + t] = all[t];
                targets[i * len + t] = all[t + 1];
                mask[i * len + t] = t + 1 >= s.prompt().length;
            }
        }
        return new Batch(b, len, tokens, targets, mask);
    }

    /** Number of positions that carry loss. */
    public int lossTokens() {
        int n = 0;
        for (boolean m : lossMask) {
            if (m) {
                n++;
            }
        }
        return n;
    }
}
