package dev.alignguard.tour;

import java.io.PrintStream;

public final class Chapter5Drift {
    private Chapter5Drift() {
    }

    public static void run(PrintStream out) throws Exception {
    }
}
