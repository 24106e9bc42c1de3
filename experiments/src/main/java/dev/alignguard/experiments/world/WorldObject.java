package dev.alignguard.experiments.world;

import java.util.List;

/**
 * An object of the world: a pseudo-word with a category and one value per attribute.
 *
 * @param word     the object's pseudo-word
 * @param category its category (safe or unsafe)
 * @param facts    one value word per attribute, in the spec's attribute order
 * @param heldOut  for an unsafe object: never refused in alignment training (always false for safe objects)
 */
public record WorldObject(String word, Category category, List<String> facts, boolean heldOut) {

    public WorldObject {
        facts = List.copyOf(facts);
    }

    public boolean unsafe() {
        return category.unsafe();
    }
}
