package dev.alignguard.tour;

import java.io.PrintStream;

public final class Chapter3Projectors {
    private Chapter3Projectors() {
    }

    public static void run(PrintStream out) throws Exception {
    }
}
