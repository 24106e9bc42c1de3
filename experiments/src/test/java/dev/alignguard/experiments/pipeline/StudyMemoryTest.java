package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.Presets;

/** Issue 11, item 2: a study's heap is estimated from its spec and compared with the JVM's before anything is allocated. */
class StudyMemoryTest {

    @Test
    void everyPresetFitsInAGibibyteWithTwoWorkers() throws IOException {
        for (String name : Presets.NAMES) {
            StudyMemory.Estimate e = StudyMemory.of(Presets.load(name), 2);
            assertTrue(e.total() > 0 && e.total() < (1L << 30), name + ": " + e.describe());
        }
    }

    @Test
    void aSevenBSizedStudyIsRefusedWithTheHeapItNeeds() throws IOException {
        ExperimentSpec tiny = StudyTest.tinySpec();
        ExperimentSpec big = tiny.withOverrides(Map.of("model.hidden_size", IntNode.valueOf(4096), "model.intermediate_size",
            IntNode.valueOf(11008), "model.num_hidden_layers", IntNode.valueOf(32), "model.num_attention_heads", IntNode.valueOf(32),
            "model.num_key_value_heads", IntNode.valueOf(32)));
        StudyMemory.TooLargeException e = assertThrows(StudyMemory.TooLargeException.class,
            () -> StudyMemory.check(big, 2, 4L << 30, "big.json"));
        assertTrue(e.getMessage().startsWith("big.json: the study needs about ") && e.getMessage().contains("4.0 GiB of heap")
            && e.getMessage().matches("(?s).*ALIGNGUARD_JAVA_OPTS=-Xmx\\d+g.*"), e.getMessage());
        StudyMemory.Estimate est = StudyMemory.of(big, 2);
        assertTrue(est.parameters() > 6_000_000_000L, est.describe());
        assertTrue(est.keptBases() >= 8 * est.parameters(), "the unaligned and aligned models stay: " + est.describe());
        assertTrue(est.baseBuild() >= 20 * est.parameters(), "weights, gradients, moments and a copy: " + est.describe());
    }

    @Test
    void moreWorkersAndTheExactFisherNeedMore() throws IOException {
        ExperimentSpec tiny = StudyTest.tinySpec();
        StudyMemory.Estimate one = StudyMemory.of(tiny, 1), four = StudyMemory.of(tiny, 4);
        assertEquals(one.perTrial(), four.perTrial());
        assertTrue(four.total() > one.total());
        ExperimentSpec diagonal = tiny.withOverrides(Map.of("fisher.estimator", TextNode.valueOf("diagonal")));
        assertTrue(StudyMemory.of(diagonal, 1).perTrial() < one.perTrial(),
            "N x D doubles of per-example gradients vs 2D for the diagonal");
    }
}
