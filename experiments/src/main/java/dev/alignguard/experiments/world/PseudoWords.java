package dev.alignguard.experiments.world;

import java.util.Collection;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/**
 * Invents pronounceable, distinct pseudo-words from consonant-vowel syllables
 * ({@code b d f g k l m n p r s t v z} x {@code a e i o u}: 70 syllables), e.g. {@code zokabu}.
 * Deterministic given the generator; a word is never repeated and never one of the reserved words.
 * When a length runs short of fresh words, one more syllable is used.
 */
final class PseudoWords {

    private static final String CONSONANTS = "bdfgklmnprstvz";
    private static final String VOWELS = "aeiou";
    private static final int ATTEMPTS = 200;

    private final Random random;
    private final Set<String> used;

    PseudoWords(Random random, Collection<String> reserved) {
        this.random = random;
        this.used = new HashSet<>(reserved);
    }

    /** A fresh word of {@code syllables} syllables (or more, when those run short). */
    String next(int syllables) {
        for (int s = syllables;; s++) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                StringBuilder w = new StringBuilder(2 * s);
                for (int i = 0; i < s; i++) {
                    w.append(CONSONANTS.charAt(random.nextInt(CONSONANTS.length())));
                    w.append(VOWELS.charAt(random.nextInt(VOWELS.length())));
                }
                String word = w.toString();
                if (used.add(word)) {
                    return word;
                }
            }
        }
    }
}
