package dev.alignguard.experiments.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The PyTorch side of {@code alignguard bench step --vs-pytorch}: one long-lived
 * {@code benchmarks/pytorch/step.py} process, driven one JSON line per request over its stdin and
 * stdout, so that the two sides can be timed alternately in the same minutes of a shared machine.
 *
 * <p>The process runs with {@code OPENBLAS_CORETYPE} and {@code OPENBLAS_L2_SIZE} removed from its
 * environment (this project's machines set both, which forces OpenBLAS onto older, slower kernels;
 * the JVM does not use OpenBLAS, so only the reference is affected) and with
 * {@code OPENBLAS_NUM_THREADS} set to the thread count, and with {@code OMP_WAIT_POLICY=PASSIVE}:
 * with GNU OpenMP's default (active) wait, torch's intra-op threads spin against OpenBLAS's own
 * threads on a 2-core machine, and the reference step measured 190-230 ms instead of 60-65 ms, so
 * the passive policy is PyTorch's best configuration here, and the one compared against.
 */
final class PyTorchReference implements AutoCloseable {

    /** What to print when the reference cannot run. */
    static final String INSTALL_HINT = "PyTorch is not available to " + "%s"
        + ": on Debian, `apt-get install -y python3-torch` (1.13, with numpy) and, for its matrix products, "
        + "`apt-get install -y libopenblas0-pthread` (otherwise the reference BLAS is used: ~100x slower)";

    static final List<String> UNSET = List.of("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedWriter in;
    private final BufferedReader out;
    private final String version;

    private PyTorchReference(Process process, String version, BufferedWriter in, BufferedReader out) {
        this.process = process;
        this.version = version;
        this.in = in;
        this.out = out;
    }

    /**
     * Starts the script and sends it the model configuration and the batch.
     * @throws IllegalStateException with {@link #INSTALL_HINT} when python or torch is missing
     */
    static PyTorchReference start(String python, Path script, int threads, Map<String, Object> setup) {
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("no PyTorch reference script at " + script
                + " (run from the repository root, or pass --pytorch-script)");
        }
        ProcessBuilder pb = new ProcessBuilder(python, script.toString());
        UNSET.forEach(pb.environment()::remove);
        pb.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        pb.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException(String.format(INSTALL_HINT, python) + " (" + e.getMessage() + ")");
        }
        BufferedWriter w = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8));
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Map<String, Object> msg = new LinkedHashMap<>();
        msg.put("cmd", "setup");
        msg.putAll(setup);
        msg.put("threads", threads);
        JsonNode reply;
        try {
            reply = request(w, r, msg);
        } catch (IllegalStateException e) {
            p.destroy();
            throw new IllegalStateException(String.format(INSTALL_HINT, python) + " (" + e.getMessage() + ")");
        }
        return new PyTorchReference(p, reply.path("torch").asText("?") + ", " + reply.path("threads").asInt() + " threads",
            w, r);
    }

    /** The torch version and its thread count, as the script reports them. */
    String version() {
        return version;
    }

    /** Runs {@code steps} steps of a mode ({@code full} or {@code lora}); mean milliseconds per step. */
    double time(String mode, int steps) {
        return request(in, out, Map.of("cmd", "time", "mode", mode, "steps", steps)).path("ms").asDouble();
    }

    /** The process's peak resident set (ru_maxrss), in KiB. */
    long peakRssKb() {
        return request(in, out, Map.of("cmd", "rss")).path("peak_rss_kb").asLong();
    }

    private static JsonNode request(BufferedWriter w, BufferedReader r, Map<String, ?> msg) {
        try {
            w.write(JSON.writeValueAsString(msg));
            w.newLine();
            w.flush();
            String line = r.readLine();
            if (line == null) {
                throw new IllegalStateException("the PyTorch process ended without a reply");
            }
            JsonNode reply = JSON.readTree(line);
            if (reply.has("error")) {
                throw new IllegalStateException(reply.get("error").asText());
            }
            return reply;
        } catch (IOException e) {
            throw new IllegalStateException("the PyTorch process failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            in.write("{\"cmd\": \"quit\"}");
            in.newLine();
            in.flush();
        } catch (IOException ignored) {
            // already gone
        }
        process.destroy();
    }
}
