package dev.alignguard.verify;

import java.util.List;

/**
 * What {@code verification.json} holds: how the laws ran (version, commit, JVM, backend, model,
 * seed, examples) and, per law, its {@link LawResult}.
 *
 * @param version          the project version
 * @param gitCommit        the commit of the checkout the laws were built from, or "unknown"
 * @param gitDirty         whether that checkout had uncommitted changes (null when unknown)
 * @param started          when the run started (ISO-8601, UTC)
 * @param seconds          wall time of the whole run
 * @param jvm              {@code java.vm.name} and {@code java.version}
 * @param os               {@code os.name} and {@code os.arch}, and the cores the JVM sees
 * @param backend          the kernel backend whose laws ran ({@code --backend}), or "all"
 * @param modelLawsBackend the kernels the laws of a given model ran on
 * @param model            the model folder those laws ran on, or null for the tiny model written by {@code model init}
 * @param seed             {@code --seed} ("random" or a number), or "fixed" for each law's own fixed seed
 * @param intensity        {@code --intensity}, or null when {@code --tries} was given
 * @param examplesFactor   the factor on every law's stated examples (1 for quick), or null with {@code --tries}
 * @param tries            {@code --tries}: examples per law, or null
 * @param laws             {@code --laws}, or null for every law
 * @param command          the command line that ran
 * @param passed           whether every selected law held
 * @param counts           how many laws held, failed, were skipped
 * @param results          one entry per law, in the order they ran
 */
public record VerificationReport(String version, String gitCommit, Boolean gitDirty, String started, double seconds, String jvm,
                                 String os, String backend, String modelLawsBackend, String model, String seed, String intensity,
                                 Integer examplesFactor, Integer tries, String laws, String command, boolean passed, Counts counts,
                                 List<LawResult> results) {

    /** Laws by outcome. */
    public record Counts(int laws, int passed, int failed, int skipped) {

        static Counts of(List<LawResult> results) {
            int passed = 0, failed = 0, skipped = 0;
            for (LawResult r : results) {
                switch (r.result()) {
                    case PASSED -> passed++;
                    case FAILED -> failed++;
                    case SKIPPED -> skipped++;
                }
            }
            return new Counts(results.size(), passed, failed, skipped);
        }
    }
}
