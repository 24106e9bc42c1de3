package dev.alignguard.model.autodiff;

/**
 * Where a sparse mixture-of-experts router sent each token, as {@link MoeOps#route} computed it.
 *
 * <pre>
 *   probabilities : N x E   softmax of the router logits over all experts (float, row-major)
 *   experts       : N x k   the chosen experts of each token, by falling probability (ties: lower index first)
 *   weights       : N x k   the chosen probabilities renormalised to sum to one per token (a tensor: it
 *                           carries the gradient back to the router logits)
 * </pre>
 *
 * @param tokens        N
 * @param experts       E, the number of experts
 * @param perToken      k, the experts each token uses
 * @param chosen        N x k expert indices, row-major
 * @param probabilities N x E router probabilities, row-major
 * @param weights       N x k renormalised routing weights
 */
public record Routing(int tokens, int experts, int perToken, int[] chosen, float[] probabilities, Tensor weights) {

    /** The k-th choice of token t. */
    public int expert(int token, int slot) {
        return chosen[token * perToken + slot];
    }

    /** The tokens routed to expert e, ascending. */
    public int[] tokensOf(int e) {
        int count = countOf(e);
        int[] rows = new int[count];
        int n = 0;
        for (int t = 0; t < tokens; t++) {
            if (slotOf(t, e) >= 0) {
                rows[n++] = t;
            }
        }
        return rows;
    }

    /** How many tokens chose expert e. */
    public int countOf(int e) {
        int count = 0;
        for (int c : chosen) {
            if (c == e) {
                count++;
            }
        }
        return count;
    }

    /** The slot in which token t chose expert e, or -1 when it did not. */
    public int slotOf(int token, int e) {
        for (int s = 0; s < perToken; s++) {
            if (chosen[token * perToken + s] == e) {
                return s;
            }
        }
        return -1;
    }
}
