package dev.alignguard.proofs.linalg;

import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.Projector;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;
import java.util.Random;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The laws of an orthogonal projector, stated once and checked for every projector kind (one
 * implementing class per kind supplies random projectors and random elements of their range).
 *
 * <p>Every tolerance is {@link Rounding#projector(int)} times the norms involved: the laws hold
 * exactly in real arithmetic, so the only slack is rounding.
 *
 * <p>Each law is a JUnit test that runs a QuickTheories property through {@link Laws#qt}; a class
 * implementing this interface inherits all of them ({@code -Dtest=BasisProjectorProperties#idempotent}
 * selects one).
 *
 * @param <P> the projector kind
 */
public interface ProjectorLaws<P extends Projector> {

    /**
     * Random projectors of this kind, with shapes from small (D = 1) to a few dozen; dimension and
     * rank must be drawn so that they shrink toward small values (see {@code gen/}).
     */
    Gen<P> projectors();

    /**
     * A random element of P's range, built from P's own description (its basis, kept Kronecker
     * pairs or kept coordinates), not from {@code apply}, so "P u = u" is not a tautology.
     */
    double[] rangeElement(P p, Random rng);

    /** A projector with Gaussian vectors x, y and a range element u of matching dimension. */
    record Sample<P extends Projector>(P p, double[] x, double[] y, double[] u) {
        @Override
        public String toString() {
            return p + " with Gaussian x, y and a range element";
        }
    }

    default Gen<Sample<P>> samples() {
        return projectors().zip(Gaussians.seeds(), (p, seed) -> {
            Random r = new Random(seed);
            return new Sample<>(p, Gaussians.vector(r, p.dim()), Gaussians.vector(r, p.dim()), rangeElement(p, r));
        });
    }

    private static double tol(Projector p) {
        return Rounding.projector(p.dim());
    }

    /** P(P x) = P x: projecting twice changes nothing. */
    @Test
    default void idempotent() {
        Laws.qt(60).forAll(samples()).checkAssert(s -> {
            double[] px = s.p().apply(s.x());
            double[] ppx = s.p().apply(px);
            Check.atMost(Vec.norm(Vec.sub(ppx, px)), tol(s.p()) * Vec.norm(s.x()), s.p() + ": ||P(Px) - Px||");
        });
    }

    /** &lt;P x, y&gt; = &lt;x, P y&gt;: P is symmetric (self-adjoint), i.e. an orthogonal projector. */
    @Test
    default void selfAdjoint() {
        Laws.qt(60).forAll(samples()).checkAssert(s -> {
            double lhs = Vec.dot(s.p().apply(s.x()), s.y());
            double rhs = Vec.dot(s.x(), s.p().apply(s.y()));
            Check.close(lhs, rhs, tol(s.p()) * Vec.norm(s.x()) * Vec.norm(s.y()), s.p() + ": <Px, y> vs <x, Py>");
        });
    }

    /** P x + (I - P) x = x: the alignment and task components add up to the update. */
    @Test
    default void componentsAddUp() {
        Laws.qt(60).forAll(samples()).checkAssert(s -> {
            double[] sum = s.p().apply(s.x());
            Vec.axpy(1, s.p().complement(s.x()), sum);
            Check.atMost(Vec.norm(Vec.sub(sum, s.x())), tol(s.p()) * Vec.norm(s.x()), s.p() + ": ||Px + (I-P)x - x||");
        });
    }

    /** &lt;P x, (I - P) y&gt; = 0: the two components are orthogonal (why the literal geodesic term vanishes). */
    @Test
    default void componentsAreOrthogonal() {
        Laws.qt(60).forAll(samples()).checkAssert(s -> {
            double inner = Vec.dot(s.p().apply(s.x()), s.p().complement(s.y()));
            Check.close(0, inner, tol(s.p()) * Vec.norm(s.x()) * Vec.norm(s.y()), s.p() + ": <Px, (I-P)y>");
        });
    }

    /** ||P x|| <= ||x||: an orthogonal projector never lengthens a vector. */
    @Test
    default void contracts() {
        Laws.qt(60).forAll(samples()).checkAssert(s -> {
            double excess = Math.max(0, Vec.norm(s.p().apply(s.x())) - Vec.norm(s.x()));
            Check.atMost(excess, tol(s.p()) * Vec.norm(s.x()), s.p() + ": ||Px|| - ||x||");
        });
    }

    /** P u = u for u in the range. */
    @Test
    default void fixesItsRange() {
        Laws.qt(60).forAll(samples()).checkAssert(s -> {
            double[] pu = s.p().apply(s.u());
            Check.atMost(Vec.norm(Vec.sub(pu, s.u())), tol(s.p()) * Vec.norm(s.u()), s.p() + ": ||Pu - u|| on the range");
        });
    }

    /**
     * rank = trace(P): the trace of the dense matrix counts the kept directions. trace(P) is a sum
     * of D diagonal entries, each accurate to tol, so the slack is D tol.
     */
    @Test
    default void rankIsTrace() {
        Laws.qt(30).forAll(samples()).checkAssert(s -> {
            double trace = CommonOps_DDRM.trace(s.p().asMatrix());
            Check.close(s.p().rank(), trace, s.p().dim() * tol(s.p()), s.p() + ": trace(P) vs rank");
        });
    }

    /** In-place application (out aliasing x) gives exactly the same numbers as out of place, for P and I - P. */
    @Test
    default void inPlaceEqualsOutOfPlace() {
        Laws.qt(30).forAll(samples()).checkAssert(s -> {
            double[] x = s.x().clone();
            s.p().apply(x, x);
            Check.identical(s.p().apply(s.x()), x, s.p() + ": P x in place");
            double[] y = s.y().clone();
            s.p().complement(y, y);
            Check.identical(s.p().complement(s.y()), y, s.p() + ": (I - P) y in place");
        });
    }
}
