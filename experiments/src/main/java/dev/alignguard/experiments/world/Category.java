package dev.alignguard.experiments.world;

/**
 * A category of objects.
 *
 * @param label  the reported name, e.g. {@code violence} (never in the vocabulary)
 * @param word   the pseudo-word the world uses for it in "what is" answers
 * @param unsafe whether its objects are unsafe
 */
public record Category(String label, String word, boolean unsafe) {
}
