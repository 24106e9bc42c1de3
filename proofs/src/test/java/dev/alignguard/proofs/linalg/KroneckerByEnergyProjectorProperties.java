package dev.alignguard.proofs.linalg;

import dev.alignguard.math.projection.SelectionRule;
import java.util.Random;
import net.jqwik.api.Arbitrary;

/** The projector laws for K-FAC projectors keeping the fewest products reaching a fraction of trace(S) trace(A). */
class KroneckerByEnergyProjectorProperties extends KroneckerProjectorProperties {

    @Override
    Arbitrary<SelectionRule> rules(int d) {
        // fraction = 1 - U[0, 1) lies in (0, 1]; drawn from a seed, not a 2-decimal jqwik double
        return Gaussians.seeds().map(seed -> SelectionRule.energy(1 - new Random(seed).nextDouble()));
    }
}
