package dev.alignguard.proofs.linalg;

import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.proofs.gen.KroneckerFactors;
import org.quicktheories.core.Gen;

/** The projector laws for K-FAC projectors keeping the top m products, m in [0, D]. */
class KroneckerByRankProjectorProperties extends KroneckerProjectorProperties {

    @Override
    Gen<SelectionRule> rules(int d) {
        return KroneckerFactors.byRank(d);
    }
}
