package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.node.IntNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.method.SubspaceView;
import dev.alignguard.experiments.method.TrialContext;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.FisherEstimators;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;

/**
 * Re-projection ({@code fisher.reproject_every = K}): the alignment subspaces are re-estimated after
 * steps K-1, 2K-1, ... of fine-tuning, and from the merged model (W + s B A), not from the aligned one.
 */
class ReprojectionTest {

    private static final Kernels K = ScalarKernels.INSTANCE;

    @Test
    void theSubspacesAreReestimatedAtTheRightSteps(@TempDir Path dir) throws IOException {
        ExperimentSpec spec = StudyTest.tinySpec().withBaseSeedCount(1).withSeedCount(1)
            .withOverrides(Map.of("fisher.reproject_every", IntNode.valueOf(4)));
        Trial ag = Study.expand(spec).stream().filter(t -> t.method().kind().equals("alignguard")).findFirst().orElseThrow();
        Trial lora = Study.expand(spec).stream().filter(t -> t.method().kind().equals("lora")).findFirst().orElseThrow();
        BaseModelCache bases = new BaseModelCache(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        BaseModels base = bases.get(ag.spec(), ag.baseSeed(), K);
        TrialRunner runner = new TrialRunner(K);
        assertEquals(List.of(3, 7, 11), runner.run(ag, base, dir).record().reprojections(), "12 steps, every 4");
        assertEquals(List.of(), runner.run(lora, base, dir).record().reprojections(), "LoRA tracks no subspace");
    }

    @Test
    void aReprojectionEstimatesAtTheMergedModel() throws IOException {
        ExperimentSpec spec = StudyTest.tinySpec().withBaseSeedCount(1);
        BaseModelCache bases = new BaseModelCache(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        BaseModels base = bases.get(spec, spec.firstBaseSeed(), K);
        WordTokenizer tok = base.data().tokenizer();
        int pad = tok.specialId(WordTokenizer.PAD);
        LlamaModel model = base.aligned().copy();
        model.attachLora(spec.finetune().lora().toConfig(), 1);
        List<String> layers = new ArrayList<>(model.adapters().keySet());
        List<Sequence> alignment = base.data().alignmentSet().sequences(tok);
        SubspaceSettings settings = spec.fisher().toSettings(1);
        TrialContext context = new TrialContext("ag", model, base.aligned(), base.unaligned(), K, layers, List.of(),
            alignment, settings, 1, pad);
        Map<String, LayerSubspace> atStart = context.trackAlignmentSubspaces(SubspaceView.FISHER).get();

        Random r = new Random(5);                       // "training": B moves away from zero
        for (LoraAdapter a : model.adapters().values()) {
            float[] b = a.b().data();
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) (0.5 * r.nextGaussian());
            }
        }
        context.reproject(3);
        Map<String, LayerSubspace> after = context.subspaces();

        model.mergeAdapters(K);                         // the same weights with s B A folded into W, no adapter
        LlamaModel merged = model.copy();
        model.unmergeAdapters(K);
        Map<String, LayerSubspace> expected = FisherEstimators.of(settings).estimate(merged, K, layers, alignment, settings);
        for (String layer : layers) {
            assertArrayEquals(expected.get(layer).eigenvalues(), after.get(layer).eigenvalues(), 1e-9 * Math.abs(
                expected.get(layer).eigenvalues()[0]), layer + ": eigenvalues of the Fisher at W + s B A");
            assertFalse(java.util.Arrays.equals(atStart.get(layer).eigenvalues(), after.get(layer).eigenvalues()),
                layer + ": the estimate moved with the model");
        }
        assertNotEquals(atStart, after);
    }
}
