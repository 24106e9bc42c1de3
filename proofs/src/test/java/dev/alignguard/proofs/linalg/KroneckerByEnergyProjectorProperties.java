package dev.alignguard.proofs.linalg;

import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.proofs.gen.KroneckerFactors;
import org.quicktheories.core.Gen;

/** The projector laws for K-FAC projectors keeping the fewest products reaching a fraction of trace(S) trace(A). */
class KroneckerByEnergyProjectorProperties extends KroneckerProjectorProperties {

    @Override
    Gen<SelectionRule> rules(int d) {
        return KroneckerFactors.byEnergy(d);
    }
}
