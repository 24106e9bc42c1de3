package dev.alignguard.proofs.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

import dev.alignguard.math.linalg.EigenPairs;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.linalg.SymmetricEigen;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.MaskProjector;
import dev.alignguard.math.projection.Projector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.objective.CollisionPenalties;
import dev.alignguard.training.objective.SubspaceOps;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The identities of the AlignGuard terms, on random layers, subspaces and updates.
 * Random values are Gaussian doubles from a seeded generator (QuickTheories draws the seed and shapes).
 */
class RegularizerProperties {

    static double[] gaussian(Random rnd, int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = rnd.nextGaussian();
        }
        return x;
    }

    static DMatrixRMaj randomPsd(Random rnd, int n, int rank) {
        DMatrixRMaj g = new DMatrixRMaj(n, rank);
        for (int i = 0; i < g.data.length; i++) {
            g.data[i] = rnd.nextGaussian();
        }
        DMatrixRMaj f = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransB(g, g, f);
        return f;
    }

    /** A subspace from a projector's kept eigen-directions (vectors materialised). */
    static LayerSubspace subspace(int dOut, int dIn, Projector p, double[][] basis, double[] eigenvalues) {
        double[] ones = new double[basis.length];
        Arrays.fill(ones, 1.0);
        return new LayerSubspace("layer", dOut, dIn, p, basis, eigenvalues, ones, 1.0, Double.NaN);
    }

    static double quadratic(DMatrixRMaj f, double[] x) {
        double s = 0;
        int n = x.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s += x[i] * f.get(i, j) * x[j];
            }
        }
        return s;
    }

    static Tensor tensorOf(int rows, int cols, double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) x[i];
        }
        return Tensor.parameter("dW", rows, cols, f);
    }

    static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /**
     * sum_k lambda_k <u_k, x>^2 (the implementation) equals x^T P F P x = ||F^{1/2} P x||^2 with F
     * formed densely (P the top-m eigenprojector commutes with F). Both sides are O(||F|| ||x||^2);
     * the implementation sums in double from float-rounded x, so we compare at 1e-5 relative.
     */
    @Test
    void fisherPenaltyEqualsDenseQuadraticForm() {
        Laws.qt(40).forAll(integers().between(1, 5), integers().between(1, 5), integers().between(1, 6), Gaussians.seeds())
            .checkAssert((dOut, dIn, m, seed) -> checkFisherPenaltyEqualsDenseQuadraticForm(dOut, dIn, m, seed));
    }

    private void checkFisherPenaltyEqualsDenseQuadraticForm(int dOut, int dIn, int m, long seed) {
        Random rnd = new Random(seed);
        int d = dOut * dIn;
        DMatrixRMaj f = randomPsd(rnd, d, Math.max(1, d / 2));
        EigenPairs top = SymmetricEigen.top(f, Math.min(m, d));
        LayerSubspace s = subspace(dOut, dIn, BasisProjector.fromEigenPairs(top, new SelectionRule.Rank(top.count())),
            top.vectors(), top.values());
        Tensor dw = tensorOf(dOut, dIn, gaussian(rnd, d));
        double[] x = toDouble(dw.data());
        double[] px = s.projector().apply(x);
        double dense = quadratic(f, px);
        float penalty = SubspaceOps.fisherPenalty(Graph.inference(ScalarKernels.INSTANCE), dw, s).item();
        Bounds.close(dense, penalty, 1e-5 * (Math.abs(dense) + CommonOps_DDRM.elementMaxAbs(f) * sumSq(x)) + 1e-9,
            "penalty vs the dense quadratic form");
    }

    /** The same identity for K-FAC: F = S (x) A (row-major vec), penalty through the Kronecker form. */
    @Test
    void fisherPenaltyThroughKroneckerFormEqualsDense() {
        Laws.qt(40).forAll(integers().between(1, 4), integers().between(1, 4), integers().between(1, 6), Gaussians.seeds())
            .checkAssert((dOut, dIn, m, seed) -> checkFisherPenaltyThroughKroneckerFormEqualsDense(dOut, dIn, m, seed));
    }

    private void checkFisherPenaltyThroughKroneckerFormEqualsDense(int dOut, int dIn, int m, long seed) {
        Random rnd = new Random(seed);
        DMatrixRMaj sFactor = randomPsd(rnd, dOut, dOut), aFactor = randomPsd(rnd, dIn, dIn);
        KroneckerProjector kp = KroneckerProjector.fromFactors(sFactor, aFactor, new SelectionRule.Rank(Math.min(m, dOut * dIn)));
        double[][] basis = new double[kp.rank()][];
        for (int k = 0; k < basis.length; k++) {
            basis[k] = kp.keptVector(k);
        }
        LayerSubspace s = subspace(dOut, dIn, kp, basis, kp.keptEigenvalues());
        DMatrixRMaj f = new DMatrixRMaj(dOut * dIn, dOut * dIn);
        CommonOps_DDRM.kron(sFactor, aFactor, f); // row-major vec(X) for X dOut x dIn: F = S (x) A
        Tensor dw = tensorOf(dOut, dIn, gaussian(rnd, dOut * dIn));
        double[] x = toDouble(dw.data());
        double dense = quadratic(f, kp.apply(x));
        float penalty = SubspaceOps.fisherPenalty(Graph.inference(ScalarKernels.INSTANCE), dw, s).item();
        Bounds.close(dense, penalty, 1e-5 * (Math.abs(dense) + CommonOps_DDRM.elementMaxAbs(f) * sumSq(x)) + 1e-9,
            "penalty vs the dense quadratic form");
    }

    static double sumSq(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return s;
    }

    /** A layer d_out x d_in in [1, 6]^2 with a subspace of kind 0 (basis), 1 (K-FAC), 2 (mask) or 3 (soft basis) and m in [1, 8]. */
    record Layer(int kind, int dOut, int dIn, int m) {
    }

    /** Layers with kind in [0, maxKind]. */
    static Gen<Layer> layers(int maxKind) {
        return integers().between(0, maxKind).zip(integers().between(1, 6), integers().between(1, 6), integers().between(1, 8),
            Layer::new);
    }

    /** Random subspaces of every exact kind, for the vanishing-geodesic law. */
    static LayerSubspace randomExactSubspace(Random rnd, int kind, int dOut, int dIn, int m) {
        int d = dOut * dIn;
        m = Math.max(1, Math.min(m, d));
        switch (kind) {
            case 0 -> {
                double[][] u = Orthonormalize.random(d, m, rnd);
                double[] lam = new double[m];
                Arrays.fill(lam, 1.0);
                return subspace(dOut, dIn, BasisProjector.of(d, u), u, lam);
            }
            case 1 -> {
                KroneckerProjector kp = KroneckerProjector.fromFactors(randomPsd(rnd, dOut, dOut), randomPsd(rnd, dIn, dIn),
                    new SelectionRule.Rank(m));
                double[][] basis = new double[kp.rank()][];
                for (int k = 0; k < basis.length; k++) {
                    basis[k] = kp.keptVector(k);
                }
                return subspace(dOut, dIn, kp, basis, kp.keptEigenvalues());
            }
            default -> {
                double[] diag = gaussian(rnd, d);
                for (int i = 0; i < d; i++) {
                    diag[i] = diag[i] * diag[i];
                }
                MaskProjector mp = MaskProjector.fromDiagonal(diag, new SelectionRule.Rank(m));
                double[][] basis = new double[mp.rank()][];
                int[] kept = mp.keptCoordinates();
                for (int k = 0; k < basis.length; k++) {
                    basis[k] = new double[d];
                    basis[k][kept[k]] = 1.0;
                }
                return subspace(dOut, dIn, mp, basis, mp.keptEigenvalues());
            }
        }
    }

    /**
     * For every exact projector kind, <P x, (I - P) x> = 0 for all x: the literal geodesic term is 0
     * and so is its gradient (to float rounding: |<dA, dT>| <= ~D u ||dA|| ||dT||, so the term is
     * O((D u)^2) and its gradient O(D u / ||dW||)).
     */
    @Test
    void literalGeodesicVanishesForExactProjectors() {
        Laws.qt(60).forAll(layers(2), booleans().all(), Gaussians.seeds())
            .checkAssert((l, fused, seed) -> checkLiteralGeodesicVanishesForExactProjectors(l.kind(), l.dOut(), l.dIn(), l.m(),
                fused, seed));
    }

    private void checkLiteralGeodesicVanishesForExactProjectors(int kind, int dOut, int dIn, int m, boolean fused, long seed) {
        Random rnd = new Random(seed);
        LayerSubspace s = randomExactSubspace(rnd, kind, dOut, dIn, m);
        Tensor dw = tensorOf(dOut, dIn, gaussian(rnd, dOut * dIn));
        Graph g = Graph.training(ScalarKernels.INSTANCE);
        // both ways of forming dW_A: the projector op, and the fused op the objective trains with
        Tensor dwA = fused ? SubspaceOps.split(g, dw, s, true).alignmentPart() : SubspaceOps.alignmentPart(g, dw, s);
        Tensor dwT = MatrixOps.sub(g, dw, dwA);
        Tensor term = CollisionPenalties.literalGeodesic(g, dwA, dwT, 1e-12f);
        double du = dOut * dIn * 6e-8;
        Bounds.atMost(term.item(), 100 * du * du + 1e-10, "literal geodesic term " + term.item());
        g.backward(term);
        double norm = Math.sqrt(sumSq(toDouble(dw.data())));
        for (float v : dw.grad()) {
            Bounds.atMost(Math.abs(v), 100 * du / norm + 1e-6, "gradient entry " + v);
        }
    }

    /**
     * The fused op the objective trains with ({@link SubspaceOps#split}) is the projector op
     * followed by the Fisher penalty of its output: same values and same gradient, for exact and
     * soft projections. Both compute in double from float inputs and round their outputs to float,
     * by different routes, so they agree to float rounding of the magnitudes involved.
     */
    @Test
    void fusedSplitEqualsPartThenPenalty() {
        Laws.qt(60).forAll(layers(3), Gaussians.seeds())
            .checkAssert((l, seed) -> checkFusedSplitEqualsPartThenPenalty(l.kind(), l.dOut(), l.dIn(), l.m(), seed));
    }

    private void checkFusedSplitEqualsPartThenPenalty(int kind, int dOut, int dIn, int m, long seed) {
        Random rnd = new Random(seed);
        LayerSubspace s = randomExactSubspace(rnd, Math.min(kind, 2), dOut, dIn, m);
        double[] lam = gaussian(rnd, s.rank());
        for (int k = 0; k < lam.length; k++) {
            lam[k] = lam[k] * lam[k];
        }
        s = new LayerSubspace("layer", dOut, dIn, s.projector(), s.basis(), lam, s.confidences(), 1.0, Double.NaN);
        if (kind == 3) { // soft projection: confidences in (0, 1)
            double[] c = new double[s.rank()];
            for (int k = 0; k < c.length; k++) {
                c[k] = 0.05 + 0.9 * rnd.nextDouble();
            }
            s = s.withConfidences(c);
        }
        double[] x = gaussian(rnd, dOut * dIn);
        double[] r = gaussian(rnd, dOut * dIn);   // loss = <R, dW_A> + gamma * penalty
        float gamma = (float) rnd.nextGaussian();

        Tensor dw1 = tensorOf(dOut, dIn, x);
        Graph g1 = Graph.training(ScalarKernels.INSTANCE);
        Tensor part1 = SubspaceOps.alignmentPart(g1, dw1, s);
        Tensor pen1 = SubspaceOps.fisherPenalty(g1, part1, s);
        g1.backward(MatrixOps.add(g1, MatrixOps.frobeniusDot(g1, part1, tensorOf(dOut, dIn, r)), MatrixOps.scale(g1, pen1, gamma)));

        Tensor dw2 = tensorOf(dOut, dIn, x);
        Graph g2 = Graph.training(ScalarKernels.INSTANCE);
        SubspaceOps.Split split = SubspaceOps.split(g2, dw2, s, true);
        g2.backward(MatrixOps.add(g2, MatrixOps.frobeniusDot(g2, split.alignmentPart(), tensorOf(dOut, dIn, r)),
            MatrixOps.scale(g2, split.fisherPenalty(), gamma)));

        double xNorm = Math.sqrt(sumSq(x)), lamMax = Arrays.stream(lam).max().orElse(0);
        double u = 0x1p-24 * (4 + Math.sqrt(dOut * dIn));
        for (int i = 0; i < x.length; i++) {
            Bounds.close(part1.data()[i], split.alignmentPart().data()[i], u * xNorm, "dW_A[" + i + "]");
        }
        Bounds.close(pen1.item(), split.fisherPenalty().item(), 8 * u * (Math.abs(pen1.item()) + lamMax * xNorm * xNorm),
            "fused vs separate Fisher penalty");
        double gradScale = Math.sqrt(sumSq(r)) + 2 * Math.abs(gamma) * lamMax * xNorm;
        for (int i = 0; i < x.length; i++) {
            Bounds.close(dw1.grad()[i], dw2.grad()[i], 8 * u * gradScale, "d dW[" + i + "]");
        }
    }

    /** Under soft projection (confidences < 1) the literal term is generically not zero. */
    @Test
    void literalGeodesicActsUnderSoftProjection() {
        Laws.qt(30).forAll(integers().between(2, 6), integers().between(2, 6), Gaussians.seeds())
            .checkAssert((dOut, dIn, seed) -> checkLiteralGeodesicActsUnderSoftProjection(dOut, dIn, seed));
    }

    private void checkLiteralGeodesicActsUnderSoftProjection(int dOut, int dIn, long seed) {
        Random rnd = new Random(seed);
        int d = dOut * dIn, m = Math.max(1, d / 2);
        double[][] u = Orthonormalize.random(d, m, rnd);
        double[] lam = new double[m], c = new double[m];
        for (int k = 0; k < m; k++) {
            lam[k] = 1.0 / (k + 1);
            c[k] = lam[k] / lam[0] * 0.5; // all < 1
        }
        LayerSubspace s = new LayerSubspace("layer", dOut, dIn, BasisProjector.of(d, u), u, lam, c, 1.0, Double.NaN);
        Tensor dw = tensorOf(dOut, dIn, gaussian(rnd, d));
        Graph g = Graph.inference(ScalarKernels.INSTANCE);
        Tensor dwA = SubspaceOps.alignmentPart(g, dw, s);
        Tensor dwT = MatrixOps.sub(g, dw, dwA);
        // with 0 < c < 1, <dA, dT> = sum_k c_k (1 - c_k) <u_k, x>^2 > 0
        assertTrue(CollisionPenalties.literalGeodesic(g, dwA, dwT, 1e-12f).item() > 1e-6);
    }

    /**
     * The subspace geodesic ||A^T T||^2 / (||A||^2 ||T||^2) is 0 when A and T write to orthogonal
     * output directions (columns in orthogonal subspaces of R^dOut), and positive when they share one.
     */
    @Test
    void subspaceGeodesicIsZeroExactlyForOrthogonalColumnSpaces() {
        Laws.qt(50).forAll(integers().between(2, 6), integers().between(1, 5), Gaussians.seeds())
            .checkAssert((dOut, dIn, seed) -> checkSubspaceGeodesicIsZeroExactlyForOrthogonalColumnSpaces(dOut, dIn, seed));
    }

    private void checkSubspaceGeodesicIsZeroExactlyForOrthogonalColumnSpaces(int dOut, int dIn, long seed) {
        Random rnd = new Random(seed);
        double[][] q = Orthonormalize.random(dOut, dOut, rnd); // an orthonormal basis of R^dOut
        int split = 1 + rnd.nextInt(dOut - 1);
        double[] a = new double[dOut * dIn], t = new double[dOut * dIn];
        for (int j = 0; j < dIn; j++) {
            double[] ca = gaussian(rnd, split), ct = gaussian(rnd, dOut - split);
            for (int r = 0; r < dOut; r++) {
                double va = 0, vt = 0;
                for (int k = 0; k < split; k++) {
                    va += ca[k] * q[k][r];
                }
                for (int k = split; k < dOut; k++) {
                    vt += ct[k - split] * q[k][r];
                }
                a[r * dIn + j] = va;
                t[r * dIn + j] = vt;
            }
        }
        Graph g = Graph.inference(ScalarKernels.INSTANCE);
        float orthogonal = CollisionPenalties.subspaceGeodesic(g, tensorOf(dOut, dIn, a), tensorOf(dOut, dIn, t), 1e-12f).item();
        Bounds.atMost(orthogonal, 1e-10, "orthogonal column spaces give " + orthogonal);
        // T' = T + c A with c = ||T|| / ||A||: A^T T' = c A^T A, so the ratio is
        // c^2 ||A^T A||^2 / (||A||^2 (||T||^2 + c^2 ||A||^2)) >= ||A||^4 / (min(dOut, dIn) 2 ||A||^4) >= 1 / (2 * 6)
        double c = Math.sqrt(sumSq(t) / sumSq(a));
        double[] shared = t.clone();
        for (int i = 0; i < shared.length; i++) {
            shared[i] += c * a[i];
        }
        float overlapping = CollisionPenalties.subspaceGeodesic(g, tensorOf(dOut, dIn, a), tensorOf(dOut, dIn, shared), 1e-12f).item();
        assertTrue(overlapping > 1.0 / 12 - 1e-4, "shared output directions give " + overlapping);
    }

    /** E_RM >= 0 and symmetric in its two arguments. */
    @Test
    void riemannianOverlapIsNonNegativeAndSymmetric() {
        Laws.qt(50).forAll(integers().between(1, 6), integers().between(1, 6), Gaussians.seeds())
            .checkAssert((rows, cols, seed) -> checkRiemannianOverlapIsNonNegativeAndSymmetric(rows, cols, seed));
    }

    private void checkRiemannianOverlapIsNonNegativeAndSymmetric(int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        Tensor a = tensorOf(rows, cols, gaussian(rnd, rows * cols)), t = tensorOf(rows, cols, gaussian(rnd, rows * cols));
        Graph g = Graph.inference(ScalarKernels.INSTANCE);
        float ab = CollisionPenalties.riemannianOverlap(g, a, t, 1.0, 0.01, 1e-3f).item();
        float ba = CollisionPenalties.riemannianOverlap(g, t, a, 1.0, 0.01, 1e-3f).item();
        assertTrue(ab >= 0);
        Bounds.close(ab, ba, 1e-6 * Math.abs(ab), "E_RM(a, t) vs E_RM(t, a)");
    }

    /**
     * With disjoint supports every product a_ij t_ij is 0, so E_RM is 0 up to the smoothing:
     * smoothAbs(0) = 0 exactly, so the value is exactly 0 for any smoothing width.
     */
    @Test
    void riemannianOverlapVanishesOnDisjointSupports() {
        Laws.qt(50).forAll(integers().between(1, 6), integers().between(1, 6), Gaussians.seeds())
            .checkAssert((rows, cols, seed) -> checkRiemannianOverlapVanishesOnDisjointSupports(rows, cols, seed));
    }

    private void checkRiemannianOverlapVanishesOnDisjointSupports(int rows, int cols, long seed) {
        Random rnd = new Random(seed);
        double[] a = gaussian(rnd, rows * cols), t = gaussian(rnd, rows * cols);
        for (int i = 0; i < a.length; i++) {
            if (rnd.nextBoolean()) {
                a[i] = 0;
            } else {
                t[i] = 0;
            }
        }
        for (float smoothing : new float[] {1e-1f, 1e-2f, 1e-3f}) {
            float v = CollisionPenalties.riemannianOverlap(Graph.inference(ScalarKernels.INSTANCE),
                tensorOf(rows, cols, a), tensorOf(rows, cols, t), 1.0, 0.01, smoothing).item();
            assertEquals(0f, v, 0f, "smoothing " + smoothing);
        }
    }

    /** Symbolic use of the map type so imports stay honest. */
    static Map<String, LayerSubspace> one(LayerSubspace s) {
        return Map.of(s.layer(), s);
    }
}
