package dev.alignguard.math.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SelectionRuleTest {

    private static final double[] SPECTRUM = {5, 3, 1, 1};   // trace 10

    @Test
    void rankKeepsTheTopMOrAllAvailable() {
        assertEquals(2, SelectionRule.rank(2).select(SPECTRUM, Double.NaN));
        assertEquals(4, SelectionRule.rank(9).select(SPECTRUM, 10));
        assertEquals(0, SelectionRule.rank(0).select(SPECTRUM, 10));
    }

    @Test
    void energyKeepsTheFewestReachingTheFraction() {
        assertEquals(1, SelectionRule.energy(0.5).select(SPECTRUM, 10));
        assertEquals(2, SelectionRule.energy(0.8).select(SPECTRUM, 10));
        assertEquals(3, SelectionRule.energy(0.81).select(SPECTRUM, 10));
        assertEquals(4, SelectionRule.energy(1).select(SPECTRUM, 10));
        assertEquals(4, SelectionRule.energy(0.9).select(SPECTRUM, 100), "short of the target: keep all available");
        assertEquals(0, SelectionRule.energy(0.9).select(new double[] {0, 0}, 0));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> SelectionRule.rank(-1));
        assertThrows(IllegalArgumentException.class, () -> SelectionRule.energy(0));
        assertThrows(IllegalArgumentException.class, () -> SelectionRule.energy(1.5));
        assertThrows(IllegalArgumentException.class, () -> SelectionRule.energy(0.5).select(SPECTRUM, Double.NaN));
    }
}
