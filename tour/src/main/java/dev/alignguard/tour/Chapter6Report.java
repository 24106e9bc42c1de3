package dev.alignguard.tour;

import java.io.PrintStream;

public final class Chapter6Report {
    private Chapter6Report() {
    }

    public static void run(PrintStream out) throws Exception {
    }
}
