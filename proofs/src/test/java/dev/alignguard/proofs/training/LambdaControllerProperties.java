package dev.alignguard.proofs.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.alignguard.experiments.method.LambdaController;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.harness.Laws;

/**
 * Laws of the adaptive method's λA controller ({@link LambdaController}): whatever the measured NLLs
 * (NaN and infinities included) and whatever λ it is given (NaN, 0, huge), the next λ lies within
 * [lambda_min, lambda_max]; it never lowers λ over budget nor raises it under budget; a sequence of
 * controller steps stays within the bounds.
 */
class LambdaControllerProperties {

    /** A controller with random bounds and factors, from a seed. */
    private static LambdaController controller(Random r) {
        double min = r.nextInt(4) == 0 ? 0 : Math.exp(r.nextGaussian() * 3);
        double max = r.nextInt(6) == 0 ? min : min * Math.exp(Math.abs(r.nextGaussian()) * 4);
        double up = 1 + Math.abs(r.nextGaussian()) * (r.nextBoolean() ? 1 : 10);
        double down = r.nextInt(6) == 0 ? 1 : Math.max(1e-6, r.nextDouble());
        double budget = r.nextInt(5) == 0 ? 0 : Math.abs(r.nextGaussian());
        return new LambdaController(budget, up, down, min, max);
    }

    /** An NLL or λ input: ordinary values mostly, sometimes NaN, infinite, zero, negative or huge. */
    private static double anyValue(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> Double.NaN;
            case 1 -> r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            case 2 -> 0;
            case 3 -> -Math.abs(r.nextGaussian());
            case 4 -> Math.exp(r.nextGaussian() * 20);
            default -> Math.abs(r.nextGaussian() * 3);
        };
    }

    @Test
    void theNextLambdaStaysWithinItsBounds() {
        Laws.qt(500).forAll(Gaussians.seeds()).checkAssert(seed -> {
            Random r = new Random(seed);
            LambdaController c = controller(r);
            double next = c.next(anyValue(r), anyValue(r), anyValue(r));
            assertTrue(next >= c.lambdaMin() && next <= c.lambdaMax(), next + " outside " + c);
        });
    }

    @Test
    void aRunOfControllerStepsStaysWithinItsBounds() {
        Laws.qt(200).forAll(Gaussians.seeds()).checkAssert(seed -> {
            Random r = new Random(seed);
            LambdaController c = controller(r);
            double start = Math.abs(r.nextGaussian());
            double lambda = c.clamp(anyValue(r));
            for (int k = 0; k < 50; k++) {
                lambda = c.next(start, start + r.nextGaussian() * 3 * c.budget(), lambda);
                assertTrue(lambda >= c.lambdaMin() && lambda <= c.lambdaMax(), "step " + k + ": " + lambda + " outside " + c);
            }
        });
    }

    @Test
    void overBudgetNeverLowersAndUnderBudgetNeverRaises() {
        Laws.qt(300).forAll(Gaussians.seeds()).checkAssert(seed -> {
            Random r = new Random(seed);
            LambdaController c = controller(r);
            double lambda = c.clamp(c.lambdaMin() + r.nextDouble() * (c.lambdaMax() - c.lambdaMin()));
            double start = Math.abs(r.nextGaussian());
            double over = start + c.budget() + 1e-9 + Math.abs(r.nextGaussian());
            double under = start + c.budget() * r.nextDouble() * 0.999 - Math.abs(r.nextGaussian());
            assertTrue(c.next(start, over, lambda) >= lambda, "over budget lowered " + lambda + " in " + c);
            assertTrue(c.next(start, under, lambda) <= lambda, "under budget raised " + lambda + " in " + c);
            double high = c.next(start, over, lambda);
            assertEquals(Math.min(c.lambdaMax(), lambda * c.up()), high, 1e-12 * Math.max(1, high), "over budget: λ up");
        });
    }
}
