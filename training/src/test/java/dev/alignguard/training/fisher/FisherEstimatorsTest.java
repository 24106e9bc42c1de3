package dev.alignguard.training.fisher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.linalg.Lanczos;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.projection.MaskProjector;
import dev.alignguard.math.projection.ProjectorKind;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.SubspaceSettings.Estimator;
import dev.alignguard.training.fisher.SubspaceSettings.Normalisation;

class FisherEstimatorsTest {

    private static SubspaceSettings settings(Estimator e, SelectionRule rule, Normalisation n, boolean soft) {
        return new SubspaceSettings(e, rule, n, 6, soft, 11);
    }

    @Test
    void factoryNamesEveryKind() {
        assertEquals("exact", FisherEstimators.of(Estimator.EXACT).name());
        assertEquals("lanczos", FisherEstimators.of(Estimator.LANCZOS).name());
        assertEquals("kfac", FisherEstimators.of(Estimator.KFAC).name());
        assertEquals("diagonal", FisherEstimators.of(Estimator.DIAGONAL).name());
    }

    @Test
    void everyEstimatorRunsEndToEndOnATinyModel() {
        LlamaModel m = TinyWorld.model(21);
        List<Sequence> data = TinyWorld.sequences(10, 22);
        List<String> layers = List.of(TinyWorld.Q, TinyWorld.V, TinyWorld.DOWN);
        for (Estimator e : Estimator.values()) {
            SubspaceSettings s = settings(e, SelectionRule.rank(4), Normalisation.MAX_EIGENVALUE, false);
            Map<String, LayerSubspace> subs = FisherEstimators.of(e).estimate(m, ScalarKernels.INSTANCE, layers, data, s);
            assertEquals(layers, List.copyOf(subs.keySet()));
            double top = 0;
            for (LayerSubspace sub : subs.values()) {
                assertEquals(4, sub.rank(), e + " " + sub.layer());
                assertTrue(Orthonormalize.deviation(sub.basis()) < 1e-9, e + " basis orthonormal");
                assertTrue(sub.exact());
                assertTrue(sub.capturedEnergy() > 0 && sub.capturedEnergy() <= 1 + 1e-12, e + " captured " + sub.capturedEnergy());
                for (int k = 0; k < sub.rank(); k++) {   // the projector and the basis describe the same subspace
                    assertArrayEquals(sub.basis()[k], sub.projector().apply(sub.basis()[k]), 1e-9);
                }
                top = Math.max(top, sub.eigenvalues()[0]);
                assertEquals(subs.values().iterator().next().rawScale(), sub.rawScale());
            }
            assertEquals(1.0, top, 1e-15, e + ": max-eigenvalue normalisation puts the top direction at 1");
        }
    }

    @Test
    void normalisationsAndSoftConfidences() {
        double[][] g1 = TinyWorld.randomGradients(5, 12, 1);
        double[][] g2 = TinyWorld.randomGradients(5, 12, 2);
        for (double[] row : g2) {
            for (int k = 0; k < row.length; k++) {
                row[k] *= 3;
            }
        }
        List<LayerEstimate> raw = List.of(ExactGramEstimator.layer("a", 3, 4, g1, SelectionRule.rank(3)),
            ExactGramEstimator.layer("b", 3, 4, g2, SelectionRule.rank(3)));
        double max = Math.max(raw.get(0).top(), raw.get(1).top());
        double traces = raw.get(0).trace() + raw.get(1).trace();
        Map<String, LayerSubspace> byMax = FisherEstimators.finish(raw, Normalisation.MAX_EIGENVALUE, false);
        Map<String, LayerSubspace> byTrace = FisherEstimators.finish(raw, Normalisation.TRACE, true);
        Map<String, LayerSubspace> none = FisherEstimators.finish(raw, Normalisation.NONE, false);
        assertEquals(max, byMax.get("a").rawScale());
        assertEquals(traces, byTrace.get("b").rawScale());
        assertEquals(1.0, none.get("a").rawScale());
        for (int i = 0; i < 2; i++) {
            LayerEstimate e = raw.get(i);
            String name = e.layer();
            for (int k = 0; k < e.rank(); k++) {
                assertEquals(e.eigenvalues()[k] / max, byMax.get(name).eigenvalues()[k], 1e-15);
                assertEquals(e.eigenvalues()[k] / traces, byTrace.get(name).eigenvalues()[k], 1e-15);
                assertEquals(e.eigenvalues()[k], none.get(name).eigenvalues()[k]);
                assertEquals(e.eigenvalues()[k] / e.eigenvalues()[0], byTrace.get(name).confidences()[k], 1e-15);
                assertEquals(1.0, byMax.get(name).confidences()[k]);
            }
            assertFalse(byTrace.get(name).exact());
            assertEquals(1.0, byTrace.get(name).confidences()[0]);
        }
        // the kept shares of the trace sum to at most 1 under TRACE
        double share = byTrace.values().stream().flatMapToDouble(s -> java.util.Arrays.stream(s.eigenvalues())).sum();
        assertTrue(share > 0 && share <= 1);
    }

    @Test
    void allZeroFisherKeepsNothingAndScaleOne() {
        double[][] g = new double[4][6];
        for (Estimator e : List.of(Estimator.EXACT, Estimator.LANCZOS)) {
            LayerEstimate est = e == Estimator.EXACT ? ExactGramEstimator.layer("z", 2, 3, g, SelectionRule.rank(2))
                : LanczosEstimator.layer("z", 2, 3, g, SelectionRule.energy(0.9), Lanczos.Options.defaults());
            assertEquals(0, est.rank());
            LayerSubspace s = FisherEstimators.finish(List.of(est), Normalisation.MAX_EIGENVALUE, true).get("z");
            assertEquals(1.0, s.rawScale());
            assertEquals(0, s.rank());
        }
        assertEquals(0, DiagonalEstimator.layer("z", 2, 3, new double[6], SelectionRule.rank(3)).rank());
    }

    @Test
    void lanczosEnergyRuleMatchesExact() {
        double[][] g = TinyWorld.randomGradients(40, 30, 9);
        for (double fraction : new double[] {0.3, 0.8, 0.99, 1.0}) {
            LayerEstimate exact = ExactGramEstimator.layer("l", 5, 6, g, SelectionRule.energy(fraction));
            LayerEstimate lan = LanczosEstimator.layer("l", 5, 6, g, SelectionRule.energy(fraction), Lanczos.Options.defaults());
            assertEquals(exact.rank(), lan.rank(), "fraction " + fraction);
            assertArrayEquals(exact.eigenvalues(), lan.eigenvalues(), 1e-9 * exact.top());
            assertEquals(exact.trace(), lan.trace(), 1e-12 * exact.trace());
        }
    }

    @Test
    void exactEnergyRuleKeepsTheFewestDirectionsReachingTheFraction() {
        double[][] g = TinyWorld.randomGradients(12, 20, 4);
        org.ejml.data.DMatrixRMaj f = new org.ejml.data.DMatrixRMaj(20, 20);
        for (double[] gi : g) {
            for (int r = 0; r < 20; r++) {
                for (int c = 0; c < 20; c++) {
                    f.data[r * 20 + c] += gi[r] * gi[c] / g.length;
                }
            }
        }
        var dense = dev.alignguard.math.linalg.SymmetricEigen.all(f);
        for (double fraction : new double[] {0.1, 0.5, 0.9, 0.999}) {
            int expected = 0;
            double sum = 0;
            while (sum < fraction * dense.trace()) {
                sum += dense.value(expected++);
            }
            LayerEstimate e = ExactGramEstimator.layer("l", 4, 5, g, SelectionRule.energy(fraction));
            assertEquals(expected, e.rank(), "fraction " + fraction);
            assertTrue(e.capturedEnergy() >= fraction - 1e-12);
            assertEquals(dense.trace(), e.trace(), 1e-12 * dense.trace());
        }
    }

    @Test
    void diagonalKeepsTheLargestEntries() {
        double[] f = {0.5, 3, 0, 2, 3, 1};
        LayerEstimate e = DiagonalEstimator.layer("d", 2, 3, f, SelectionRule.rank(3));
        assertEquals(ProjectorKind.MASK, e.projector().kind());
        assertArrayEquals(new int[] {1, 4, 3}, ((MaskProjector) e.projector()).keptCoordinates());   // ties: lower index first
        assertArrayEquals(new double[] {3, 3, 2}, e.eigenvalues());
        assertEquals(9.5, e.trace());
        assertEquals(1.0, e.basis()[0][1]);
        // zero entries are never kept, even if the rule asks for everything
        assertEquals(5, DiagonalEstimator.layer("d", 2, 3, f, SelectionRule.rank(6)).rank());
        assertEquals(2, DiagonalEstimator.layer("d", 2, 3, f, SelectionRule.energy(0.6)).rank());
    }

    @Test
    void randomControlKeepsSpectrumAndDrawsAnOrthonormalBasis() {
        LlamaModel m = TinyWorld.model(31);
        List<Sequence> data = TinyWorld.sequences(8, 32);
        SubspaceSettings s = settings(Estimator.EXACT, SelectionRule.rank(3), Normalisation.TRACE, true);
        Map<String, LayerSubspace> subs = FisherEstimators.of(s).estimate(m, ScalarKernels.INSTANCE,
            List.of(TinyWorld.Q, TinyWorld.V), data, s);
        Map<String, LayerSubspace> ctl = FisherEstimators.randomControl(subs, 5);
        Map<String, LayerSubspace> again = FisherEstimators.randomControl(subs, 5);
        Map<String, LayerSubspace> other = FisherEstimators.randomControl(subs, 6);
        for (String layer : subs.keySet()) {
            LayerSubspace a = subs.get(layer), c = ctl.get(layer);
            assertEquals(a.rank(), c.rank());
            assertArrayEquals(a.eigenvalues(), c.eigenvalues());
            assertArrayEquals(a.confidences(), c.confidences());
            assertEquals(a.rawScale(), c.rawScale());
            assertTrue(Orthonormalize.deviation(c.basis()) < 1e-12);
            assertTrue(java.util.Arrays.deepEquals(c.basis(), again.get(layer).basis()), "seeded");
            assertFalse(java.util.Arrays.deepEquals(c.basis(), other.get(layer).basis()));
            assertNotEquals(a.basis()[0][0], c.basis()[0][0]);
            assertEquals(c.rank(), c.projector().rank());
        }
    }

    @Test
    void exampleSampleIsSeededOrderedAndComplete() {
        List<Integer> data = IntStream.range(0, 50).boxed().toList();
        List<Integer> s1 = FisherEstimators.sample(data, 10, 3);
        assertEquals(s1, FisherEstimators.sample(data, 10, 3));
        assertNotEquals(s1, FisherEstimators.sample(data, 10, 4));
        assertEquals(10, s1.size());
        assertEquals(10, s1.stream().distinct().count());
        for (int i = 1; i < s1.size(); i++) {
            assertTrue(s1.get(i - 1) < s1.get(i), "data order kept");
        }
        assertEquals(data, FisherEstimators.sample(data, 50, 3));
        assertEquals(data, FisherEstimators.sample(data, 80, 3));
    }

    @Test
    void summaryNamesTheRawScale() {
        double[][] g = TinyWorld.randomGradients(3, 4, 1);
        var subs = FisherEstimators.finish(List.of(ExactGramEstimator.layer("x", 2, 2, g, SelectionRule.rank(1))),
            Normalisation.MAX_EIGENVALUE, false);
        String line = FisherEstimators.summary("exact", 3, Normalisation.MAX_EIGENVALUE, subs);
        assertTrue(line.contains("raw scale") && line.contains("max_eigenvalue") && line.contains("x: rank 1"), line);
    }
}
