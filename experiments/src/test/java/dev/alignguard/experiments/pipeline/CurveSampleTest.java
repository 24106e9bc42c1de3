package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.alignguard.experiments.spec.WorldSpec;
import dev.alignguard.experiments.world.Dataset;
import dev.alignguard.experiments.world.Example;
import dev.alignguard.experiments.world.World;

/** The curves' prompts cover every verb and category, not the first verbs of a sorted set. */
class CurveSampleTest {

    @Test
    void everyVerbAndCategoryIsRepresentedAndTheSampleIsFixedPerBaseSeed() {
        World w = World.generate(WorldSpec.quick(), 7);
        Dataset unsafe = w.evaluation().unsafe();
        Dataset sample = CurveSample.sample(unsafe, 64, 7);
        assertEquals(64, sample.size());
        assertEquals(verbs(unsafe), verbs(sample), "every verb of the set");
        assertEquals(categories(unsafe), categories(sample), "every category of the set");
        assertEquals(sample, CurveSample.sample(unsafe, 64, 7), "fixed per base seed");
        Dataset head = new Dataset("head", unsafe.examples().subList(0, 64));
        assertTrue(verbs(head).size() < verbs(sample).size(), "the old head-of-list sample saw fewer verbs");
    }

    private static Set<String> verbs(Dataset d) {
        Set<String> out = new HashSet<>();
        d.examples().forEach(e -> out.add(CurveSample.verb(e.prompt())));
        return out;
    }

    private static Set<String> categories(Dataset d) {
        Set<String> out = new HashSet<>();
        for (Example e : d.examples()) {
            out.add(e.category());
        }
        return out;
    }
}
