package dev.alignguard.experiments.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.method.AlignGuardAdaptive;
import dev.alignguard.experiments.method.TrialContext;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.experiments.spec.MethodSpec;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.SubspaceSettings;

/**
 * The adaptive method ({@code alignguard_adaptive}): its probe set is held apart from the Fisher's
 * examples, its λA and probe NLL are logged every step and move as the controller says, and m per
 * layer follows the energy threshold.
 */
class AdaptiveStrengthTest {

    private static final Kernels K = ScalarKernels.INSTANCE;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static BaseModels base(ExperimentSpec spec) {
        BaseModelCache bases = new BaseModelCache(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        return bases.get(spec, spec.firstBaseSeed(), K);
    }

    private static TrialContext context(ExperimentSpec spec, BaseModels base, int fisherExamples) {
        WordTokenizer tok = base.data().tokenizer();
        LlamaModel model = base.aligned().copy();
        model.attachLora(spec.finetune().lora().toConfig(), 1);
        List<Sequence> alignment = base.data().alignmentSet().sequences(tok);
        SubspaceSettings s = spec.fisher().toSettings(1);
        SubspaceSettings settings = new SubspaceSettings(s.estimator(), s.rule(), s.normalisation(), fisherExamples,
            s.softProjection(), s.seed());
        return new TrialContext("ada", model, base.aligned(), base.unaligned(), K, new ArrayList<>(model.adapters().keySet()),
            List.of(), alignment, settings, 1, tok.specialId(WordTokenizer.PAD));
    }

    @Test
    void theProbeSetIsHeldApartFromTheFisherExamples() throws IOException {
        ExperimentSpec spec = StudyTest.tinySpec().withBaseSeedCount(1);
        BaseModels base = base(spec);
        int alignmentSize = base.data().alignmentSet().size();
        TrialContext context = context(spec, base, 8);
        Set<Sequence> fisher = Collections.newSetFromMap(new IdentityHashMap<>());
        fisher.addAll(context.fisherExamples());
        assertEquals(8, fisher.size());
        List<Sequence> probe = context.probeSet(100);
        assertEquals(alignmentSize - 8, probe.size(), "every alignment example the Fisher leaves out");
        for (Sequence p : probe) {
            assertFalse(fisher.contains(p), "a probe example is one of the Fisher's");
        }
        assertEquals(3, context.probeSet(3).size());
        assertEquals(context.probeSet(3), context.probeSet(3), "seeded");
        TrialContext all = context(spec, base, alignmentSize);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> all.probeSet(4)).getMessage().contains("probe set"));
    }

    @Test
    void lambdaAndProbeNllAreLoggedEveryStepAndMoveAsTheControllerSays(@TempDir Path dir) throws IOException {
        // budget so large that the NLL is always "well under": λA halves after steps 3 and 7 (every 4 of 12),
        // the second time onto the bound lambda_min = 0.3
        ExperimentSpec spec = StudyTest.tinySpec().withBaseSeedCount(1).withSeedCount(1);
        MethodSpec ada = MethodSpec.fromJson("ada", AlignGuardAdaptive.KIND, List.of(0.8),
            JSON.readTree("{\"every\": 4, \"budget\": 100, \"down\": 0.5, \"lambda_min\": 0.3, \"probe_size\": 4}"), null);
        Trial ag = Study.expand(spec).stream().filter(t -> t.method().kind().equals("alignguard")).findFirst().orElseThrow();
        Trial trial = new Trial(0, ag.spec(), ada, 0.8, ag.baseSeed(), ag.seed());
        TrialRecord r = new TrialRunner(K).run(trial, base(spec), dir).record();
        List<JsonNode> log = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(r.log()))) {
            log.add(JSON.readTree(line));
        }
        assertEquals(12, log.size());
        double[] lambdas = log.stream().mapToDouble(n -> n.get("lambda_a").asDouble()).toArray();
        double[] expected = {0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.4, 0.3, 0.3, 0.3, 0.3};
        assertArrayEquals(expected, lambdas, 1e-12, "λA used at each step (0.2 clamped to 0.3)");
        double start = log.get(0).get("probe_nll_start").asDouble();
        assertTrue(Double.isFinite(start) && start > 0, "probe NLL at the start " + start);
        assertEquals(start, log.get(0).get("probe_nll").asDouble(), 0.0, "nothing measured before step 3");
        assertTrue(log.get(4).get("probe_nll").asDouble() != start, "measured again after step 3");
        assertEquals(0.3, r.lastStep().get("lambda_a"), 1e-12, "in the trial record's last step");
        assertTrue(r.lastStep().get("m_total") >= 1, "m per layer kept at least one direction");
    }

    @Test
    void theAdaptiveTrialIsTheSameOnOneThreadAndOnThree(@TempDir Path dir) throws IOException {
        ExperimentSpec spec = StudyTest.tinySpec().withBaseSeedCount(1).withSeedCount(1);
        MethodSpec ada = MethodSpec.fromJson("ada", AlignGuardAdaptive.KIND, List.of(1.0),
            JSON.readTree("{\"every\": 3, \"budget\": 0.0, \"probe_size\": 6, \"energy\": 0.8}"), null);
        Trial ag = Study.expand(spec).stream().filter(t -> t.method().kind().equals("alignguard")).findFirst().orElseThrow();
        Trial trial = new Trial(0, ag.spec(), ada, 1.0, ag.baseSeed(), ag.seed());
        BaseModels base = base(spec);
        List<List<String>> logs = new ArrayList<>();
        for (int threads : new int[] {1, 3}) {
            Kernels k = new dev.alignguard.math.kernels.VectorKernels(threads);
            Path out = dir.resolve("t" + threads);
            TrialRecord r = new TrialRunner(k).run(trial, base, out).record();
            List<String> lines = new ArrayList<>();
            for (String line : Files.readAllLines(out.resolve(r.log()))) {
                JsonNode n = JSON.readTree(line);
                lines.add(n.get("lambda_a").asText() + " " + n.get("probe_nll").asText() + " " + n.get("task").asText()
                    + " " + n.get("m_total").asText());
            }
            logs.add(lines);
        }
        assertEquals(logs.get(0), logs.get(1), "λA, probe NLL, task loss and m at every step, 1 vs 3 threads");
    }

    @Test
    void theEnergyThresholdChoosesMPerLayer() {
        int dim = 6;
        double[][] u = Orthonormalize.random(dim, 4, new java.util.Random(3));
        // eigenvalues 4, 2, 1, 1 are all of the trace 8 (captured 1): 75% needs 4 + 2, 50% needs 4, 100% all four
        LayerSubspace s = new LayerSubspace("l", 2, 3, BasisProjector.of(dim, u), u, new double[] {4, 2, 1, 1},
            new double[] {1, 1, 1, 1}, 1.0, 1.0);
        assertEquals(2, AlignGuardAdaptive.byEnergy(Map.of("l", s), 0.75).get("l").rank());
        assertEquals(1, AlignGuardAdaptive.byEnergy(Map.of("l", s), 0.5).get("l").rank());
        assertEquals(4, AlignGuardAdaptive.byEnergy(Map.of("l", s), 1.0).get("l").rank());
        LayerSubspace two = AlignGuardAdaptive.byEnergy(Map.of("l", s), 0.75).get("l");
        assertArrayEquals(u[1], two.basis()[1], 0.0);
        assertEquals(0.75, two.capturedEnergy(), 1e-12);
        double[] x = {1, 2, 3, 4, 5, 6};
        double[] p = two.alignmentPart(x);
        double c0 = 0, c1 = 0;
        for (int i = 0; i < dim; i++) {
            c0 += u[0][i] * x[i];
            c1 += u[1][i] * x[i];
        }
        for (int i = 0; i < dim; i++) {
            assertEquals(c0 * u[0][i] + c1 * u[1][i], p[i], 1e-12, "the truncated projector keeps the first two directions");
        }
        // half the trace outside the estimate (captured 0.5): 75% of 16 is more than all kept, so all stay
        LayerSubspace half = new LayerSubspace("l", 2, 3, BasisProjector.of(dim, u), u, new double[] {4, 2, 1, 1},
            new double[] {1, 1, 1, 1}, 1.0, 0.5);
        assertEquals(4, AlignGuardAdaptive.byEnergy(Map.of("l", half), 0.75).get("l").rank());
    }
}
