package dev.alignguard.experiments.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.eval.Metrics;
import dev.alignguard.experiments.report.Plots;
import dev.alignguard.experiments.report.SummaryFiles;
import dev.alignguard.experiments.results.KeptFiles;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.experiments.spec.ExperimentSpec;
import dev.alignguard.math.kernels.Backend;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.safetensors.AtomicFiles;
import dev.alignguard.model.safetensors.Safetensors;
import dev.alignguard.model.safetensors.SafetensorsFile;
import dev.alignguard.model.safetensors.StoredTensor;
import dev.alignguard.model.tokenizer.WordTokenizer;
import dev.alignguard.training.checkpoint.Checkpoint;
import dev.alignguard.training.optim.AdamW;
import dev.alignguard.training.trainer.Trainer;

/**
 * A run's output folder ({@code --out}), which is also what lets a run cut short resume.
 *
 * <pre>
 *   run.json                          the manifest: format, spec name and sha256 (with the data files' contents),
 *                                     project version, kernel backend, state (running | finished)
 *   .lock                             held (an OS file lock) while a run uses the folder
 *   bases/&lt;key&gt;/unaligned/           the pretrained model: config.json, model.safetensors, tokenizer.json (HF layout)
 *   bases/&lt;key&gt;/aligned/             the aligned model, the same way
 *   bases/&lt;key&gt;/alignment.jsonl       the base's alignment set (prompt -> refusal), what its Fisher is estimated on
 *   bases/&lt;key&gt;/base.json             both models' evaluations; written last, it marks the base finished
 *   bases/&lt;key&gt;/checkpoints/&lt;stage&gt;.safetensors   weights, AdamW moments and step in the middle of pretrain or align
 *   trials/&lt;content key&gt;.safetensors   a finished trial: its record (metadata) and its final dW_A per layer (tensors)
 *   trials/&lt;content key&gt;/adapter/      with --keep all: the trial's adapter, peft layout ({@link TrialAdapter})
 *   logs/&lt;trial id&gt;.jsonl            per-step logs; a failed trial's is logs/&lt;trial id&gt;.failed.jsonl
 *   summary.json, report.md, *.png    written when the run ends
 * </pre>
 *
 * <p><b>Same run.</b> Two runs are the same run when their specs (after {@code --seeds}), the
 * contents of the data files they name, the project version and the kernel backend are equal. A run
 * opened on a folder holding the same run resumes: finished bases are loaded instead of trained, a
 * stage with a checkpoint continues from it, finished trials are not run again ({@link ResumingExecutor});
 * every way gives the same numbers bit for bit, so the summary equals an uninterrupted run's (wall times
 * aside). A trial is found by its content ({@link #trialKey}), not its position, so trials scheduled
 * late (or by a search) are found too. Failed trials are not kept: a resumed run tries them again.
 *
 * <p><b>Other runs.</b> A folder holding a different run is refused (unless {@code fresh} or
 * {@code force}, which discard it); a folder holding files but no manifest is refused unless
 * {@code force} (then its summary, report, plots, logs and stored state are replaced; other files are
 * left alone). A folder another process is using is refused.
 *
 * <p>Everything is written atomically (a temporary file renamed over the target; a model folder is
 * written aside and renamed into place), so a kill at any moment leaves either the old state or the
 * new; temporary files left by a kill are removed when the folder is next opened, and by
 * {@link #close()}.
 *
 * <p><b>What is kept</b> ({@link Keep}, not part of a run's identity: it changes no number). Bases are
 * stored while a run goes whatever is kept, since resuming needs them; {@link Keep#NONE} removes them
 * when the run has finished ({@link #discardUnkept}). {@link Keep#ALL} also stores each finished trial's
 * adapter, before its record, and a trial stored without one (by a run that kept less) runs again.
 */
public final class RunFolder implements BaseStore, AutoCloseable {

    public static final String MANIFEST = "run.json";
    public static final String FORMAT = "alignguard-run-1";
    public static final String TRIAL_FORMAT = "alignguard-trial-1";
    static final String LOCK = ".lock";
    public static final String BASES = "bases";
    public static final String TRIALS = "trials";
    public static final String LOGS = "logs";
    static final String BASE_DONE = "base.json";
    /** A base's alignment set, as JSON Lines. */
    public static final String ALIGNMENT_SET = "alignment.jsonl";
    /** A trial's adapter folder, under {@code trials/<content key>/}. */
    public static final String ADAPTER = "adapter";

    private static final ObjectMapper JSON = SummaryFiles.mapper();

    /** A folder refused for this run; the message says why and what to do. */
    public static final class RefusedException extends IOException {
        public RefusedException(String message) {
            super(message);
        }
    }

    /**
     * What makes two runs the same run.
     *
     * @param specSha256 SHA-256 of the spec's JSON and of the contents of the data files it names
     */
    public record Identity(String name, String specSha256, String projectVersion, String backend) {

        public static Identity of(ExperimentSpec spec, String projectVersion, Backend backend) {
            StringBuilder content = new StringBuilder(spec.toJson().toString());
            if (spec.data() != null) {
                spec.data().files().forEach((stage, file) -> content.append('\n').append(stage).append(' ')
                    .append(fileSha256(Path.of(file))));
            }
            return new Identity(spec.name(), sha256(content.toString()), projectVersion, backend.name());
        }

        boolean sameRun(Identity o) {
            return specSha256.equals(o.specSha256) && projectVersion.equals(o.projectVersion) && backend.equals(o.backend);
        }

        String describe() {
            return "spec '" + name + "' (sha256 " + specSha256.substring(0, Math.min(12, specSha256.length())) + "), version "
                + projectVersion + ", " + backend + " kernels";
        }
    }

    private final Path dir;
    private final Identity identity;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final PrintStream progress;
    private volatile Keep keep = Keep.BASES;

    private RunFolder(Path dir, Identity identity, FileChannel lockChannel, FileLock lock, PrintStream progress) {
        this.dir = dir;
        this.identity = identity;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.progress = progress;
    }

    // ---------------------------------------------------------------- opening

    /**
     * The folder a run without {@code --out} uses: {@code parent/name}, or the first of
     * {@code parent/name-2}, {@code name-3}, ... that is missing, empty, or holds this same run
     * (a folder holding another run, finished or not, or other files, is passed over).
     */
    public static Path defaultFolder(Path parent, String name, Identity id) {
        for (int i = 1;; i++) {
            Path candidate = parent.resolve(i == 1 ? name : name + "-" + i);
            if (!Files.exists(candidate)) {
                return candidate;
            }
            if (!Files.isDirectory(candidate)) {
                continue;
            }
            try {
                Manifest m = readManifest(candidate);
                if (m != null ? m.identity().sameRun(id) : entries(candidate).isEmpty()) {
                    return candidate;
                }
            } catch (IOException e) {
                // unreadable or not a run: pass it over
            }
        }
    }

    /**
     * Opens {@code dir} for the run {@code id}: creates it when missing, resumes the same run, and
     * refuses a file, an unwritable folder, a folder in use, a folder holding another run (unless
     * {@code fresh} or {@code force}) and a folder holding other files (unless {@code force}).
     *
     * @param fresh discard what an earlier run stored here and start over
     * @param force also write into a folder that holds files but no run
     * @throws RefusedException naming the folder, the problem and the way out
     */
    public static RunFolder open(Path dir, Identity id, boolean fresh, boolean force, PrintStream progress) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new RefusedException("run folder " + dir + " is a file, not a folder; --out names the folder a run writes"
                + " into (it is created when missing)");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new RefusedException("cannot create the run folder " + dir + ": " + reason(e));
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new RefusedException("cannot write into the run folder " + dir + ": " + reason(e) + "; --out must be a"
                + " writable folder");
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new RefusedException("run folder " + dir + " is in use by another alignguard run (it holds " + dir.resolve(LOCK)
                + "); wait for it to end, or choose another --out");
        }
        RunFolder folder = new RunFolder(dir, id, channel, lock, progress);
        try {
            folder.claim(fresh, force);
            return folder;
        } catch (IOException | RuntimeException e) {
            folder.release();
            throw e;
        }
    }

    private void claim(boolean fresh, boolean force) throws IOException {
        Manifest m;
        try {
            m = readManifest(dir);
        } catch (IOException e) {
            if (!force) {
                throw new RefusedException("run folder " + dir + " has a " + MANIFEST + " that is not a run manifest (" + e.getMessage()
                    + "); rerun with --force to replace what a run writes there, or choose another --out");
            }
            m = null;
        }
        List<String> entries = entries(dir);
        if (m != null && m.identity().sameRun(identity)) {
            if (fresh || force) {
                clear("starting over (--" + (fresh ? "fresh" : "force") + ")");
            } else {
                progress.printf("run folder %s: resuming (%d base(s) and %d trial(s) stored by an earlier run of this spec)%n", dir,
                    count(dir.resolve(BASES), true), count(dir.resolve(TRIALS), false));
            }
        } else if (m != null) {
            if (!(fresh || force)) {
                throw new RefusedException("run folder " + dir + " holds another run (" + m.identity().describe() + ", "
                    + m.state() + "); this run is " + identity.describe() + ". Rerun with --fresh to discard that run and start"
                    + " over there, or choose another --out");
            }
            clear("discarding the earlier run (" + m.identity().describe() + ")");
        } else if (!entries.isEmpty()) {
            if (!force) {
                throw new RefusedException("run folder " + dir + " holds files that are not an AlignGuard run (" + abbreviate(entries)
                    + "; no " + MANIFEST + "); rerun with --force to write into it (its summary.json, report.md, plots, logs/,"
                    + " bases/ and trials/ are replaced; other files are left alone), or choose another --out");
            }
            clear("writing into a folder with other files (--force)");
        }
        removeTemporaries();
        writeManifest("running");
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** Sets what the folder keeps (default {@link Keep#BASES}); returns this folder. */
    public RunFolder keep(Keep what) {
        this.keep = java.util.Objects.requireNonNull(what, "keep");
        return this;
    }

    /** What the folder keeps. */
    public Keep keep() {
        return keep;
    }

    /** Marks the run finished (after its summary was written). */
    public void markFinished() throws IOException {
        writeManifest("finished");
    }

    /** Removes temporary files and releases the folder. */
    @Override
    public void close() {
        removeTemporaries();
        release();
    }

    private void release() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException ignored) {
            // the OS releases the lock with the process anyway
        }
    }

    // ---------------------------------------------------------------- trials

    /**
     * A trial's identity for resume: a hash of what decides its result — the spec's settings (world,
     * model, stages, Fisher, fine-tuning, data), the method (kind, parameters, overrides), the strength,
     * the base and fine-tune seeds, the project version and the kernel backend — and nothing of its
     * position in the sweep, of the other methods or of the search that proposed it.
     */
    public static String trialKey(Trial trial, String projectVersion, String backend) {
        ObjectNode spec = ((ObjectNode) trial.spec().toJson()).deepCopy();
        spec.remove(List.of("name", "description", "base_seeds", "finetune_seeds", "methods", "analyses", "matched"));
        ObjectNode method = ((ObjectNode) ExperimentSpec.JSON.valueToTree(trial.method())).deepCopy();
        method.remove("strengths");
        ObjectNode o = ExperimentSpec.JSON.createObjectNode();
        o.put("format", TRIAL_FORMAT);
        o.put("project_version", projectVersion);
        o.put("backend", backend);
        o.set("spec", spec);
        o.set("method", method);
        o.put("strength_bits", Long.toHexString(Double.doubleToLongBits(trial.strength())));
        o.put("base_seed", trial.baseSeed());
        o.put("seed", trial.seed());
        return sha256(o.toString()).substring(0, 32);
    }

    private Path trialFile(Trial trial) {
        return dir.resolve(TRIALS).resolve(trialKey(trial, identity.projectVersion(), identity.backend()) + ".safetensors");
    }

    /** Where a trial's adapter is kept: {@code trials/<content key>/adapter/}. */
    public Path adapterDir(Trial trial) {
        return dir.resolve(TRIALS).resolve(trialKey(trial, identity.projectVersion(), identity.backend())).resolve(ADAPTER);
    }

    private static boolean hasAdapter(Path adapterDir) {
        return Files.exists(adapterDir.resolve(dev.alignguard.model.hf.AdapterFiles.CONFIG_FILE))
            && Files.exists(adapterDir.resolve(dev.alignguard.model.hf.AdapterFiles.WEIGHTS_FILE));
    }

    /** The outcome an earlier run stored for {@code trial}, or null (none, or unreadable: then it is removed and rerun). */
    public TrialRunner.Outcome storedOutcome(Trial trial) {
        Path file = trialFile(trial);
        if (!Files.exists(file)) {
            return null;
        }
        if (keep == Keep.ALL && !hasAdapter(adapterDir(trial))) {
            progress.printf("run folder %s: stored trial %s has no adapter kept (an earlier run kept less than --keep all);"
                + " running it again%n", dir, trial.label());
            return null;
        }
        try {
            SafetensorsFile f = Safetensors.read(file);
            Map<String, String> meta = f.metadata();
            if (!TRIAL_FORMAT.equals(meta.get("format"))) {
                throw new IOException("metadata format is " + meta.get("format") + ", expected " + TRIAL_FORMAT);
            }
            TrialRecord record = JSON.readValue(meta.get("record"), TrialRecord.class);
            Map<String, float[]> updates = new LinkedHashMap<>();
            for (JsonNode layer : JSON.readTree(meta.get("layers"))) {
                updates.put(layer.asText(), f.tensor("update/" + layer.asText()).toFloatArray());
            }
            return new TrialRunner.Outcome(record, updates);
        } catch (IOException | RuntimeException e) {
            progress.printf("run folder %s: stored trial %s is unreadable (%s); running it again%n", dir, file.getFileName(),
                e.getMessage());
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // it is overwritten when the trial finishes
            }
            return null;
        }
    }

    /** Stores a finished trial's outcome atomically; a failed trial is not stored (a resumed run tries it again). */
    public void store(Trial trial, TrialRunner.Outcome outcome) {
        if (outcome.record().failed()) {
            return;
        }
        Path file = trialFile(trial);
        try {
            if (keep == Keep.ALL && outcome.adapter() != null) { // before the record, which marks the trial finished
                Path adapter = adapterDir(trial);
                Path aside = adapter.resolveSibling("." + ADAPTER + ".tmp");
                deleteRecursively(aside);
                outcome.adapter().save(aside);
                deleteRecursively(adapter);
                Files.move(aside, adapter, StandardCopyOption.ATOMIC_MOVE);
            }
            List<StoredTensor> tensors = new ArrayList<>();
            ArrayNode layers = JSON.createArrayNode();
            outcome.finalAlignmentUpdates().forEach((layer, values) -> {
                layers.add(layer);
                tensors.add(StoredTensor.f32("update/" + layer, new long[] {values.length}, values));
            });
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", TRIAL_FORMAT);
            meta.put("trial", trial.label());
            meta.put("record", JSON.writeValueAsString(outcome.record()));
            meta.put("layers", layers.toString());
            Files.createDirectories(file.getParent());
            Safetensors.write(file, tensors, meta);
        } catch (IOException e) {
            throw new UncheckedIOException("could not store the finished trial " + trial.label() + " in " + file + ": "
                + reason(e), e);
        }
    }

    // ---------------------------------------------------------------- bases (BaseStore)

    private Path base(String key) {
        return dir.resolve(BASES).resolve(key);
    }

    private static String result(String stage) {
        return switch (stage) {
            case "pretrain" -> "unaligned";
            case "align" -> "aligned";
            default -> throw new IllegalArgumentException("no stored result for stage " + stage);
        };
    }

    @Override
    public void stage(String key, String stage, LlamaModel model, WordTokenizer tokenizer, Trainer trainer, int checkpointEvery,
                      long seed) {
        Path result = base(key).resolve(result(stage));
        Path checkpoint = base(key).resolve("checkpoints").resolve(stage + ".safetensors");
        try {
            if (Files.exists(result.resolve(ModelFiles.CONFIG_FILE))) {
                load(ModelFiles.loadModel(result), model, result);
                Files.deleteIfExists(checkpoint); // left when a run was killed between saving the result and removing it
                progress.printf("base %s: %s loaded from %s%n", key, stage, result);
                return;
            }
            AdamW optimizer = trainer.newOptimizer();
            int from = 0;
            if (Files.exists(checkpoint)) {
                try {
                    Checkpoint.Restored r = Checkpoint.load(checkpoint, optimizer.parameters(), optimizer);
                    from = r.stepsDone();
                    trainer.resumeDivergence(r.extra().get("divergence"));
                    progress.printf("base %s: %s resumed at step %d from %s%n", key, stage, from, checkpoint);
                } catch (IOException | RuntimeException e) {
                    progress.printf("base %s: the %s checkpoint %s is unreadable (%s); the stage starts over%n", key, stage, checkpoint,
                        e.getMessage());
                    optimizer = trainer.newOptimizer();
                }
            }
            if (checkpointEvery > 0) {
                int steps = trainer.steps();
                trainer.checkpointEvery(checkpointEvery, (done, opt) -> {
                    if (done < steps) {
                        Checkpoint.save(checkpoint, opt.parameters(), opt, done, seed, key + " " + stage,
                            Map.of("divergence", trainer.divergenceState()));
                    }
                });
            }
            trainer.run(optimizer, from);
            Path aside = base(key).resolve("." + result.getFileName() + ".tmp");
            deleteRecursively(aside);
            deleteRecursively(result); // never complete here (its config.json is written last): a leftover
            ModelFiles.save(model, tokenizer, aside);
            Files.move(aside, result, StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("run folder " + dir + ": could not keep the " + stage + " stage of base " + key + ": "
                + reason(e), e);
        }
    }

    /** Copies a stored model's weights into {@code into} (same config), so references to it stay valid. */
    private static void load(LlamaModel stored, LlamaModel into, Path from) throws IOException {
        if (!stored.config().equals(into.config())) {
            throw new IOException(from + " holds a model of another shape (" + stored.config() + ")");
        }
        for (Map.Entry<String, Tensor> e : into.parameters().entrySet()) {
            float[] v = stored.parameters().get(e.getKey()).data();
            System.arraycopy(v, 0, e.getValue().data(), 0, v.length);
        }
    }

    @Override
    public void keepAlignmentSet(String key, dev.alignguard.experiments.world.Dataset alignmentSet) {
        Path file = base(key).resolve(ALIGNMENT_SET);
        if (Files.exists(file)) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            dev.alignguard.experiments.world.JsonlDataset.write(file, alignmentSet);
        } catch (IOException e) {
            throw new UncheckedIOException("run folder " + dir + ": could not keep the alignment set of base " + key + " in " + file
                + ": " + reason(e), e);
        }
    }

    @Override
    public KeptFiles kept(List<Trial> trials, List<TrialRunner.Outcome> outcomes) {
        List<KeptFiles.Base> bases = new ArrayList<>();
        List<KeptFiles.Adapter> adapters = new ArrayList<>();
        if (keep != Keep.NONE) {
            Map<String, Long> distinct = new LinkedHashMap<>();
            trials.stream().sorted(Comparator.comparingLong(Trial::baseSeed))
                .forEach(t -> distinct.putIfAbsent(BaseModelCache.key(t.spec(), t.baseSeed()), t.baseSeed()));
            distinct.forEach((key, seed) -> {
                Path b = base(key);
                if (Files.exists(b.resolve(BASE_DONE))) {
                    bases.add(new KeptFiles.Base(seed, key, relative(b.resolve("unaligned")), relative(b.resolve("aligned")),
                        Files.exists(b.resolve(ALIGNMENT_SET)) ? relative(b.resolve(ALIGNMENT_SET)) : null));
                }
            });
        }
        if (keep == Keep.ALL) {
            for (int i = 0; i < trials.size(); i++) {
                Trial t = trials.get(i);
                Path a = adapterDir(t);
                if (!outcomes.get(i).record().failed() && hasAdapter(a)) {
                    adapters.add(new KeptFiles.Adapter(t.method().name(), t.strength(), t.baseSeed(), t.seed(), relative(a)));
                }
            }
        }
        return new KeptFiles(keep.label(), bases, adapters);
    }

    /** A path under the folder as summary.json names it: relative, with '/' whatever the system. */
    private String relative(Path p) {
        return dir.relativize(p).toString().replace(java.io.File.separatorChar, '/');
    }

    /**
     * With {@link Keep#NONE}, removes what the finished run no longer needs: the base folders (models,
     * checkpoints, alignment sets). A later run of the same spec then trains its bases again.
     */
    public void discardUnkept() throws IOException {
        if (keep == Keep.NONE) {
            deleteRecursively(dir.resolve(BASES));
        }
    }

    @Override
    public Finished finished(String key) {
        Path file = base(key).resolve(BASE_DONE);
        if (!Files.exists(file) || !Files.exists(base(key).resolve("unaligned").resolve(ModelFiles.CONFIG_FILE))
            || !Files.exists(base(key).resolve("aligned").resolve(ModelFiles.CONFIG_FILE))) {
            return null;
        }
        try {
            JsonNode o = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            return new Finished(JSON.treeToValue(o.get("unaligned"), Metrics.class), JSON.treeToValue(o.get("aligned"), Metrics.class));
        } catch (IOException | RuntimeException e) {
            progress.printf("base %s: %s is unreadable (%s); evaluating the base again%n", key, file, e.getMessage());
            return null;
        }
    }

    @Override
    public void finish(String key, Metrics unaligned, Metrics aligned) {
        Path file = base(key).resolve(BASE_DONE);
        try {
            ObjectNode o = JSON.createObjectNode();
            o.put("key", key);
            o.set("unaligned", JSON.valueToTree(unaligned));
            o.set("aligned", JSON.valueToTree(aligned));
            AtomicFiles.write(file, (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("run folder " + dir + ": could not record base " + key + " as finished in " + file + ": "
                + reason(e), e);
        }
    }

    // ---------------------------------------------------------------- manifest and housekeeping

    record Manifest(Identity identity, String state) {
    }

    /** The manifest in {@code dir}, or null when there is none. @throws IOException when it is not a manifest */
    static Manifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        if (!Files.exists(file)) {
            return null;
        }
        JsonNode o;
        try {
            o = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IOException("not JSON: " + e.getOriginalMessage());
        }
        if (o == null || !FORMAT.equals(o.path("format").asText())) {
            throw new IOException("its format is not " + FORMAT);
        }
        for (String f : List.of("name", "spec_sha256", "project_version", "backend", "state")) {
            if (!o.path(f).isTextual()) {
                throw new IOException("it lacks \"" + f + "\"");
            }
        }
        return new Manifest(new Identity(o.get("name").asText(), o.get("spec_sha256").asText(), o.get("project_version").asText(),
            o.get("backend").asText()), o.get("state").asText());
    }

    private void writeManifest(String state) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", FORMAT);
        o.put("name", identity.name());
        o.put("spec_sha256", identity.specSha256());
        o.put("project_version", identity.projectVersion());
        o.put("backend", identity.backend());
        o.put("state", state);
        try {
            AtomicFiles.write(dir.resolve(MANIFEST), (JSON.writeValueAsString(o) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RefusedException("cannot write into the run folder " + dir + ": " + reason(e) + "; --out must be a writable"
                + " folder");
        }
    }

    /** Deletes what a run writes here (not other files), after saying why. */
    private void clear(String why) throws IOException {
        progress.printf("run folder %s: %s%n", dir, why);
        for (String name : List.of(MANIFEST, SummaryFiles.FILE_NAME, "report.md", Plots.PARETO, Plots.CURVES, Plots.SPECTRUM,
            Plots.ABLATION)) {
            Files.deleteIfExists(dir.resolve(name));
        }
        for (String sub : List.of(LOGS, BASES, TRIALS)) {
            deleteRecursively(dir.resolve(sub));
        }
    }

    /**
     * Removes the temporary files a run leaves when it is killed: a trial log still being written
     * ({@code logs/*.tmp}), an atomic write cut short ({@code .NAME.HEX.tmp}), a model folder written aside
     * ({@code bases/KEY/.unaligned.tmp}).
     */
    void removeTemporaries() {
        try {
            deleteTemporaries(dir, false);
            for (String sub : List.of(LOGS, TRIALS, BASES)) {
                deleteTemporaries(dir.resolve(sub), true);
            }
        } catch (IOException | UncheckedIOException e) {
            progress.printf("run folder %s: could not remove every temporary file (%s)%n", dir, e.getMessage());
        }
    }

    private static void deleteTemporaries(Path root, boolean recursive) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> found = new ArrayList<>();
        try (Stream<Path> s = recursive ? Files.walk(root) : Files.list(root)) {
            s.filter(p -> !p.equals(root) && p.getFileName().toString().endsWith(".tmp")).forEach(found::add);
        }
        for (Path p : found) {
            deleteRecursively(p);
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (NoSuchFileException e) {
            // removed meanwhile
        }
    }

    private static List<String> entries(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String n = p.getFileName().toString();
                if (!n.equals(LOCK)) {
                    names.add(n);
                }
            }
        }
        names.sort(null);
        return names;
    }

    private static int count(Path dir, boolean directories) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.filter(p -> !p.getFileName().toString().startsWith("."))
                .filter(p -> directories ? Files.exists(p.resolve(BASE_DONE)) : p.toString().endsWith(".safetensors")).count();
        }
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 4 ? String.join(", ", names) : String.join(", ", names.subList(0, 4)) + ", ... (" + names.size()
            + " entries)";
    }

    /** An I/O error's reason, with the path it names when the message does not already. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied (" + a.getFile() + ")";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + " (" + f.getFile() + ")";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fileSha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read data file " + file + " named in the spec: " + reason(e), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
