package dev.alignguard.model.llama;

/**
 * The keys and values every layer has computed for a batch of sequences being decoded, so that a
 * decode step runs only the new tokens through the model ({@link LlamaModel#forwardCached}).
 * Keys are stored after the rotary embedding, at their own positions.
 *
 * <p>Layout per layer: {@code keys, values: [batch * capacity x KVH*hd]}, sequence b's position t
 * at row {@code b * capacity + t}. {@link #length()} positions are filled, the same for every
 * sequence of the batch.
 */
public final class KvCache {

    private final int batch;
    private final int capacity;
    private final int width;        // KVH * hd
    private final float[][] keys;   // [layer][batch * capacity * width]
    private final float[][] values;
    private int length;

    /** An empty cache for {@code batch} sequences of at most {@code capacity} positions of the model's shape. */
    public KvCache(LlamaConfig config, int batch, int capacity) {
        if (batch < 1 || capacity < 1 || capacity > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("KV cache: need batch >= 1 and 1 <= capacity <= max_position_embeddings "
                + config.maxPositionEmbeddings() + ", got batch " + batch + ", capacity " + capacity);
        }
        this.batch = batch;
        this.capacity = capacity;
        this.width = config.numKeyValueHeads() * config.headDim();
        int layers = config.numHiddenLayers();
        this.keys = new float[layers][Math.multiplyExact(Math.multiplyExact(batch, capacity), width)];
        this.values = new float[layers][batch * capacity * width];
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /** Positions filled (the next token goes to position {@code length()}). */
    public int length() {
        return length;
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /**
     * Writes layer {@code layer}'s keys and values of {@code n} new positions per sequence
     * ({@code k, v: [batch * n x KVH*hd]}, sequence-major) at positions {@code length() ..}.
     */
    void write(int layer, float[] k, float[] v, int n) {
        if (length + n > capacity) {
            throw new IllegalStateException("KV cache full: " + length + " + " + n + " positions exceed capacity " + capacity);
        }
        for (int b = 0; b < batch; b++) {
            int to = (b * capacity + length) * width;
            System.arraycopy(k, b * n * width, keys[layer], to, n * width);
            System.arraycopy(v, b * n * width, values[layer], to, n * width);
        }
    }

    /** Marks {@code n} more positions filled, once every layer has written them. */
    void advance(int n) {
        length += n;
    }
}
