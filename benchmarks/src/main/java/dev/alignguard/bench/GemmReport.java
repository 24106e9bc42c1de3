package dev.alignguard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import jdk.incubator.vector.FloatVector;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link GemmBenchmark} and {@link PeakFlopsBenchmark} through the JMH Runner API and prints a
 * Markdown table of GFLOP/s per backend and size, the measured FMA peak, the vector backend's share
 * of that peak and its speed-up over EJML. Launched by {@code ./bench kernels} at the repository root.
 *
 * <pre>
 * usage: GemmReport [--quick] [--n 64,128,...] [--backends vector,ejml,...] [--threads T]
 *                   [--warmup I] [--iterations I] [--time-ms MS] [--best] [--out FILE.md] [--verbose]
 * </pre>
 *
 * <p>The all-core peak is measured before and after the products and the higher figure is used, so
 * a burst of load from other processes during one of the two does not inflate the share of peak. A
 * second share is given against threads x the one-thread peak, which a busy machine cannot depress
 * as easily (the stricter reference when other work shares the cores). With
 * {@code --best} every figure comes from the best measurement iteration instead of the mean: on a
 * machine shared with other work it is the better estimate of what the code can do.
 */
public final class GemmReport {

    private GemmReport() {
    }

    public static void main(String[] args) throws RunnerException, IOException, ReflectiveOperationException {
        List<String> sizes = paramValues("n");
        List<String> backends = paramValues("backend");
        int threads = Runtime.getRuntime().availableProcessors();
        // The first products run in the interpreter (the Vector API is very slow there) until C2 has
        // compiled the micro-kernel: a few warm-up seconds are needed before the figures settle.
        int warmup = 5, iterations = 5, timeMs = 1000;
        Path out = null;
        boolean best = false;
        VerboseMode verbose = VerboseMode.SILENT;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> {
                    warmup = 4;
                    iterations = 3;
                    timeMs = 500;
                }
                case "--n" -> sizes = Arrays.asList(args[++i].split(","));
                case "--backends" -> backends = Arrays.asList(args[++i].split(","));
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--time-ms" -> timeMs = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--verbose" -> verbose = VerboseMode.NORMAL;
                case "--best" -> best = true;
                case "-h", "--help" -> {
                    System.out.println("usage: GemmReport [--quick] [--n 64,128,...] [--backends vector,ejml,...]"
                        + " [--threads T] [--warmup I] [--iterations I] [--time-ms MS] [--best] [--out FILE.md] [--verbose]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
            }
        }
        ChainedOptionsBuilder base = new OptionsBuilder()
            .forks(1)
            .warmupIterations(warmup).warmupTime(TimeValue.milliseconds(timeMs))
            .measurementIterations(iterations).measurementTime(TimeValue.milliseconds(timeMs))
            .shouldFailOnError(true)
            .verbosity(verbose);

        String loadBefore = loadAverage();
        System.err.println("# FMA peak before the products: " + threads + " threads");
        double peakBefore = peak(base, threads, best);

        // GFLOP/s by backend, then by n.
        Map<String, Map<Integer, Double>> gflops = new LinkedHashMap<>();
        for (String backend : backends) {
            List<String> ns = sizes.stream()
                .filter(s -> !backend.equals("scalar") || Integer.parseInt(s) <= GemmBenchmark.SCALAR_MAX_N)
                .toList();
            if (ns.isEmpty()) {
                continue;
            }
            System.err.println("# gemm: " + backend + " at n = " + String.join(", ", ns));
            Collection<RunResult> results = new Runner(new OptionsBuilder().parent(base.build())
                .include(GemmBenchmark.class.getName() + "\\.gemm$")
                .param("backend", backend)
                .param("n", ns.toArray(String[]::new))
                .param("threads", Integer.toString(threads))
                .build()).run();
            for (RunResult r : results) {
                int n = Integer.parseInt(r.getParams().getParam("n"));
                var stats = r.getPrimaryResult().getStatistics();
                double usPerOp = best ? stats.getMin() : stats.getMean();
                gflops.computeIfAbsent(backend, x -> new TreeMap<>()).put(n, 2.0 * n * n * n / (usPerOp * 1e3));
            }
        }

        System.err.println("# FMA peak after the products: " + threads + " threads and 1 thread");
        double peakAfter = peak(base, threads, best);
        double peakOne = peak(base, 1, best);
        double peak = Math.max(peakBefore, peakAfter);

        String table = table(sizes, gflops, peak, peakBefore, peakAfter, peakOne, threads, warmup, iterations, timeMs,
            best) + "Load average (1, 5, 15 min) before: " + loadBefore + "; after: " + loadAverage() + "\n";
        System.out.println(table);
        if (out != null) {
            Files.writeString(out, table);
            System.err.println("# written to " + out);
        }
    }

    private static double peak(ChainedOptionsBuilder base, int threads, boolean best) throws RunnerException {
        Collection<RunResult> rs = new Runner(new OptionsBuilder().parent(base.build())
            .include(PeakFlopsBenchmark.class.getName() + "\\.fma$")
            .threads(threads)
            .build()).run();
        RunResult r = rs.iterator().next();
        var stats = r.getPrimaryResult().getStatistics();
        return (best ? stats.getMax() : stats.getMean()) * PeakFlopsBenchmark.FLOPS_PER_OP / 1e9;
    }

    static String table(List<String> sizes, Map<String, Map<Integer, Double>> gflops, double peak, double peakBefore,
                        double peakAfter, double peakOne, int threads, int warmup, int iterations, int timeMs,
                        boolean best) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Single-precision GEMM C = A*B (n x n), GFLOP/s (2n^3 flops per product, "
            + "%s); %d cores, %d-bit SIMD, %s; JMH %d x %d ms warm-up, %d x %d ms measured.%n%n",
            best ? "best iteration" : "mean of iterations", Runtime.getRuntime().availableProcessors(),
            FloatVector.SPECIES_PREFERRED.vectorBitSize(), "JDK " + Runtime.version(), warmup, timeMs, iterations, timeMs));
        List<String> cols = new ArrayList<>(gflops.keySet());
        boolean vs = gflops.containsKey("vector");
        boolean vsEjml = vs && gflops.containsKey("ejml");
        boolean vsEjmlMt = vs && gflops.containsKey("ejml-mt");
        sb.append("| n |");
        cols.forEach(c -> sb.append(' ').append(c).append(" |"));
        if (vs) {
            sb.append(" vector % of peak | vector % of ").append(threads).append(" x 1-thread peak |");
        }
        if (vsEjml) {
            sb.append(" vector / ejml |");
        }
        if (vsEjmlMt) {
            sb.append(" vector / ejml-mt |");
        }
        sb.append('\n').append("|---:|");
        cols.forEach(c -> sb.append("---:|"));
        sb.append(vs ? "---:|---:|" : "").append(vsEjml ? "---:|" : "").append(vsEjmlMt ? "---:|" : "").append('\n');
        for (String s : sizes) {
            int n = Integer.parseInt(s);
            sb.append("| ").append(n).append(" |");
            for (String c : cols) {
                Double g = gflops.get(c).get(n);
                sb.append(' ').append(g == null ? "-" : String.format(Locale.ROOT, "%.1f", g)).append(" |");
            }
            Double v = vs ? gflops.get("vector").get(n) : null;
            if (vs) {
                sb.append(' ').append(v == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * v / peak)).append(" |");
                sb.append(' ').append(v == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * v / (threads * peakOne)))
                    .append(" |");
            }
            if (vsEjml) {
                sb.append(' ').append(ratio(v, gflops.get("ejml").get(n))).append(" |");
            }
            if (vsEjmlMt) {
                sb.append(' ').append(ratio(v, gflops.get("ejml-mt").get(n))).append(" |");
            }
            sb.append('\n');
        }
        sb.append(String.format(Locale.ROOT, "%nMeasured FMA peak (PeakFlopsBenchmark): %.1f GFLOP/s on %d threads "
            + "(%.1f before the products, %.1f after); %.1f GFLOP/s on 1 thread (x %d = %.1f).%n",
            peak, threads, peakBefore, peakAfter, peakOne, threads, threads * peakOne));
        sb.append("scalar and ejml run on one core; vector and ejml-mt on ").append(threads).append(" threads.\n");
        return sb.toString();
    }

    /** The system load average, where the OS publishes one (Linux), else "n/a". */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", l);
        }
    }

    private static String ratio(Double x, Double y) {
        return x == null || y == null ? "-" : String.format(Locale.ROOT, "%.1fx", x / y);
    }

    /** The default values of one of GemmBenchmark's @Param fields: the benchmark is the one list of backends. */
    private static List<String> paramValues(String field) throws NoSuchFieldException {
        return List.of(GemmBenchmark.class.getField(field).getAnnotation(Param.class).value());
    }
}
