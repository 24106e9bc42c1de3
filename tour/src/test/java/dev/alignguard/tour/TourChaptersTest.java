package dev.alignguard.tour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** CI runs every chapter of the tour: a chapter fails when it throws or prints a check that does not hold. */
class TourChaptersTest {

    @ParameterizedTest(name = "chapter {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void everyChapterRunsAndEveryCheckHolds(int number) {
        Tour.Chapter chapter = Tour.CHAPTERS.get(number - 1);
        assertEquals(number, chapter.number());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            ok = Tour.runChapter(chapter, out);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertTrue(ok, "chapter " + number + " failed:\n" + text);
        assertFalse(text.contains("FAILED"), text);
        long checks = text.lines().filter(l -> l.startsWith("check: ")).count();
        long held = text.lines().filter(l -> l.startsWith("check: ") && l.contains(" ... ok (")).count();
        assertTrue(checks >= 3, "chapter " + number + " checks what it prints: " + checks + " checks");
        assertEquals(checks, held, "every printed check holds");
    }

    @Test
    void aCheckThatDoesNotHoldFailsTheChapter() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Check check = new Check(out);
        check.near("two is two", 2.0, 2.0, 0);
        assertThrows(AssertionError.class, () -> check.near("two is three", 2.0, 3.0, 0.5));
        assertEquals(1, check.passed());
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("check: two is three ... FAILED"));
        boolean ok = Tour.runChapter(new Tour.Chapter(9, "a wrong number", o -> new Check(o).equal("1 + 1", 1 + 1, 3)), out);
        assertFalse(ok, "runChapter reports the failure");
    }
}
