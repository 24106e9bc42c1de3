package dev.alignguard.experiments.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code sequence} block of a continual study: defaults, and every refusal naming the field and what is allowed. */
class SequenceSpecTest {

    /** The tiny spec as a valid 3-task sequence, then edited. */
    private static ExperimentSpec sequential(Consumer<ObjectNode> edit) throws IOException {
        return SpecCheckTest.tinyWith(t -> {
            ((ObjectNode) t.get("world")).put("task_verbs", 6);
            t.putArray("analyses");
            t.putObject("sequence").put("tasks", 3).put("adapter", "merge").put("fisher", "fixed");
            edit.accept(t);
        });
    }

    private static List<SpecCheck.Problem> problems(Consumer<ObjectNode> edit) throws IOException {
        return SpecCheck.problems(sequential(edit));
    }

    @Test
    void aValidSequenceHasNoProblemAndMissingFieldsTakeTheirDefaults() throws IOException {
        assertEquals(List.of(), problems(t -> {
        }));
        ExperimentSpec s = sequential(t -> t.putObject("sequence"));
        assertEquals(new SequenceSpec(3, SequenceSpec.Adapter.MERGE, SequenceSpec.FisherMode.FIXED), s.sequence());
    }

    @Test
    void anUnknownAdapterOrFisherModeIsRefusedNamingTheField() {
        IOException adapter = assertThrows(IOException.class,
            () -> sequential(t -> ((ObjectNode) t.get("sequence")).put("adapter", "fork")));
        assertTrue(adapter.getMessage().contains("sequence.adapter must be merge or continue, got 'fork'"), adapter.getMessage());
        IOException fisher = assertThrows(IOException.class,
            () -> sequential(t -> ((ObjectNode) t.get("sequence")).put("fisher", "sometimes")));
        assertTrue(fisher.getMessage().contains("sequence.fisher must be fixed or reestimate, got 'sometimes'"), fisher.getMessage());
        IOException one = assertThrows(IOException.class, () -> sequential(t -> ((ObjectNode) t.get("sequence")).put("tasks", 1)));
        assertTrue(one.getMessage().contains("sequence.tasks must be in [2, 8]"), one.getMessage());
        IOException unknown = assertThrows(IOException.class, () -> sequential(t -> ((ObjectNode) t.get("sequence")).put("order", 1)));
        assertTrue(unknown.getMessage().contains("order"), unknown.getMessage());
    }

    @Test
    void tasksMustDivideTheTaskVerbs() throws IOException {
        List<SpecCheck.Problem> ps = problems(t -> ((ObjectNode) t.get("sequence")).put("tasks", 4));
        assertEquals(1, ps.size(), ps.toString());
        assertEquals("sequence.tasks", ps.getFirst().field());
        assertTrue(ps.getFirst().allowed().contains("must divide world.task_verbs (6)"), ps.toString());
    }

    @Test
    void whatASequenceDoesNotCombineWithIsRefused() throws IOException {
        List<SpecCheck.Problem> matched = problems(t -> t.putObject("matched"));
        assertEquals(List.of("matched"), matched.stream().map(SpecCheck.Problem::field).toList());
        List<SpecCheck.Problem> reproject = problems(t -> ((ObjectNode) t.get("fisher")).put("reproject_every", 5));
        assertEquals(List.of("fisher.reproject_every"), reproject.stream().map(SpecCheck.Problem::field).toList());
        assertTrue(reproject.getFirst().allowed().contains("sequence.fisher"), reproject.toString());
        List<SpecCheck.Problem> analyses = problems(t -> t.putArray("analyses").add("subspace_stability"));
        assertEquals(List.of("analyses"), analyses.stream().map(SpecCheck.Problem::field).toList());
        List<SpecCheck.Problem> overridden = problems(t -> ((ObjectNode) t.withArray("methods").get(0)).putObject("overrides")
            .put("sequence.tasks", 2));
        assertEquals(List.of("methods[0].overrides"), overridden.stream().map(SpecCheck.Problem::field).toList());
    }

    /**
     * A method's overrides serialise sorted by path, whatever order the file lists them in, so the spec's
     * JSON (a run's identity, its trials' keys) is the same in every JVM: with {@code Map.copyOf}'s
     * per-JVM salted order the continual preset's two-override method did not resume in another JVM.
     */
    @Test
    void overridesSerialiseSortedSoARunResumesInAnyJvm() throws IOException {
        List<String> paths = List.of("sequence.fisher", "sequence.adapter", "fisher.m", "finetune.data_size", "fisher.examples",
            "finetune.replay_fraction");
        ExperimentSpec s = sequential(t -> {
            ObjectNode o = ((ObjectNode) t.withArray("methods").get(0)).putObject("overrides");
            o.put(paths.get(0), "reestimate").put(paths.get(1), "continue").put(paths.get(2), 4).put(paths.get(3), 8)
                .put(paths.get(4), 8).put(paths.get(5), 0.1);
        });
        List<String> written = new java.util.ArrayList<>();
        s.toJson().get("methods").get(0).get("overrides").fieldNames().forEachRemaining(written::add);
        assertEquals(paths.stream().sorted().toList(), written);
    }

    @Test
    void aMethodMayOverrideTheModesButNotIntoNonsense() throws IOException {
        assertEquals(List.of(), problems(t -> ((ObjectNode) t.withArray("methods").get(0)).putObject("overrides")
            .put("sequence.adapter", "continue").put("sequence.fisher", "reestimate")));
        List<SpecCheck.Problem> bad = problems(t -> ((ObjectNode) t.withArray("methods").get(0)).putObject("overrides")
            .put("sequence.adapter", "fork"));
        assertEquals(1, bad.size(), bad.toString());
        assertTrue(bad.getFirst().allowed().contains("sequence.adapter must be merge or continue, got 'fork'"), bad.toString());
    }
}
