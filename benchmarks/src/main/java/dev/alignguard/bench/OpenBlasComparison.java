package dev.alignguard.bench;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.alignguard.math.kernels.VectorKernels;

/**
 * {@code ./bench kernels --vs-openblas}: GFLOP/s of the vector backend's {@code C = A B} (square
 * n x n floats) against numpy's (OpenBLAS sgemm, {@code benchmarks/pytorch/gemm.py}) on the same
 * thread count, timed alternately round by round in one JVM and one long-lived Python process,
 * with this machine's FMA peak measured in the same run (the loop of {@link PeakFlopsBenchmark}).
 * Plain timing loops rather than JMH, so that both sides are measured the same way.
 *
 * <p>The Python side runs with {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE} removed from its
 * environment (these machines set both, forcing older kernels) and {@code OPENBLAS_NUM_THREADS} set
 * to the thread count.
 *
 * <p>Options: {@code --n 512,1024}, {@code --threads T}, {@code --rounds R}, {@code --seconds S} per
 * measurement, {@code --python /usr/bin/python3}, {@code --script benchmarks/pytorch/gemm.py}.
 */
public final class OpenBlasComparison {

    private OpenBlasComparison() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = {512, 1024};
        int threads = Runtime.getRuntime().availableProcessors();
        int rounds = 5;
        double seconds = 0.5;
        String python = "/usr/bin/python3", script = "benchmarks/pytorch/gemm.py";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vs-openblas" -> {
                }
                case "--n" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--python" -> python = args[++i];
                case "--script" -> script = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        ProcessBuilder pb = new ProcessBuilder(python, script);
        pb.environment().remove("OPENBLAS_CORETYPE");
        pb.environment().remove("OPENBLAS_L2_SIZE");
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            System.out.println("cannot start " + python + ": " + e.getMessage()
                + "; on Debian: apt-get install -y python3-numpy libopenblas0-pthread");
            return;
        }
        BufferedWriter in = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String info = ask(in, out, "{\"info\": true}");
        if (info == null) {
            System.out.println("numpy is not available to " + python + ": on Debian, apt-get install -y python3-numpy"
                + " libopenblas0-pthread");
            return;
        }
        System.out.println("numpy side: " + script + " " + info + ", OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in its"
            + " environment alone, OPENBLAS_NUM_THREADS=" + threads);
        VectorKernels vk = new VectorKernels(threads);
        double peakBefore = peak(threads, seconds);
        System.out
            .println("| n | vector GFLOP/s | OpenBLAS (numpy) GFLOP/s | vector / OpenBLAS | vector % of peak | rounds (vector/OpenBLAS) |");
        System.out.println("|---:|---:|---:|---:|---:|---|");
        List<String> rows = new ArrayList<>();
        double[][] results = new double[sizes.length][];
        for (int s = 0; s < sizes.length; s++) {
            int n = sizes[s];
            Random rnd = new Random(1);
            float[] a = new float[n * n], b = new float[n * n], c = new float[n * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = rnd.nextFloat();
                b[i] = rnd.nextFloat();
            }
            vectorGflops(vk, n, a, b, c, seconds); // warm-up
            gflops(ask(in, out, "{\"n\": " + n + ", \"seconds\": " + seconds + "}"));
            double[] v = new double[rounds], o = new double[rounds];
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    v[r] = vectorGflops(vk, n, a, b, c, seconds);
                    o[r] = gflops(ask(in, out, "{\"n\": " + n + ", \"seconds\": " + seconds + "}"));
                } else {
                    o[r] = gflops(ask(in, out, "{\"n\": " + n + ", \"seconds\": " + seconds + "}"));
                    v[r] = vectorGflops(vk, n, a, b, c, seconds);
                }
                sb.append(r == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.0f/%.0f", v[r], o[r]));
            }
            results[s] = new double[] {median(v), median(o)};
            rows.add(sb.toString());
        }
        double peakAfter = peak(threads, seconds);
        double peak = Math.max(peakBefore, peakAfter);
        for (int s = 0; s < sizes.length; s++) {
            System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.2fx | %.0f%% | %s |%n", sizes[s], results[s][0], results[s][1],
                results[s][0] / results[s][1], 100 * results[s][0] / peak, rows.get(s));
        }
        System.out.printf(Locale.ROOT, "medians of %d alternating rounds of %.1f s per side; measured FMA peak on %d threads:"
            + " %.1f GFLOP/s (%.1f before, %.1f after); targets: vector >= 0.9x OpenBLAS and >= 75%% of peak%n",
            rounds, seconds, threads, peak, peakBefore, peakAfter);
        in.close();
        p.destroy();
        System.exit(0);
    }

    private static double vectorGflops(VectorKernels vk, int n, float[] a, float[] b, float[] c, double seconds) {
        long reps = 0, t0 = System.nanoTime(), t;
        do {
            vk.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
            reps++;
            t = System.nanoTime() - t0;
        } while (t < seconds * 1e9);
        return 2.0 * n * n * n * reps / t;
    }

    /** GFLOP/s of {@link PeakFlopsBenchmark#fma} run on {@code threads} threads at once. */
    static double peak(int threads, double seconds) throws InterruptedException {
        long[] ops = new long[threads];
        long[] nanos = new long[threads];
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                PeakFlopsBenchmark b = new PeakFlopsBenchmark();
                b.setup();
                float sink = 0;
                for (int i = 0; i < 2000; i++) {
                    sink += b.fma(); // warm-up, compiled before timing
                }
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                long t0 = System.nanoTime(), n = 0;
                while (System.nanoTime() - t0 < seconds * 1e9) {
                    sink += b.fma();
                    n++;
                }
                nanos[id] = System.nanoTime() - t0;
                ops[id] = n + (sink == 42f ? 1 : 0);
            });
            th.start();
            ts.add(th);
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        double total = 0;
        for (int t = 0; t < threads; t++) {
            total += ops[t] * (double) PeakFlopsBenchmark.FLOPS_PER_OP / nanos[t];
        }
        return total;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[(s.length - 1) / 2];
    }

    private static final Pattern NUMBER = Pattern.compile("\"gflops\":\\s*([0-9.eE+-]+)");

    private static double gflops(String reply) {
        Matcher m = reply == null ? null : NUMBER.matcher(reply);
        if (m == null || !m.find()) {
            throw new IllegalStateException("numpy side replied " + reply);
        }
        return Double.parseDouble(m.group(1));
    }

    private static String ask(BufferedWriter in, BufferedReader out, String msg) throws IOException {
        in.write(msg);
        in.newLine();
        in.flush();
        return out.readLine();
    }
}
