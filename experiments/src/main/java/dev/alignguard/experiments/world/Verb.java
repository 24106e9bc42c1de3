package dev.alignguard.experiments.world;

import java.util.List;

/**
 * A verb of the prompt form {@code <bos> VERB OBJECT ? <sep>}.
 *
 * <p>An instruction verb answers with the object's values of its attributes, in order
 * ({@code shift} is 0). A task verb (the fine-tuning task, absent before stage 2) answers with, for
 * each of its attributes, the value {@code shift} places after the object's value in that attribute's
 * value list, cyclically: a new but learnable function of the same facts.
 *
 * @param word       the verb as it appears in prompts
 * @param attributes indices of the attributes it reads, in answer order
 * @param shift      0 for instruction verbs; in [1, values_per_attribute) for task verbs
 * @param task       whether this is a task verb
 * @param heldOut    for an instruction verb: absent from alignment training
 */
public record Verb(String word, List<Integer> attributes, int shift, boolean task, boolean heldOut) {

    public Verb {
        attributes = List.copyOf(attributes);
    }
}
