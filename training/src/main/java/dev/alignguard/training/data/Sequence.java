package dev.alignguard.training.data;

/**
 * One supervised example as token ids: a prompt (no loss) followed by a response (loss on every
 * response token, including the closing end-of-sequence token the response should carry).
 */
public record Sequence(int[] prompt, int[] response) {

    public Sequence {
        if (prompt.length == 0 || response.length == 0) {
            throw new IllegalArgumentException("a sequence needs a non-empty prompt and response, got "
                + prompt.length + " and " + response.length + " tokens");
        }
    }

    /** Prompt then response. */
    public int[] tokens() {
        int[] all = new int[prompt.length + response.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(response, 0, all, prompt.length, response.length);
        return all;
    }

    public int length() {
        return prompt.length + response.length;
    }
}
