package dev.alignguard.training.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.SafetensorsFormatException;
import dev.alignguard.model.safetensors.StoredTensor;
import dev.alignguard.training.optim.AdamW;

/**
 * A training checkpoint in one safetensors file, written atomically (temporary file, then rename):
 * <pre>
 *   param/&lt;name&gt;    the trainable tensors (adapters, or the whole model)   F32
 *   adam_m/&lt;name&gt;   AdamW first moments                                    F32
 *   adam_v/&lt;name&gt;   AdamW second moments                                   F32
 *   __metadata__     steps_done, optimizer_steps, seed, spec (free text), format, extra.* (caller's)
 * </pre>
 * Random state needs no saving: the trainer derives every random draw (data order, dropout)
 * from (seed, step), so the step alone resumes it. Resuming therefore continues bit for bit.
 */
public final class Checkpoint {

    public static final String FORMAT = "alignguard-checkpoint-1";

    private Checkpoint() {
    }

    /** What a checkpoint restores; {@code extra} holds the metadata given to {@link #save} under {@code extra.}. */
    public record Restored(int stepsDone, long seed, String spec, Map<String, String> extra) {

        public Restored(int stepsDone, long seed, String spec) {
            this(stepsDone, seed, spec, Map.of());
        }
    }

    public static void save(Path file, List<dev.alignguard.model.autodiff.Tensor> params, AdamW optimizer, int stepsDone,
                            long seed, String spec) {
        save(file, params, optimizer, stepsDone, seed, spec, Map.of());
    }

    /** As above, with more metadata (e.g. a divergence watch's state), stored as {@code extra.<key>}. */
    public static void save(Path file, List<dev.alignguard.model.autodiff.Tensor> params, AdamW optimizer, int stepsDone,
                            long seed, String spec, Map<String, String> extra) {
        AdamW.State state = optimizer.state();
        List<StoredTensor> tensors = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            dev.alignguard.model.autodiff.Tensor p = params.get(i);
            long[] shape = {p.rows(), p.cols()};
            tensors.add(StoredTensor.f32("param/" + p.name(), shape, p.data()));
            tensors.add(StoredTensor.f32("adam_m/" + p.name(), shape, state.first()[i]));
            tensors.add(StoredTensor.f32("adam_v/" + p.name(), shape, state.second()[i]));
        }
        Map<String, String> meta = new HashMap<>();
        meta.put("format", FORMAT);
        meta.put("steps_done", Integer.toString(stepsDone));
        meta.put("optimizer_steps", Long.toString(state.step()));
        meta.put("seed", Long.toString(seed));
        meta.put("spec", spec == null ? "" : spec);
        extra.forEach((k, v) -> meta.put("extra." + k, v));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Safetensors.write(file, tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads a checkpoint into the given parameters and optimizer (names and shapes must match).
     * @throws IOException with the file named, on a corrupt, truncated or mismatched checkpoint
     */
    public static Restored load(Path file, List<dev.alignguard.model.autodiff.Tensor> params, AdamW optimizer)
        throws IOException {
        SafetensorsFile f = Safetensors.read(file);
        Map<String, String> meta = f.metadata();
        if (!FORMAT.equals(meta.get("format"))) {
            throw new SafetensorsFormatException(file, "not an AlignGuard checkpoint (metadata format is "
                + meta.get("format") + ", expected " + FORMAT + ")");
        }
        float[][] m = new float[params.size()][], v = new float[params.size()][];
        List<float[]> values = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            dev.alignguard.model.autodiff.Tensor p = params.get(i);
            values.add(read(f, file, "param/" + p.name(), p));
            m[i] = read(f, file, "adam_m/" + p.name(), p);
            v[i] = read(f, file, "adam_v/" + p.name(), p);
        }
        int stepsDone;
        long optimizerSteps, seed;
        try {
            stepsDone = Integer.parseInt(meta.get("steps_done"));
            optimizerSteps = Long.parseLong(meta.get("optimizer_steps"));
            seed = Long.parseLong(meta.get("seed"));
        } catch (NumberFormatException | NullPointerException e) {
            throw new SafetensorsFormatException(file, "checkpoint metadata steps_done/optimizer_steps/seed missing or not integers");
        }
        for (int i = 0; i < params.size(); i++) { // only now, after every check passed
            System.arraycopy(values.get(i), 0, params.get(i).data(), 0, values.get(i).length);
        }
        optimizer.restore(new AdamW.State(optimizerSteps, m, v));
        Map<String, String> extra = new HashMap<>();
        meta.forEach((key, value) -> {
            if (key.startsWith("extra.")) {
                extra.put(key.substring("extra.".length()), value);
            }
        });
        return new Restored(stepsDone, seed, meta.getOrDefault("spec", ""), Map.copyOf(extra));
    }

    private static float[] read(SafetensorsFile f, Path file, String name, dev.alignguard.model.autodiff.Tensor p)
        throws IOException {
        if (!f.contains(name)) {
            throw new SafetensorsFormatException(file, "checkpoint lacks tensor " + name);
        }
        float[] values = f.tensor(name).toFloatArray();
        if (values.length != p.size()) {
            throw new SafetensorsFormatException(file, "tensor " + name + " has " + values.length + " values, expected "
                + p.shape());
        }
        return values;
    }
}
