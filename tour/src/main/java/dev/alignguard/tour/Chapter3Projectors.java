package dev.alignguard.tour;

import static dev.alignguard.tour.Check.fmt;

import java.io.PrintStream;
import java.util.Random;

import org.ejml.data.DMatrixRMaj;

import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.projection.BasisProjector;
import dev.alignguard.math.projection.KroneckerProjector;
import dev.alignguard.math.projection.MaskProjector;
import dev.alignguard.math.projection.Projector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.training.objective.CollisionPenalties;

/**
 * Chapter 3: projectors on vec(dW). {@code P = U U^T} (U: D x m, orthonormal columns) splits an update
 * into {@code dW_A = unvec(P vec dW)} and {@code dW_T = unvec((I - P) vec dW)}; the Kronecker (K-FAC)
 * and mask forms are projectors too; and for any exact projector the literal geodesic term is zero.
 */
public final class Chapter3Projectors {

    /** Layer shape of the chapter: dW is 6 x 5, so D = 30. */
    private static final int D_OUT = 6, D_IN = 5, D = D_OUT * D_IN;

    private Chapter3Projectors() {
    }

    public static void main(String[] args) {
        System.exit(Tour.runChapter(Tour.CHAPTERS.get(2), System.out) ? 0 : 1);
    }

    public static void run(PrintStream out) {
        Check check = new Check(out);
        Random rnd = new Random(3);
        out.println("""
            vec(dW) stacks the rows of dW (d_out x d_in) into one vector of length D = d_out d_in (here 6 x 5 = 30).
            An orthogonal projector P satisfies P P = P (idempotent) and P^T = P (symmetric); then I - P is one too,
            and every x splits as x = P x + (I - P) x with <P x, (I - P) x> = 0.
            """);

        // 1. Basis form: P = U U^T from m = 4 orthonormal columns U (D x m).
        double[][] columns = new double[4][D];                          // 4 random vectors, orthonormalised
        for (double[] c : columns) {
            fillGaussian(rnd, c);
        }
        BasisProjector basis = BasisProjector.orthonormalising(D, columns);
        out.println("P = U U^T, U: 30 x 4 with orthonormal columns (e.g. the top Fisher eigenvectors of chapter 2)");
        laws(check, "basis", basis, rnd);

        // 2. Kronecker (K-FAC) form: F ~ S (x) A with S = E[delta delta^T] (d_out x d_out), A = E[a a^T] (d_in x d_in).
        out.println("""

            K-FAC approximates F ~ S (x) A, S = E[delta delta^T] (6 x 6), A = E[a a^T] (5 x 5). Its eigenvectors are
            vec(q_i p_j^T) with eigenvalue sigma_i alpha_j; keeping the top 4 products gives
            P vec(X) = vec( sum_(i,j) kept (q_i^T X p_j) q_i p_j^T ), never forming the 30 x 30 matrix.""");
        KroneckerProjector kron = KroneckerProjector.fromFactors(randomPsd(rnd, D_OUT), randomPsd(rnd, D_IN),
            SelectionRule.rank(4));
        laws(check, "Kronecker", kron, rnd);
        double[] kept = kron.keptVector(0);                             // vec(q_i p_j^T) of the top pair
        check.atMost("a kept vec(q_i p_j^T) is left as it is: max |P v - v|", Tour.maxAbsDiff(kron.apply(kept), kept), 1e-12);

        // 3. Mask form: a diagonal (EWC-style) Fisher keeps its m largest coordinates.
        double[] diagonal = new double[D];
        for (int k = 0; k < D; k++) {
            diagonal[k] = rnd.nextDouble();
        }
        MaskProjector mask = MaskProjector.fromDiagonal(diagonal, SelectionRule.rank(4));
        out.println("\nA diagonal Fisher keeps coordinates: the mask keeps entries "
            + java.util.Arrays.toString(mask.keptCoordinates()) + " of vec(dW) (the 4 largest diagonal entries)");
        laws(check, "mask", mask, rnd);

        // 4. The literal geodesic term is zero for an exact projector.
        out.println("""

            The paper's geodesic term, literally: E_geo = cos^2(dW_A, dW_T) = <dW_A, dW_T>_F^2 / (||dW_A||^2 ||dW_T||^2 + eps).
            With dW_A = P dW and dW_T = (I - P) dW: <P x, (I - P) x> = x^T P (I - P) x = x^T (P - P P) x = 0.
            So the term and its gradient vanish for every exact projector. The column-space variant does not:
            E_geo,sub = ||dW_A^T dW_T||_F^2 / (||dW_A||^2 ||dW_T||^2 + eps) is zero only when the two parts write
            to orthogonal output directions.""");
        Kernels kernels = Backends.create("scalar", 1);
        double[] x = new double[D];
        fillGaussian(rnd, x);
        Tensor dw = floats(x);                                           // 6 x 5
        Tensor dwA = floats(basis.apply(x));                             // P vec dW
        Tensor dwT = floats(basis.complement(x));                        // (I - P) vec dW
        Graph g = Graph.inference(kernels);
        float literal = CollisionPenalties.literalGeodesic(g, dwA, dwT, 1e-12f).item();
        float subspace = CollisionPenalties.subspaceGeodesic(g, dwA, dwT, 1e-12f).item();
        Tensor half = floats(scaled(x, 0.5));                            // not a projection: dW_A = dW_T = dW / 2
        float literalHalf = CollisionPenalties.literalGeodesic(g, half, half, 1e-12f).item();
        out.println(fmt("literal E_geo with P: %.2e;  subspace E_geo with P: %.4f;  literal E_geo of the split dW/2 + dW/2: %.4f",
            literal, subspace, literalHalf));
        check.atMost("literal E_geo is zero for the exact projector (float rounding: (D u)^2 ~ 3e-12)", literal, 1e-9);
        check.above("the column-space E_geo is not", subspace, 1e-3);
        check.near("a split that is not a projection has cos^2 = 1", literalHalf, 1.0, 1e-6);
        check.atMost("dW_A + dW_T = dW: max |diff|", maxSumDiff(dwA, dwT, dw), 1e-6);

        out.println("""

            Proven, not only shown: the property suite checks this law for random layers, ranks and every exact
            projector kind (basis, Kronecker, mask), the term and its gradient:
              law:  RegularizerProperties#literalGeodesicVanishesForExactProjectors
              run:  ./mvnw -B -ntp -pl proofs -am verify -Dsurefire.failIfNoSpecifiedTests=false \\
                      -Dtest='RegularizerProperties#literalGeodesicVanishesForExactProjectors'
            and the projector laws above for every kind: -Dtest='BasisProjectorProperties', 'KroneckerProjectorProperties',
            'MaskProjectorProperties'.""");
    }

    /** Idempotent, symmetric, trace = rank, complementary: checked on the dense D x D matrix (D = 30). */
    private static void laws(Check check, String name, Projector p, Random rnd) {
        DMatrixRMaj m = p.asMatrix();                                   // D x D
        double idem = 0, sym = 0, trace = 0;
        for (int i = 0; i < D; i++) {
            trace += m.get(i, i);
            for (int j = 0; j < D; j++) {
                double pp = 0;
                for (int k = 0; k < D; k++) {
                    pp += m.get(i, k) * m.get(k, j);
                }
                idem = Math.max(idem, Math.abs(pp - m.get(i, j)));
                sym = Math.max(sym, Math.abs(m.get(i, j) - m.get(j, i)));
            }
        }
        check.atMost(name + ": idempotent, max |P P - P|", idem, 1e-12);
        check.atMost(name + ": symmetric, max |P - P^T|", sym, 1e-12);
        check.near(name + ": trace P = rank m", trace, p.rank(), 1e-12);
        double[] x = new double[D];
        fillGaussian(rnd, x);
        double[] a = p.apply(x), t = p.complement(x);
        double inner = 0, sum = 0;
        for (int k = 0; k < D; k++) {
            inner += a[k] * t[k];
            sum = Math.max(sum, Math.abs(a[k] + t[k] - x[k]));
        }
        check.that(name + ": complementary, P x + (I - P) x = x and <P x, (I - P) x> = 0",
            sum <= 1e-12 && Math.abs(inner) <= 1e-12, fmt("max |sum - x| %.1e, |inner| %.1e", sum, Math.abs(inner)));
    }

    /** A random symmetric positive semidefinite n x n matrix M M^T (a second moment). */
    private static DMatrixRMaj randomPsd(Random rnd, int n) {
        double[][] v = new double[n][n];
        for (double[] row : v) {
            fillGaussian(rnd, row);
        }
        DMatrixRMaj s = new DMatrixRMaj(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += v[i][k] * v[j][k];
                }
                s.set(i, j, sum);
            }
        }
        return s;
    }

    private static void fillGaussian(Random rnd, double[] x) {
        for (int k = 0; k < x.length; k++) {
            x[k] = rnd.nextGaussian();
        }
    }

    private static double[] scaled(double[] x, double s) {
        double[] y = x.clone();
        for (int k = 0; k < y.length; k++) {
            y[k] *= s;
        }
        return y;
    }

    /** unvec: a vector of length D as a d_out x d_in float tensor. */
    private static Tensor floats(double[] x) {
        float[] f = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            f[k] = (float) x[k];
        }
        return Tensor.of(D_OUT, D_IN, f);
    }

    private static double maxSumDiff(Tensor a, Tensor t, Tensor w) {
        double m = 0;
        for (int k = 0; k < w.size(); k++) {
            m = Math.max(m, Math.abs((double) a.data()[k] + t.data()[k] - w.data()[k]));
        }
        return m;
    }
}
