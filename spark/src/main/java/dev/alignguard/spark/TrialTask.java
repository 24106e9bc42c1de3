package dev.alignguard.spark;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonProcessingException;

import dev.alignguard.experiments.pipeline.Trial;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;

/**
 * A {@link Trial} in the form Spark ships to an executor: the effective spec (the study's spec with
 * the method's overrides applied) and the method as JSON text, plus the strength, seed and index.
 * JSON rather than Java serialisation of the records keeps the wire format independent of the
 * record classes (and of Jackson's relocation in the cluster jar); the round trip is exact (doubles
 * are written in their shortest round-tripping form, NaN as the string "NaN").
 *
 * <p>The method's name, kind and the trial's label travel as plain fields too, so a trial whose
 * spec cannot even be decoded on the executor is still reported under its own name.
 */
public record TrialTask(int index, String specJson, String methodJson, String methodName, String kind,
                        double strength, long baseSeed, long seed, String label, String id)
    implements
        Serializable {

    @Serial
    private static final long serialVersionUID = 2L;

    public static TrialTask of(Trial trial) {
        try {
            return new TrialTask(trial.index(), ExperimentSpec.JSON.writeValueAsString(trial.spec()),
                ExperimentSpec.JSON.writeValueAsString(trial.method()), trial.method().name(), trial.method().kind(),
                trial.strength(), trial.baseSeed(), trial.seed(), trial.label(), trial.id());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("could not encode trial " + trial.label() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** The trial back, on the executor. */
    public Trial toTrial() {
        try {
            ExperimentSpec spec = ExperimentSpec.JSON.readValue(specJson, ExperimentSpec.class);
            MethodSpec method = ExperimentSpec.JSON.readValue(methodJson, MethodSpec.class);
            return new Trial(index, spec, method, strength, baseSeed, seed);
        } catch (IOException e) {
            throw new UncheckedIOException("could not decode trial " + label + ": " + e.getMessage(), e);
        }
    }
}
