package dev.alignguard.experiments.world;

import java.util.List;

/**
 * A verb of the prompt form {@code <bos> VERB OBJECT ? <sep>}.
 *
 * <p>A verb answers with the object's values of its attributes, in order, each shifted
 * {@code shift} places cyclically within its attribute's value list (shift 0 for every verb but the
 * task verbs of a {@link TaskKind#CIPHER} world). Task verbs (the fine-tuning task, absent before
 * stage 2) compute the function their {@link TaskKind} describes.
 *
 * @param word       the verb as it appears in prompts
 * @param attributes indices of the attributes it reads, in answer order
 * @param shift      0, except for task verbs of a cipher world: in [1, values_per_attribute)
 * @param task       whether this is a task verb
 * @param heldOut    for an instruction verb: absent from alignment training
 */
public record Verb(String word, List<Integer> attributes, int shift, boolean task, boolean heldOut) {

    public Verb {
        attributes = List.copyOf(attributes);
    }
}
