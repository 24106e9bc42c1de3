package dev.alignguard.verify;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code --laws}: terms, wildcards, the class or the interface that states the law. */
class LawPatternTest {

    interface SomeLaws {
    }

    static final class SomeLawsForThings implements SomeLaws {
    }

    private static boolean matches(String pattern, String method) {
        return LawPattern.parse(pattern).matches(SomeLawsForThings.class, SomeLaws.class, method);
    }

    @Test
    void termsMatchTheClassOrTheDeclaringInterfaceAndTheMethod() {
        assertTrue(matches("SomeLawsForThings", "idempotent"), "a class alone selects every law");
        assertTrue(matches("SomeLaws", "idempotent"), "the interface that states the law");
        assertTrue(matches("SomeLaws#idempotent", "idempotent"));
        assertFalse(matches("SomeLaws#idempotent", "selfAdjoint"));
        assertFalse(matches("Some", "idempotent"), "whole names, not prefixes");
        assertTrue(matches("*ForThings#idem*", "idempotent"));
        assertTrue(matches("Other, SomeLaws#self?djoint", "selfAdjoint"), "a list; ? is one character");
        assertTrue(matches("dev.alignguard.verify.LawPatternTest$SomeLaws", "x"), "a full name when it has a dot");
        assertFalse(matches("dev.*.Other", "x"));
        for (String bad : List.of("", "A#", "#b", "A#b#c", "A,,B")) {
            assertThrows(IllegalArgumentException.class, () -> LawPattern.parse(bad), bad);
        }
    }
}
