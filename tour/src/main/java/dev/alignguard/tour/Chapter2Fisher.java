package dev.alignguard.tour;

import java.io.PrintStream;

public final class Chapter2Fisher {
    private Chapter2Fisher() {
    }

    public static void run(PrintStream out) throws Exception {
    }
}
