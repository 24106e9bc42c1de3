package dev.alignguard.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.alignguard.experiments.pipeline.RunFolderTest;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The probe of issue 11: every case the issue found wrong, run as a user runs it (the command line,
 * in this JVM), with what it does now. Each case asserts its exit code and its one-line message
 * (file or path, field, value, what is allowed), that no Java stack trace reaches the user, and that
 * nothing was trained or replaced. The table is printed at the end. The kill-and-resume cases run in
 * {@code pipeline.ResumeTest} (a JVM of their own); the full-disk case in {@code SafetensorsTest}
 * (a write that fails with "No space left on device" names its file); the default folder in
 * {@code pipeline.RunFolderTest}.
 */
class IssueElevenProbeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TABLE = new ArrayList<>();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {

        String firstErrorLine() {
            return err.lines().findFirst().orElse("");
        }
    }

    /** {@code alignguard ARGS} in this JVM: exit code, standard output (the run's too), standard error. */
    static Run alignguard(Object command, String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream sysout = new ByteArrayOutputStream();
        StringWriter out = new StringWriter(), err = new StringWriter();
        try (PrintStream capture = new PrintStream(sysout, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            CommandLine cli = AlignGuardCli.commandLine(command);
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int code = cli.execute(args);
            return new Run(code, out + sysout.toString(StandardCharsets.UTF_8), err.toString());
        } finally {
            System.setOut(saved);
        }
    }

    static Run alignguard(String... args) {
        return alignguard(new AlignGuardCli(), args);
    }

    /** Records the case for the table and checks what every refusal shares: exit code, one line, no stack trace. */
    private static Run expect(String item, String what, Run r, int code, String... inMessage) {
        TABLE.add(String.format(Locale.ROOT, "| %s | %s | %d | %s |", item, what, r.code(),
            (r.code() == 0 ? "(ok)" : r.err().isBlank() ? lastLine(r.out()) : r.firstErrorLine()).replace("|", "\\|")));
        assertEquals(code, r.code(), what + "\n" + r.out() + r.err());
        assertFalse(r.err().contains("\tat "), what + ": no stack trace reaches the user\n" + r.err());
        for (String s : inMessage) {
            assertTrue(r.err().contains(s) || r.out().contains(s), what + ": expected '" + s + "' in\n" + r.err() + r.out());
        }
        return r;
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.stream().filter(l -> l.contains("failed")).findFirst().orElse(lines.isEmpty() ? "" : lines.getLast()).strip();
    }

    private Path tinySpec(String name, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode s = (ObjectNode) JSON.readTree(Path.of("src/test/resources/tiny-study.json").toFile());
        s.put("name", name);
        edit.accept(s);
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(s));
        return file;
    }

    private static ObjectNode at(ObjectNode s, String... path) {
        ObjectNode n = s;
        for (String p : path) {
            n = (ObjectNode) n.get(p);
        }
        return n;
    }

    /** Keeps the methods at these indexes of the tiny spec, base seed 7 and fine-tune seed 1 only. */
    private static void cut(ObjectNode s, int... methods) {
        var all = s.withArray("methods");
        var kept = JSON.createArrayNode();
        for (int i : methods) {
            kept.add(all.get(i));
        }
        s.set("methods", kept);
        s.putArray("base_seeds").add(7);
        s.putArray("finetune_seeds").add(1);
    }

    // ---------------------------------------------------------------- 1. late validation

    @Test
    void item1EverythingCheckableIsCheckedBeforeAnyTraining() throws IOException {
        record Bad(String field, String value, String allowed, Consumer<ObjectNode> edit) {
        }
        List<Bad> cases = List.of(
            new Bad("analyses[0]", "\"foo\"", "subspace_stability, power_law", s -> s.putArray("analyses").add("foo")),
            new Bad("fisher.estimator", "\"magic\"", "exact, lanczos, kfac, diagonal", s -> at(s, "fisher").put("estimator", "magic")),
            new Bad("fisher.energy", "2", "(0, 1]", s -> at(s, "fisher").put("energy", 2)),
            new Bad("fisher.examples", "0", ">= 1", s -> at(s, "fisher").put("examples", 0)),
            new Bad("finetune.lora.r", "0", ">= 1", s -> at(s, "finetune", "lora").put("r", 0)),
            new Bad("finetune.lora.lora_dropout", "1", "[0, 1)", s -> at(s, "finetune", "lora").put("lora_dropout", 1)),
            new Bad("finetune.lora.target_modules[0]", "\"qq_proj\"", "q_proj, k_proj, v_proj",
                s -> at(s, "finetune", "lora").putArray("target_modules").add("qq_proj")));
        int i = 0;
        for (Bad b : cases) {
            Path spec = tinySpec("bad" + i++, b.edit());
            Path out = dir.resolve("out-" + spec.getFileName());
            expect("1", b.field() + " " + b.value(), alignguard("run", spec.toString(), "--out", out.toString()), 1,
                spec.toString(), b.field() + " is " + b.value(), "allowed: ", b.allowed());
            assertFalse(Files.exists(out), "nothing ran, not even the run folder was made");
        }
        Path ro = RunFolderTest.ProbeFoldersAccess.readOnly(dir);
        Path fine = tinySpec("fine", s -> cut(s, 0));
        expect("1", "read-only --out", alignguard("run", fine.toString(), "--out", ro.toString()), 1,
            "cannot write into the run folder " + ro);
    }

    // ---------------------------------------------------------------- 2. sizes

    @Test
    void item2SizesAreEstimatedBeforeAllocatingAndErrorsNeverPrintATrace() throws IOException {
        Path hidden = tinySpec("hidden", s -> at(s, "model").put("hidden_size", 1_000_000_000));
        expect("2", "hidden_size 1e9", alignguard("run", hidden.toString(), "--out", dir.resolve("h").toString()), 1,
            "model.hidden_size x model.hidden_size is 1000000000 x 1000000000", "allowed: at most 536870909 values");
        Path wide = tinySpec("wide", s -> at(s, "model").put("hidden_size", 65536).put("intermediate_size", 65536));
        expect("2", "hidden = intermediate = 65536", alignguard("run", wide.toString(), "--out", dir.resolve("w").toString()), 1,
            "model.intermediate_size x model.hidden_size is 65536 x 65536 = 4294967296 values");
        Path deep = tinySpec("deep", s -> at(s, "model").put("num_hidden_layers", 1_000_000));
        expect("2", "num_hidden_layers 1e6", alignguard("run", deep.toString(), "--out", dir.resolve("d").toString()), 1,
            deep.toString(), "1000000 layers", "ALIGNGUARD_JAVA_OPTS=-Xmx");
        Path sevenB = tinySpec("seven-b", s -> at(s, "model").put("hidden_size", 4096).put("intermediate_size", 11008)
            .put("num_hidden_layers", 32).put("num_attention_heads", 32).put("num_key_value_heads", 32));
        expect("2", "a 7B-sized model", alignguard("run", sevenB.toString(), "--out", dir.resolve("s").toString()), 1,
            "the study needs about", "this JVM may use at most", "ALIGNGUARD_JAVA_OPTS=-Xmx");
        assertFalse(Files.exists(dir.resolve("s")));

        Path config7b = Files.writeString(dir.resolve("7b.json"), "{\"vocab_size\": 32000, \"hidden_size\": 4096, "
            + "\"intermediate_size\": 11008, \"num_hidden_layers\": 32, \"num_attention_heads\": 32}");
        expect("2", "model init, 7B config", alignguard("model", "init", "--config", config7b.toString(), "--seed", "1", "--out",
            dir.resolve("m7b").toString()), 1, config7b.toString(), "6,738,415,616 parameters", "ALIGNGUARD_JAVA_OPTS=-Xmx");
        Path configBig = Files.writeString(dir.resolve("big.json"), "{\"vocab_size\": 100, \"hidden_size\": 1000000000, "
            + "\"intermediate_size\": 64, \"num_hidden_layers\": 1, \"num_attention_heads\": 4}");
        expect("2", "model init, hidden_size 1e9", alignguard("model", "init", "--config", configBig.toString(), "--seed", "1",
            "--out", dir.resolve("mbig").toString()), 1, configBig.toString(), "vocab_size x hidden_size = 100 x 1000000000");
        assertFalse(Files.exists(dir.resolve("m7b")) || Files.exists(dir.resolve("mbig")));

        Run oom = expect("2", "an OutOfMemoryError", alignguard(new Throws(new OutOfMemoryError("Java heap space"))), 1,
            "error: out of memory (Java heap space)", "ALIGNGUARD_JAVA_OPTS=-Xmx");
        assertEquals(1, oom.err().lines().count(), oom.err());
        expect("2", "a StackOverflowError", alignguard(new Throws(new StackOverflowError())), 1, "error: stack overflow");
        Run debug = alignguard(new Throws(new OutOfMemoryError("Java heap space")), "--debug");
        assertEquals(1, debug.code());
        assertTrue(debug.err().contains("\tat "), "--debug prints the trace\n" + debug.err());
        Run bug = alignguard(new Throws(new NegativeArraySizeException("-899345920")));
        assertTrue(bug.err().startsWith("error: NegativeArraySizeException: -899345920\n(an internal error: rerun with --debug"),
            bug.err());
    }

    /** A command that throws what it is given. */
    @Command(name = "throws")
    static final class Throws implements Callable<Integer> {

        private final Throwable thrown;

        Throws(Throwable thrown) {
            this.thrown = thrown;
        }

        @Override
        public Integer call() throws Exception {
            if (thrown instanceof Error e) {
                throw e;
            }
            throw (Exception) thrown;
        }
    }

    // ---------------------------------------------------------------- 3. duplicates

    @Test
    void item3DuplicateSeedsStrengthsAndNamesAreRefused() throws IOException {
        Path seeds = tinySpec("seeds", s -> s.putArray("finetune_seeds").add(1).add(1));
        expect("3", "finetune_seeds [1, 1]", alignguard("run", seeds.toString(), "--out", dir.resolve("a").toString()), 1,
            seeds.toString(), "finetune_seeds lists a seed twice: [1, 1]");
        Path bases = tinySpec("bases", s -> s.putArray("base_seeds").add(7).add(7));
        expect("3", "base_seeds [7, 7]", alignguard("run", bases.toString(), "--out", dir.resolve("a").toString()), 1,
            bases.toString(), "base_seeds lists a seed twice: [7, 7]");
        Path strengths = tinySpec("strengths", s -> ((ObjectNode) s.withArray("methods").get(1)).putArray("strengths").add(0.1).add(0.1));
        expect("3", "strengths [0.1, 0.1]", alignguard("run", strengths.toString(), "--out", dir.resolve("b").toString()), 1,
            "methods[1].strengths[1] is 0.1; each strength of method 'alignguard' may be listed once");
        Path names = tinySpec("names", s -> ((ObjectNode) s.withArray("methods").get(1)).put("name", "lora"));
        expect("3", "two methods named lora", alignguard("run", names.toString(), "--out", dir.resolve("c").toString()), 1,
            names.toString(), "two methods are named lora");
    }

    // ---------------------------------------------------------------- 4, 5, 6, 7. divergence, failed logs, resume, folders

    @Test
    void items4To7DivergenceFailedLogsResumeAndOtherRunsFolders() throws IOException {
        Path pretrain = tinySpec("pretrain-lr", s -> {
            cut(s, 0);
            at(s, "pretrain").put("learning_rate", 1e6);
        });
        Path outP = dir.resolve("pretrain-lr");
        expect("4", "pretrain learning_rate 1e6", alignguard("run", pretrain.toString(), "--out", outP.toString()), 1,
            "error: training diverged in stage pretrain at step ");
        assertFalse(Files.exists(outP.resolve("summary.json")));

        // standard LoRA (the drift reference) at a learning rate of 1e6, EWC at the spec's
        Path finetune = tinySpec("finetune-lr", s -> {
            cut(s, 0, 4);
            ((ObjectNode) s.withArray("methods").get(0)).putObject("overrides").put("finetune.training.learning_rate", 1e6);
        });
        Path out = dir.resolve("finetune-lr");
        Run r = expect("4", "fine-tuning learning_rate 1e6 (the drift reference)",
            alignguard("run", finetune.toString(), "--out", out.toString()), 3);
        assertTrue(r.out().contains("1 trial(s) failed"), r.out());
        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        JsonNode failure = summary.get("failures").get(0);
        assertTrue(failure.get("error").asText().contains("training diverged in stage finetune at step "), failure.toString());
        JsonNode ewc = summary.get("trials").get(1);
        assertFalse(ewc.get("metrics").has("drift_reduction"), "no drift reduction against a failed reference");
        assertTrue(ewc.get("notes").get("drift_reduction").asText().startsWith("n/a: its drift reference, lora base 7 seed 1, failed: "),
            ewc.toString());
        assertTrue(Files.readString(out.resolve("report.md")).contains("its drift reference, lora base 7 seed 1, failed"));

        TABLE.add("| 5 | failed trial's log | - | " + failure.get("log").asText() + " |");
        assertEquals("logs/lora-base7-seed1.failed.jsonl", failure.get("log").asText());
        assertTrue(Files.size(out.resolve("logs/lora-base7-seed1.failed.jsonl")) > 0);
        try (Stream<Path> files = Files.walk(out)) {
            assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "no .tmp left");
        }

        Run again = expect("6", "the same command again", alignguard("run", finetune.toString(), "--out", out.toString()), 3,
            "(1 trial(s) kept from an earlier run, 1 run now)");
        assertTrue(again.out().contains("run folder " + out + ": resuming"), again.out());

        Path changed = tinySpec("finetune-lr", s -> {
            cut(s, 0, 4);
            s.putArray("finetune_seeds").add(2);
        });
        expect("6/7", "another spec into that folder", alignguard("run", changed.toString(), "--out", out.toString()), 1,
            "run folder " + out + " holds another run (spec 'finetune-lr'", "Rerun with --fresh");
        Files.writeString(dir.resolve("notes.txt"), "mine");
        expect("7", "a folder holding other files", alignguard("run", changed.toString(), "--out", dir.toString()), 1,
            "holds files that are not an AlignGuard run", "--force");
        expect("7", "--force takes it (then pretrain diverges)", alignguard("run", pretrain.toString(), "--out", dir.toString(),
            "--force"), 1, "training diverged in stage pretrain");
        assertEquals("mine", Files.readString(dir.resolve("notes.txt")));
    }

    // ---------------------------------------------------------------- 8. messages

    @Test
    void item8EveryMessageNamesThePathAndNothingIsReplacedEarly() throws IOException {
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        Path spec = tinySpec("msg", s -> cut(s, 0));
        expect("8", "--out naming a file", alignguard("run", spec.toString(), "--out", afile.toString()), 1,
            "run folder " + afile + " is a file, not a folder");

        expect("8", "model --help", alignguard("model", "--help"), 0, "Usage: alignguard model");

        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("summary.json"), "{}");
        expect("8", "report on an empty {} summary", alignguard("report", empty.toString()), 1,
            empty.resolve("summary.json") + " is not a run's summary");
        assertFalse(Files.exists(empty.resolve("report.md")));

        Path config = Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 10, \"hidden_size\": 8, "
            + "\"intermediate_size\": 12, \"num_hidden_layers\": 1, \"num_attention_heads\": 2}");
        Path model = dir.resolve("model");
        expect("8", "model init (a good one)", alignguard("model", "init", "--config", config.toString(), "--seed", "1", "--out",
            model.toString()), 0);
        Path tokens = Files.writeString(dir.resolve("tokens.json"), "[[1, 2, 3]]");
        Path outJson = Files.writeString(dir.resolve("O.json"), "previous");
        expect("8", "model forward, --grads under a file", alignguard("model", "forward", "--model", model.toString(), "--tokens",
            tokens.toString(), "--out", outJson.toString(), "--grads", afile.resolve("g.safetensors").toString()), 1,
            afile.resolve("g.safetensors") + ": --grads lies under " + afile + ", which is a file");
        assertEquals("previous", Files.readString(outJson), "O.json is not replaced before everything has succeeded");
        Path gradsDir = Files.createDirectories(dir.resolve("grads-dir"));
        expect("8", "model forward, --grads a directory", alignguard("model", "forward", "--model", model.toString(), "--tokens",
            tokens.toString(), "--out", outJson.toString(), "--grads", gradsDir.toString()), 1,
            gradsDir + ": --grads names a directory");
        assertEquals("previous", Files.readString(outJson));

        Path weights = model.resolve("model.safetensors");
        Files.delete(weights);
        Files.createDirectories(weights);
        expect("8", "a directory given as safetensors", alignguard("model", "forward", "--model", model.toString(), "--tokens",
            tokens.toString(), "--out", outJson.toString()), 1, weights + ": is a directory, not a safetensors file");
        assertEquals("previous", Files.readString(outJson));
    }

    @AfterAll
    static void printTable() {
        System.out.println("issue 11 probe (item | case | exit code | first line of standard error):");
        System.out.println("| item | case | rc | message |\n|---|---|---:|---|");
        TABLE.forEach(System.out::println);
    }
}
