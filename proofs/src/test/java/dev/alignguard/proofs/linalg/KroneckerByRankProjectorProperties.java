package dev.alignguard.proofs.linalg;

import dev.alignguard.math.projection.SelectionRule;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/** The projector laws for K-FAC projectors keeping the top m products, m in [0, D]. */
class KroneckerByRankProjectorProperties extends KroneckerProjectorProperties {

    @Override
    Arbitrary<SelectionRule> rules(int d) {
        return Arbitraries.integers().between(0, d).map(SelectionRule::rank);
    }
}
