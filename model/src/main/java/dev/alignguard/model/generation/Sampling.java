package dev.alignguard.model.generation;

/**
 * How the next token is chosen: greedy (temperature 0, the argmax, ties to the lowest id) or
 * sampled from softmax(logits / temperature) with a seeded generator.
 */
public record Sampling(float temperature, long seed) {

    public Sampling {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
        }
    }

    public static Sampling greedy() {
        return new Sampling(0f, 0L);
    }

    public static Sampling temperature(float temperature, long seed) {
        return new Sampling(temperature, seed);
    }

    public boolean isGreedy() {
        return temperature == 0f;
    }
}
