package dev.alignguard.proofs.training;

import static dev.alignguard.proofs.training.RegularizerProperties.gaussian;
import static dev.alignguard.proofs.training.RegularizerProperties.layers;
import static dev.alignguard.proofs.training.RegularizerProperties.randomExactSubspace;
import static dev.alignguard.proofs.training.RegularizerProperties.tensorOf;
import static org.quicktheories.generators.SourceDSL.booleans;

import java.util.Arrays;
import java.util.Random;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ScalarKernels;
import dev.alignguard.math.kernels.opencl.OpenClKernels;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.MatrixOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.proofs.harness.LawTags;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import dev.alignguard.proofs.kernels.OpenClKernelsLawsTest;
import dev.alignguard.training.fisher.LayerSubspace;
import dev.alignguard.training.fisher.ResidentBases;
import dev.alignguard.training.objective.SubspaceOps;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The regularizers' subspace op ({@link SubspaceOps#split}: dW_A and the Fisher penalty, forward
 * and backward) on the OpenCL backend, where its basis products run on the device in double,
 * agrees with the scalar reference within bounds derived from the backend laws: the coordinates
 * {@code a_k = <u_k, x>} may differ by {@code da_k <= 2 gamma_53(D) sum_i |u_ki x_i|} (a double dot
 * product in another order), combinations are bit-identical, so each double output moves by at
 * most {@code sum_k |u_ki| c_k da_k}, and the float it is rounded to by that plus one ulp. Never
 * skipped: without an OpenCL device it fails with the reason.
 */
@Tag(LawTags.OPENCL)
class OpenClSubspaceOpsLawsTest {

    private static OpenClKernels cl;

    private static synchronized Kernels cl() {
        if (cl == null) {
            cl = OpenClKernelsLawsTest.onDeviceOnly(new OpenClKernels());
        }
        return cl;
    }

    @AfterAll
    static synchronized void close() {
        if (cl != null) {
            cl.close();
            cl = null;
        }
    }

    /** For exact and soft subspaces of every kind: dW_A, the penalty and d(vec dW) agree within the derived bounds. */
    @Test
    void splitOnOpenClAgreesWithTheScalarReference() {
        Laws.qt(40).forAll(layers(2), booleans().all(), Gaussians.seeds())
            .checkAssert((l, soft, seed) -> check(l.kind(), l.dOut(), l.dIn(), l.m(), soft, seed));
    }

    private void check(int kind, int dOut, int dIn, int m, boolean soft, long seed) {
        Random rnd = new Random(seed);
        LayerSubspace s = randomExactSubspace(rnd, kind, dOut, dIn, m);
        if (soft) {
            double[] c = new double[s.rank()];
            for (int k = 0; k < c.length; k++) {
                c[k] = 0.05 + 0.9 * rnd.nextDouble();
            }
            s = s.withConfidences(c);
        }
        double[] x = gaussian(rnd, dOut * dIn);
        double[] r = gaussian(rnd, dOut * dIn);
        Result ref = run(ScalarKernels.INSTANCE, s, dOut, dIn, x, r);
        Result fast = run(cl(), s, dOut, dIn, x, r);
        try (ResidentBases resident = new ResidentBases()) { // the basis uploaded once: the same bits
            for (int step = 0; step < 2; step++) {
                Result kept = run(cl(), s, dOut, dIn, x, r, resident);
                if (!Arrays.equals(fast.part, kept.part) || Float.floatToIntBits(fast.penalty) != Float.floatToIntBits(kept.penalty)
                    || !Arrays.equals(fast.grad, kept.grad)) {
                    throw new AssertionError("split with a resident basis differs from the plain split on OpenCL (step "
                        + step + ", kind " + kind + ", " + dOut + " x " + dIn + ", m " + m + ")");
                }
            }
            if (resident.size() != 1) {
                throw new AssertionError("one subspace, " + resident.size() + " resident bases");
            }
        }

        int d = dOut * dIn;
        double[][] u = s.basis();
        double[] conf = s.confidences();
        double[] lambda = s.eigenvalues();
        float[] xf = tensorOf(dOut, dIn, x).data();
        float[] rf = tensorOf(dOut, dIn, r).data();
        double[] da = new double[u.length];   // bound on the coordinates' difference, forward (x) and backward (r)
        double[] dg = new double[u.length];
        double[] a = new double[u.length];
        for (int k = 0; k < u.length; k++) {
            double absX = 0, absR = 0;
            for (int i = 0; i < d; i++) {
                absX += Math.abs(u[k][i] * xf[i]);
                absR += Math.abs(u[k][i] * rf[i]);
                a[k] += u[k][i] * xf[i];
            }
            da[k] = 2 * gamma53(d) * absX;
            dg[k] = 2 * gamma53(d) * absR;
        }
        double penaltyBound = 0;
        for (int k = 0; k < u.length; k++) {
            double ca = conf[k] * (Math.abs(a[k]) + da[k]);
            penaltyBound += lambda[k] * 2 * ca * conf[k] * da[k] + lambda[k] * conf[k] * conf[k] * da[k] * da[k];
        }
        close(ref.penalty, fast.penalty, penaltyBound, "penalty");
        for (int i = 0; i < d; i++) {
            double partBound = 0;
            double gradBound = 0;
            for (int k = 0; k < u.length; k++) {
                partBound += Math.abs(u[k][i]) * conf[k] * da[k];
                gradBound += Math.abs(u[k][i]) * conf[k] * (dg[k] + 2 * lambda[k] * conf[k] * da[k]);
            }
            close(ref.part[i], fast.part[i], partBound, "dW_A[" + i + "]");
            close(ref.grad[i], fast.grad[i], gradBound, "d(vec dW)[" + i + "]");
        }
    }

    /** The split's outputs and the gradient of {@code <dW_A, R> + penalty} with respect to dW. */
    private static Result run(Kernels kernels, LayerSubspace s, int dOut, int dIn, double[] x, double[] r) {
        return run(kernels, s, dOut, dIn, x, r, null);
    }

    /** As above; with {@code resident} non-null, through the basis resident on {@code kernels}. */
    private static Result run(Kernels kernels, LayerSubspace s, int dOut, int dIn, double[] x, double[] r,
                              ResidentBases resident) {
        Graph g = Graph.training(kernels);
        Tensor dw = tensorOf(dOut, dIn, x);
        SubspaceOps.Split split = resident == null ? SubspaceOps.split(g, dw, s, true)
            : SubspaceOps.split(g, dw, s, resident.of(kernels, s), true);
        Tensor loss = MatrixOps.add(g, MatrixOps.frobeniusDot(g, split.alignmentPart(), tensorOf(dOut, dIn, r)),
            split.fisherPenalty());
        g.backward(loss);
        return new Result(split.alignmentPart().data().clone(), split.fisherPenalty().data()[0], dw.grad().clone());
    }

    private record Result(float[] part, float penalty, float[] grad) {
    }

    /** |ref - fast| <= bound + one float ulp of the larger (each side rounds its double once). */
    private static void close(float ref, float fast, double bound, String what) {
        double limit = bound + Math.ulp(Math.max(Math.abs(ref), Math.abs(fast)));
        if (!(Math.abs((double) ref - fast) <= limit)) {
            throw new AssertionError(what + ": reference " + ref + ", OpenCL " + fast + ", differ by "
                + Math.abs((double) ref - fast) + " > " + limit);
        }
    }

    private static double gamma53(int n) {
        double nu = n * 0x1p-53;
        return nu / (1 - nu);
    }
}
