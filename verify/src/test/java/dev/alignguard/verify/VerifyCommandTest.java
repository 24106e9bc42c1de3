package dev.alignguard.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.alignguard.math.kernels.opencl.OpenClKernels;
import dev.alignguard.experiments.cli.AlignGuardCli;
import dev.alignguard.proofs.harness.Laws;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code alignguard verify} end to end, in this JVM: a deliberately broken build fails with its shrunk
 * counterexample and a replay command that replays it; a passing run writes the report; intensity
 * and tries set the examples; the laws of a given model run on a folder from {@code model init};
 * bad input is refused with exit code 2.
 */
class VerifyCommandTest {

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    private Run verify(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        VerifyCommand command = new VerifyCommand();
        command.extraPackages = List.of("dev.alignguard.verify.fixture");
        int code = VerifyCommand.execute(command, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), args);
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println(r.out() + r.err());
        return r;
    }

    private static JsonNode report(Path out) throws IOException {
        return ReportFiles.MAPPER.readTree(out.resolve(ReportFiles.JSON).toFile());
    }

    // ---------------------------------------------------------------- a broken build

    @Test
    void aBrokenProjectorFailsWithItsShrunkCounterexampleAndACommandThatReplaysIt() throws IOException {
        Path out = dir.resolve("broken");
        Run r = verify("--laws", "BrokenProjectorFixture#idempotent,BrokenProjectorFixture#selfAdjoint", "--out", out.toString());
        assertEquals(1, r.code(), "a law that does not hold fails the run");
        assertTrue(r.out().contains("ProjectorLaws.idempotent (BrokenProjectorFixture) 60 examples ... FAILED"), r.out());
        assertTrue(r.out().contains("ProjectorLaws.selfAdjoint (BrokenProjectorFixture) 60 examples ... ok"), r.out());
        assertTrue(r.out().contains("smallest counterexample (after"), r.out());
        assertTrue(r.out().contains("1 of 2 laws did not hold (1 failed, 0 skipped)"), r.out());

        JsonNode report = report(out);
        assertFalse(report.get("passed").asBoolean());
        assertEquals(1, report.get("counts").get("failed").asInt());
        JsonNode failed = law(report, "BrokenProjectorFixture#idempotent");
        assertEquals("FAILED", failed.get("result").asText());
        assertEquals("ProjectorLaws", failed.get("declared_in").asText());
        assertEquals("ScaledAboveRankTwo[D=3, rank=3] with Gaussian x, y and a range element", failed.get("counterexample").asText(),
            "shrunk to the smallest failing shape");
        assertTrue(failed.get("worst_error_to_bound").asDouble() > 1, "the failed check is above its bound");
        long seed = failed.get("seed").asLong();
        assertEquals(Laws.defaultSeed("BrokenProjectorFixture#idempotent"), seed);
        String replay = "./alignguard verify --laws 'BrokenProjectorFixture#idempotent' --seed " + seed + " --intensity quick";
        assertEquals(replay, failed.get("replay").asText());
        assertTrue(r.out().contains("    replay: " + replay), r.out());
        assertTrue(failed.get("replay_maven").asText().contains("-Dtest='BrokenProjectorFixture#idempotent' -Dalignguard.seed=" + seed),
            failed.get("replay_maven").asText());
        assertEquals("PASSED", law(report, "BrokenProjectorFixture#selfAdjoint").get("result").asText());
        String md = Files.readString(out.resolve(ReportFiles.MARKDOWN));
        assertTrue(md.contains("**1 of 2 laws did not hold**") && md.contains(replay), md);

        // the replay command, run as printed (from a random seed, so the seed is really passed on)
        Path first = dir.resolve("random");
        verify("--laws", "BrokenProjectorFixture#idempotent", "--seed", "random", "--out", first.toString());
        JsonNode drawn = law(report(first), "BrokenProjectorFixture#idempotent");
        List<String> words = shellWords(drawn.get("replay").asText());
        assertEquals(List.of("./alignguard", "verify"), words.subList(0, 2));
        List<String> args = new ArrayList<>(words.subList(2, words.size()));
        args.addAll(List.of("--out", dir.resolve("replayed").toString()));
        Run again = verify(args.toArray(String[]::new));
        assertEquals(1, again.code());
        JsonNode replayed = law(report(dir.resolve("replayed")), "BrokenProjectorFixture#idempotent");
        assertEquals(drawn.get("seed").asLong(), replayed.get("seed").asLong());
        assertEquals(drawn.get("counterexample").asText(), replayed.get("counterexample").asText());
        assertEquals(drawn.get("examples_checked").asInt(), replayed.get("examples_checked").asInt());
    }

    /** Splits a command line of plain and single-quoted words. */
    private static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("'([^']*)'|(\\S+)").matcher(line);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return words;
    }

    private static JsonNode law(JsonNode report, String name) {
        for (JsonNode law : report.get("results")) {
            if (law.get("law").asText().equals(name)) {
                return law;
            }
        }
        throw new AssertionError("no law " + name + " in the report");
    }

    // ---------------------------------------------------------------- a run that passes

    @Test
    void aRunThatHoldsExitsZeroAndWritesTheReport() throws IOException {
        Path out = dir.resolve("ok");
        String placementBefore = System.getProperty(OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY); // the build sets it
        Run r = verify("--laws", "BasisProjectorProperties,VecProperties#dots*", "--tries", "5", "--seed", "12345",
            "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode report = report(out);
        assertTrue(report.get("passed").asBoolean());
        assertEquals(9, report.get("counts").get("laws").asInt(), "8 projector laws and one Vec law");
        assertEquals(9, r.out().lines().filter(l -> l.startsWith("[law ")).count(), "a progress line per law");
        assertTrue(r.out().contains("[law 9/9] "), r.out());
        for (JsonNode law : report.get("results")) {
            assertEquals("PASSED", law.get("result").asText());
            assertEquals(5, law.get("examples").asInt(), law.toString());
            assertEquals(5, law.get("examples_checked").asInt(), law.toString());
            assertEquals(12345, law.get("seed").asLong());
            assertTrue(law.get("replay").isNull());
        }
        JsonNode idempotent = law(report, "BasisProjectorProperties#idempotent");
        double worst = idempotent.get("worst_error_to_bound").asDouble();
        assertTrue(worst >= 0 && worst < 1, "an error below its bound: " + worst);
        assertTrue(law(report, "BasisProjectorProperties#inPlaceEqualsOutOfPlace").get("worst_error_to_bound").isNull(),
            "an exact law has no numeric bound");
        assertEquals("12345", report.get("seed").asText());
        assertEquals(5, report.get("tries").asInt());
        assertTrue(report.get("intensity").isNull());
        assertTrue(report.get("jvm").asText().contains(System.getProperty("java.version")));
        assertFalse(report.get("version").asText().isBlank());
        assertTrue(report.get("git_commit").asText().matches("[0-9a-f]{40}|unknown"), report.get("git_commit").asText());
        assertEquals("./alignguard verify --laws 'BasisProjectorProperties,VecProperties#dots*' --tries 5 --seed 12345 --out "
            + Laws.shellWord(out.toString()), report.get("command").asText());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(ReportFiles.JSON, ReportFiles.MARKDOWN),
                files.map(p -> p.getFileName().toString()).sorted().toList(), "the two reports and nothing half-written");
        }
        assertTrue(Files.readString(out.resolve(ReportFiles.MARKDOWN)).contains("**Every law held: 9 of 9.**"));
        for (String key : List.of(Laws.SEED, Laws.EXAMPLES, Laws.EXAMPLES_FACTOR, Laws.MODEL, Laws.BACKEND)) {
            assertNull(System.getProperty(key), key + " is restored after the run");
        }
        assertEquals(placementBefore, System.getProperty(OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY),
            "the OpenCL placement property is restored after the run");
    }

    /** The OpenCL laws test the device kernels: a verify run puts every OpenCL op on the device, however small. */
    @Test
    void aVerifyRunPutsEveryOpenClOpOnTheDevice() {
        Verification v = new Verification(new Verification.Settings(null, Intensity.QUICK, null, null, "opencl", null,
            List.of(Verification.LAWS_PACKAGE)));
        assertEquals("0", v.properties().get(OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY));
    }

    @Test
    void intensityMultipliesEveryLawsExamples() throws IOException {
        Path out = dir.resolve("standard");
        assertEquals(0, verify("--laws", "VecProperties", "--intensity", "standard", "--out", out.toString()).code());
        JsonNode report = report(out);
        assertEquals("standard", report.get("intensity").asText());
        assertEquals(10, report.get("examples_factor").asInt());
        for (JsonNode law : report.get("results")) {
            assertEquals(600, law.get("examples").asInt(), "60 examples in ./test, x 10: " + law);
            assertEquals(600, law.get("examples_checked").asInt());
        }
    }

    // ---------------------------------------------------------------- a given model

    @Test
    void theLawsOfAGivenModelRunOnAFolderFromModelInit() throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, """
            {"vocab_size": 20, "hidden_size": 8, "intermediate_size": 12, "num_hidden_layers": 1,
             "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 12}
            """);
        Path model = dir.resolve("model");
        assertEquals(0, AlignGuardCli.execute(new AlignGuardCli(), "model", "init", "--config", config.toString(), "--seed", "3",
            "--out", model.toString()));
        Path out = dir.resolve("model-report");
        Run r = verify("--model", model.toString(), "--laws", "GivenModelProperties", "--tries", "2", "--backend", "scalar",
            "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("backend scalar, model " + model.toAbsolutePath().normalize()), r.out());
        JsonNode report = report(out);
        assertEquals(model.toAbsolutePath().normalize().toString(), report.get("model").asText());
        assertEquals("scalar", report.get("model_laws_backend").asText());
        List<String> laws = new ArrayList<>();
        report.get("results").forEach(l -> laws.add(l.get("method").asText()));
        assertEquals(List.of("fisherProjectorAndItsComplementSplitEveryUpdate", "fisherProjectorIsIdempotent", "fisherProjectorIsSymmetric",
            "freshAdapterIsAnExactNoOp", "gradientMatchesFiniteDifferences", "gradientMatchesFiniteDifferencesAtUnitGain",
            "gramFisherEigenpairsSatisfyTheEigenEquation", "mergedForwardEqualsUnmerged"), laws.stream().sorted().toList());

        Run missing = verify("--model", dir.resolve("absent").toString(), "--out", out.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("error: " + dir.resolve("absent") + ": not a model folder"), missing.err());
    }

    // ---------------------------------------------------------------- selection and bad input

    @Test
    void backendChoosesItsAgreementLawsAndTheOpenClLawsRunLast() {
        List<String> all = Arrays.asList(verify("--list").out().strip().split("\n"));
        assertTrue(all.contains("VectorKernelsOneThreadLawsTest#gemmAgreesWithinRoundingBound"));
        assertTrue(all.contains("OpenClKernelsLawsTest#gemmAgreesWithinRoundingBound"));
        int firstOpenCl = 0;
        while (firstOpenCl < all.size() && !all.get(firstOpenCl).startsWith("OpenCl")) {
            firstOpenCl++;
        }
        assertTrue(firstOpenCl < all.size() && all.subList(firstOpenCl, all.size()).stream().allMatch(l -> l.startsWith("OpenCl")),
            "the OpenCL laws (kernels, subspace ops) come last: " + all.subList(Math.max(0, firstOpenCl - 1), all.size()));
        assertTrue(all.contains("OpenClSubspaceOpsLawsTest#splitOnOpenClAgreesWithTheScalarReference"));
        assertTrue(all.stream().noneMatch(l -> l.startsWith("LawsHarnessTest#") || l.startsWith("BrokenProjectorLaws#")),
            "the harness's own tests (and its broken projector) are not laws");
        assertTrue(all.stream().noneMatch(l -> l.startsWith("ReaderFuzzLawsTest") || l.startsWith("NoJavaDeserializationTest")),
            "neither the fuzz laws' own fixture nor the repository scan is a law");
        assertTrue(all.contains("GivenModelProperties#freshAdapterIsAnExactNoOp"));

        List<String> vector = Arrays.asList(verify("--list", "--backend", "vector").out().strip().split("\n"));
        assertTrue(vector.contains("VectorKernelsTwoThreadsLawsTest#softmaxAgreesWithinRoundingBound"));
        assertTrue(vector.contains("VectorExpProperties#sigmoidStaysWithinAFewUlpsOfTheReference"));
        assertTrue(vector.stream().noneMatch(l -> l.startsWith("OpenCl")), vector.toString());
        assertTrue(vector.contains("BasisProjectorProperties#idempotent"), "laws of no backend stay");

        List<String> scalar = Arrays.asList(verify("--list", "--backend", "scalar").out().strip().split("\n"));
        assertTrue(scalar.stream().noneMatch(l -> l.startsWith("OpenCl") || l.startsWith("Vector")), scalar.toString());
        assertEquals(all.size() - 11 * 3 - 1 - 2 - 1, scalar.size(),
            "every law but the 11 backend laws x 3 classes, the 3 other Vector laws and the OpenCL subspace-ops law");

        List<String> idempotent = Arrays.asList(verify("--list", "--laws", "ProjectorLaws#idempotent").out().strip().split("\n"));
        assertTrue(idempotent.containsAll(List.of("BasisProjectorProperties#idempotent", "MaskProjectorProperties#idempotent",
            "KroneckerByRankProjectorProperties#idempotent", "KroneckerByEnergyProjectorProperties#idempotent")), idempotent.toString());
    }

    @Test
    void badInputIsRefusedWithExitCodeTwo() {
        assertRefused(verify("--laws", "NoSuchLaw", "--out", dir.toString()), "no law matches --laws 'NoSuchLaw'");
        assertRefused(verify("--tries", "0", "--out", dir.toString()), "--tries must be at least 1");
        assertRefused(verify("--intensity", "hard", "--out", dir.toString()), "--intensity must be quick, standard or exhaustive");
        assertRefused(verify("--tries", "5", "--intensity", "quick"), "mutually exclusive");
        assertRefused(verify("--seed", "soon"), "--seed must be a number");
        assertRefused(verify("--backend", "gpu"), "--backend must be one of [scalar, vector, opencl]");
        assertRefused(verify("--laws", "A#b#c"), "is not CLASS or CLASS#METHOD");
        assertFalse(Files.exists(dir.resolve(ReportFiles.JSON)), "no report for a run that did not start");
    }

    private static void assertRefused(Run r, String message) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    @Test
    void everyBackendLawsClassCarriesItsBackendTag() throws ClassNotFoundException {
        Class<?> backendLaws = Class.forName("dev.alignguard.proofs.kernels.BackendLaws");
        List<String> vector = Arrays.asList(verify("--list", "--backend", "vector").out().strip().split("\n"));
        List<String> opencl = Arrays.asList(verify("--list", "--backend", "opencl").out().strip().split("\n"));
        for (String name : List.of("VectorKernelsOneThreadLawsTest", "VectorKernelsTwoThreadsLawsTest", "OpenClKernelsLawsTest")) {
            Class<?> c = Class.forName("dev.alignguard.proofs.kernels." + name);
            assertTrue(backendLaws.isAssignableFrom(c));
            boolean isVector = name.startsWith("Vector");
            assertEquals(isVector, vector.contains(name + "#gemmAgreesWithinRoundingBound"), name);
            assertEquals(!isVector, opencl.contains(name + "#gemmAgreesWithinRoundingBound"), name);
        }
        assertNotNull(backendLaws);
    }
}
