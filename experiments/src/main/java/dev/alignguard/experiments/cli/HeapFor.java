package dev.alignguard.experiments.cli;

import java.io.PrintWriter;
import java.util.Arrays;

import dev.alignguard.experiments.pipeline.StudyMemory;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.SizeEstimate;
import picocli.CommandLine;

/**
 * {@code alignguard heap-for COMMAND...} (hidden; the launcher's): prints the {@code -Xmx} option (and for the
 * step benchmark {@code -Xmn}) that
 * fits the command, so that the JVM takes a heap sized to the work instead of a quarter of the
 * machine and several workers or executors fit on one machine.
 * <ul>
 *   <li>{@code run PRESET|SPEC [options]}: twice the study's estimate ({@link StudyMemory}, for the
 *       workers the options give; an estimate within a small factor, and ParallelGC keeps the old
 *       generation at two thirds of the heap) plus {@link #BASE_BYTES};</li>
 *   <li>{@code bench step [options]}: the step benchmark's three models, AlignGuard's stand-in basis
 *       and one step's activations and gradients (one buffer pool), which it holds exactly, plus
 *       {@link #BENCH_MARGIN_BYTES}, with a small young generation ({@link #BENCH_YOUNG});</li>
 *   <li>anything else: nothing (the launcher then uses its fixed default).</li>
 * </ul>
 * Prints nothing and exits 0 when the command cannot be parsed: the command itself then says what
 * is wrong. The options are parsed by the commands' own classes, so they cannot drift apart.
 */
final class HeapFor {

    /**
     * The step benchmark's young generation: a step allocates 1-13 MB once its buffers are pooled, so a
     * small one costs a cheap collection every few steps, and the old generation keeps the rest of a
     * heap sized to what the benchmark holds (ParallelGC's default third would push it into full GCs).
     */
    static final String BENCH_YOUNG = "-Xmn16m";

    /**
     * The step benchmark's margin over what it holds: it holds exactly what {@link #benchStepBytes}
     * counts, so it needs less than a study's (measured: 4 full collections in a run at this margin).
     */
    static final long BENCH_MARGIN_BYTES = 64L << 20;

    /**
     * A study's margin beyond twice its estimate: the program's own objects, and room for the garbage
     * promoted between full collections. Measured on the quickstart: at 96 MiB (a 165 MiB heap) it
     * ran with 45 full collections and 21 s of pauses; the margin buys them back for a few hundred MiB.
     */
    static final long BASE_BYTES = 256L << 20;

    private HeapFor() {
    }

    /** The -Xmx for {@code args} (a command line of this program), or "" when it has none of its own. */
    static String forCommand(String... args) {
        if (args.length == 0) {
            return "";
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            if (args[0].equals("run")) {
                RunCommand run = new RunCommand();
                new CommandLine(run).parseArgs(rest);
                if (run.options.target == null) {
                    return "";
                }
                ExperimentSpec spec = StudyLaunch.spec(run.options);
                return xmx(Math.multiplyExact(2L, StudyMemory.of(spec, StudyLaunch.workers(run.options)).total()), BASE_BYTES);
            }
            if (args[0].equals("bench") && rest.length > 0 && rest[0].equals("step")) {
                BenchCommand.Step step = new BenchCommand.Step();
                new CommandLine(step).parseArgs(Arrays.copyOfRange(rest, 1, rest.length));
                return xmx(benchStepBytes(step), BENCH_MARGIN_BYTES) + " " + BENCH_YOUNG;
            }
        } catch (RuntimeException | java.io.IOException e) { // a bad command line or spec: the command itself reports it
            return "";
        }
        return "";
    }

    /** {@code -Xmx} for {@code work} bytes plus {@code margin}, in whole MiB. */
    static String xmx(long work, long margin) {
        long bytes = Math.addExact(work, margin);
        return "-Xmx" + ((bytes + (1L << 20) - 1) >> 20) + "m";
    }

    /** The step benchmark's heap: three models with gradients, the stand-in bases, one step's buffers. */
    static long benchStepBytes(BenchCommand.Step step) {
        LlamaConfig c = step.config();
        SizeEstimate size = SizeEstimate.of(c);
        long h = c.hiddenSize(), kv = (long) c.numKeyValueHeads() * c.headDim();
        long adapted = c.numHiddenLayers() * (2 * h * h + 2 * kv * h); // q, k, v, o: the D of each adapter, summed
        long bases = c.hiddenSize() > 256 ? 0 : 32L * adapted * 8; // the random stand-in, m = 32, double
        if (step.backends.contains("opencl")) {
            bases *= 2; // and OpenCL's resident copy of each basis, packed (Kernels.resident)
        }
        return 3 * 2 * size.weightBytes() + bases + size.activationBytes(step.batch, step.seq);
    }

    /** Prints {@link #forCommand}'s answer (one line, maybe empty). */
    static int print(String[] args, PrintWriter out) {
        out.println(forCommand(args));
        out.flush();
        return 0;
    }
}
