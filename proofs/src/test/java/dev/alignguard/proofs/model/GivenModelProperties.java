package dev.alignguard.proofs.model;

import static org.quicktheories.generators.SourceDSL.integers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import dev.alignguard.experiments.cli.AlignGuardCli;
import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.linalg.GramOperator;
import dev.alignguard.math.linalg.Orthonormalize;
import dev.alignguard.math.linalg.Vec;
import dev.alignguard.math.projection.Projector;
import dev.alignguard.math.projection.SelectionRule;
import dev.alignguard.model.autodiff.Graph;
import dev.alignguard.model.autodiff.NeuralOps;
import dev.alignguard.model.autodiff.Tensor;
import dev.alignguard.model.hf.ModelFiles;
import dev.alignguard.model.llama.Linear;
import dev.alignguard.model.llama.LlamaConfig;
import dev.alignguard.model.llama.LlamaModel;
import dev.alignguard.model.lora.LoraAdapter;
import dev.alignguard.model.lora.LoraConfig;
import dev.alignguard.proofs.autodiff.GradientCheckAccess;
import dev.alignguard.proofs.gen.Gaussians;
import dev.alignguard.proofs.gen.LoraShapes;
import dev.alignguard.proofs.harness.Bounds;
import dev.alignguard.proofs.harness.Laws;
import dev.alignguard.proofs.linalg.Rounding;
import dev.alignguard.training.data.Sequence;
import dev.alignguard.training.fisher.ExactGramEstimator;
import dev.alignguard.training.fisher.LayerEstimate;
import dev.alignguard.training.fisher.PerExampleGradients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * The laws that apply to one given model, checked on that model at its own sizes: a fresh LoRA
 * adapter is an exact no-op, merged equals unmerged, every parameter's gradient matches finite
 * differences on sampled coordinates, the Gram-trick Fisher's eigenpairs satisfy
 * {@code F u = lambda u}, and the projectors built from them are idempotent, symmetric and
 * complementary.
 *
 * <p><b>Which model.</b> {@code -Dalignguard.model=DIR} ({@code alignguard verify --model DIR}
 * sets it): a folder written by {@code alignguard model init} or saved by a run. Without it, a tiny
 * model that {@code alignguard model init} writes into a temporary folder, so that {@code ./test}
 * always checks these laws. The kernels are {@code -Dalignguard.backend} ({@code scalar},
 * {@code vector}, {@code opencl}; default {@code vector}).
 *
 * <p>Each law draws its sizes (rank, batch, sequence length, layer, number of alignment examples)
 * as integer ranges, so a failure shrinks toward the smallest, and the data from a seed. Bounds
 * are those of the laws on random models ({@link LoraProperties}, {@code GradientCheck},
 * {@code GramEigenProperties}, {@code ProjectorLaws}), computed from the actual model.
 */
class GivenModelProperties {

    /** The tiny model {@code ./test} writes with {@code model init} when no model is given (HF config fields). */
    static final String TINY_CONFIG = """
        {"vocab_size": 16, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 16}
        """;

    /** Coordinates sampled per parameter tensor by the gradient law. */
    static final int GRADIENT_SAMPLES = 4;

    private static LlamaModel model;
    private static Kernels kernels;
    private static Path temporary;
    private static List<String> layers;

    @BeforeAll
    static void load() throws IOException {
        String given = System.getProperty(Laws.MODEL);
        Path dir;
        if (given == null || given.isBlank()) {
            temporary = Files.createTempDirectory("alignguard-given-model");
            Path config = temporary.resolve("config-in.json");
            Files.writeString(config, TINY_CONFIG);
            dir = temporary.resolve("model");
            int code = AlignGuardCli.execute(new AlignGuardCli(), "model", "init", "--config", config.toString(), "--seed", "7",
                "--out", dir.toString());
            if (code != 0) {
                throw new IllegalStateException("alignguard model init failed with exit code " + code);
            }
        } else {
            dir = Path.of(given.trim());
        }
        model = ModelFiles.loadModel(dir);
        String backend = System.getProperty(Laws.BACKEND, "vector").trim();
        kernels = Backends.create(backend, Math.max(1, Runtime.getRuntime().availableProcessors()));
        layers = model.linears().stream().map(Linear::path).toList();
        System.out.println("Laws of a given model: " + dir + " (" + model.config().numHiddenLayers() + " layers, hidden "
            + model.config().hiddenSize() + ", vocab " + model.config().vocabSize() + "), " + Backends.describe(kernels));
    }

    @AfterAll
    static void close() throws IOException {
        if (kernels instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IOException("closing the kernels: " + e, e);
            }
        }
        if (temporary != null) {
            try (Stream<Path> files = Files.walk(temporary)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
            temporary = null;
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The longest sequence the laws run (short: the laws are about the weights, not the context length). */
    private static int maxSeq() {
        return Math.min(8, model.config().maxPositionEmbeddings());
    }

    private static Gen<Integer> seqLengths(int min) {
        return integers().between(Math.min(min, maxSeq()), maxSeq());
    }

    private static int[] tokens(Random rnd, int n) {
        return rnd.ints(n, 0, model.config().vocabSize()).toArray();
    }

    private static float[] logits(LlamaModel m, int[] tokens, int batch, int seq) {
        return m.forward(Graph.inference(kernels), tokens, batch, seq).data();
    }

    // ---------------------------------------------------------------- LoRA

    /** A fresh adapter (B = 0) on every linear layer leaves every logit bit for bit as it was: y + 0 == y in IEEE arithmetic. */
    @Test
    void freshAdapterIsAnExactNoOp() {
        Laws.qt(10).forAll(LoraShapes.ranks(8), integers().between(1, 2), seqLengths(1), Gaussians.seeds())
            .checkAssert((r, batch, seq, seed) -> {
                LlamaModel m = model.copy();
                int[] tokens = tokens(new Random(seed), batch * seq);
                float[] before = logits(m, tokens, batch, seq);
                m.attachLora(LoraConfig.of(r, 2 * r, LoraConfig.ALL_LINEAR), seed);
                float[] after = logits(m, tokens, batch, seq);
                if (!Arrays.equals(before, after)) {
                    int i = Arrays.mismatch(before, after);
                    throw new AssertionError("rank " + r + ": logit " + i + " was " + before[i] + ", with a fresh adapter " + after[i]);
                }
            });
    }

    /**
     * Merged ({@code x (W + s B A)^T}) equals unmerged ({@code x W^T + s x A^T B^T}) within the
     * bound of {@link LoraProperties}: 1e-4 of the largest logit (plus 1e-6), about 1000 u for the
     * reassociated float sums; adapters on every linear layer with B ~ N(0, 0.05^2).
     */
    @Test
    void mergedForwardEqualsUnmerged() {
        Laws.qt(10).forAll(LoraShapes.ranks(8), integers().between(1, 3), seqLengths(1), Gaussians.seeds())
            .checkAssert((r, batch, seq, seed) -> {
                LlamaModel m = model.copy();
                Random rnd = new Random(seed);
                for (LoraAdapter a : m.attachLora(LoraConfig.of(r, 2 * r, LoraConfig.ALL_LINEAR), seed).values()) {
                    float[] b = a.b().data();
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (float) (0.05 * rnd.nextGaussian());
                    }
                }
                int[] tokens = tokens(rnd, batch * seq);
                float[] unmerged = logits(m, tokens, batch, seq);
                m.mergeAdapters(kernels);
                float[] merged = logits(m, tokens, batch, seq);
                float scale = 0;
                for (float v : unmerged) {
                    scale = Math.max(scale, Math.abs(v));
                }
                int worst = 0;
                for (int i = 0; i < merged.length; i++) {
                    if (!(Math.abs(merged[i] - unmerged[i]) <= Math.abs(merged[worst] - unmerged[worst]))) {
                        worst = i;
                    }
                }
                Bounds.atMost(Math.abs(merged[worst] - unmerged[worst]), 1e-4f * scale + 1e-6f,
                    "rank " + r + ": logit " + worst + ": merged " + merged[worst] + " vs unmerged " + unmerged[worst]);
            });
    }

    // ---------------------------------------------------------------- gradient

    /**
     * The gradient of next-token cross-entropy with respect to every parameter tensor matches
     * finite differences on {@value #GRADIENT_SAMPLES} sampled coordinates per tensor, on the model's
     * own weights, within {@code GradientCheck}'s bound (Richardson-extrapolated central differences
     * in float; the bound and its derivation are there). Float differences resolve a derivative only
     * where it moves the loss by more than its rounding: on a freshly initialised model (weights of
     * std 0.02) that is the output layer and a few attention weights, the rest being covered by the
     * bound's absolute part only; on trained weights more of the model is resolved. The next law
     * covers every tensor.
     */
    @Test
    void gradientMatchesFiniteDifferences() {
        Laws.qt(6).forAll(integers().between(1, 2), seqLengths(2), Gaussians.seeds())
            .checkAssert((batch, seq, seed) -> checkGradient(model.copy(), batch, seq, seed));
    }

    /**
     * The same at the model's sizes and kernels with its weights redrawn at unit gain (std
     * 1/sqrt(d_in), norm weights 1 + N(0, 0.3^2), as the random models of
     * {@code ModelGradientProperties}), so that every path carries a signal float differences resolve.
     */
    @Test
    void gradientMatchesFiniteDifferencesAtUnitGain() {
        Laws.qt(6).forAll(integers().between(1, 2), seqLengths(2), Gaussians.seeds())
            .checkAssert((batch, seq, seed) -> checkGradient(unitGain(model.copy(), seed), batch, seq, seed));
    }

    private static LlamaModel unitGain(LlamaModel m, long seed) {
        Random rnd = new Random(~seed);
        for (Tensor t : m.parameters().values()) {
            float[] d = t.data();
            double std = 1 / Math.sqrt(t.cols());
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (t.rows() == 1 ? 1 + 0.3 * rnd.nextGaussian() : std * rnd.nextGaussian());
            }
        }
        return m;
    }

    /**
     * A Mixtral model's loss is discontinuous where a token's k-th and (k+1)-th router logits cross,
     * and a finite-difference step that crosses one measures the jump, not the gradient. So on a
     * Mixtral model the gradient laws run on the same weights with every token routed to every expert
     * (num_experts_per_tok = num_local_experts): differentiable everywhere, every weight still on the
     * loss's path through the router's renormalised weights. Top-k routing itself is checked by
     * {@code MoeProperties} on inputs without near ties. Dense models are returned unchanged.
     */
    static LlamaModel allExpertsRouted(LlamaModel m) {
        if (!m.config().isMoe()) {
            return m;
        }
        Map<String, float[]> values = new LinkedHashMap<>();
        m.parameters().forEach((name, t) -> values.put(name, t.data().clone()));
        LlamaConfig c = m.config();
        return LlamaModel.fromValues(c.withExperts(c.numLocalExperts(), c.numLocalExperts(), c.routerAuxLossCoef()), values,
            "all experts routed");
    }

    private static void checkGradient(LlamaModel model, int batch, int seq, long seed) {
        LlamaModel m = allExpertsRouted(model);
        Random rnd = new Random(seed);
        int[] tokens = tokens(rnd, batch * seq);
        int[] targets = tokens(rnd, batch * seq);
        List<Tensor> params = new ArrayList<>(m.parameters().values());
        String mismatch = GradientCheckAccess.check(g -> NeuralOps.crossEntropy(g, m.forward(g, tokens, batch, seq), targets, null),
            params, GRADIENT_SAMPLES, seed, kernels);
        if (mismatch != null) {
            throw new AssertionError(mismatch);
        }
    }

    // ---------------------------------------------------------------- Fisher

    /** One layer's exact (Gram-trick) Fisher estimate from n random alignment sequences. */
    record Estimate(String layer, int examples, double[][] g, LayerEstimate e) {
        @Override
        public String toString() {
            return layer + " (" + e.dOut() + " x " + e.dIn() + "), N = " + examples + ", rank " + e.rank();
        }
    }

    /** Layer (any linear layer, the first ones first), N in [1, 8] sequences of 2 to 8 tokens, m in [1, 8]. */
    private static Gen<Estimate> estimates() {
        return integers().between(0, layers.size() - 1).zip(integers().between(1, 8), integers().between(1, 8), Gaussians.seeds(),
            (which, n, m, seed) -> {
                String layer = layers.get(which);
                Random rnd = new Random(seed);
                List<Sequence> data = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int prompt = 1 + rnd.nextInt(Math.max(1, maxSeq() / 2));
                    int response = 1 + rnd.nextInt(Math.max(1, maxSeq() - prompt));
                    data.add(new Sequence(tokens(rnd, prompt), tokens(rnd, response)));
                }
                double[][] g = PerExampleGradients.compute(model, kernels, List.of(layer), data, 0).get(layer);
                Linear l = model.linear(layer);
                LayerEstimate e = ExactGramEstimator.layer(layer, l.outFeatures(), l.inFeatures(), g, SelectionRule.rank(m));
                return new Estimate(layer, n, g, e);
            });
    }

    /**
     * Every kept eigenpair of the Gram-trick estimate satisfies {@code F u = lambda u}, with F the
     * empirical Fisher {@code G G^T / N} applied through the Gram operator, within the rounding
     * bound {@link Rounding#gramPairResidual}; the eigenvalues descend and are positive, and the
     * eigenvectors are orthonormal (to 4 (m + 1) gamma_D, as for {@code GramEigen}).
     */
    @Test
    void gramFisherEigenpairsSatisfyTheEigenEquation() {
        Laws.qt(12).forAll(estimates()).checkAssert(est -> {
            LayerEstimate e = est.e();
            GramOperator f = new GramOperator(est.g());
            int d = f.dim();
            double[] fu = new double[d];
            for (int k = 0; k < e.rank(); k++) {
                double lambda = e.eigenvalues()[k];
                if (!(lambda > 0) || (k > 0 && lambda > e.eigenvalues()[k - 1])) {
                    throw new AssertionError(est + ": eigenvalue " + k + " = " + lambda + " is not positive and descending");
                }
                double[] u = e.basis()[k];
                f.apply(u, fu);
                Vec.axpy(-lambda, u, fu);
                Bounds.atMost(Vec.norm(fu), Rounding.gramPairResidual(d, est.examples(), f.trace(), e.eigenvalues()[0], lambda, k),
                    est + ": ||F u_" + k + " - lambda_" + k + " u_" + k + "||");
            }
            if (e.rank() > 0) {
                Bounds.atMost(Orthonormalize.deviation(e.basis()), 4 * (e.rank() + 1) * gamma(d), est + ": max |U^T U - I|");
            }
        });
    }

    private static double gamma(int n) {
        double u = 0x1.0p-53;
        return n * u / (1 - n * u);
    }

    /** The Fisher projector of an estimate with Gaussian x and y of its dimension. */
    record Sample(Estimate est, Projector p, double[] x, double[] y) {
        @Override
        public String toString() {
            return est + " with Gaussian x, y";
        }
    }

    private static Gen<Sample> projectorSamples() {
        return estimates().zip(Gaussians.seeds(), (est, seed) -> {
            Projector p = est.e().projector();
            Random rnd = new Random(seed);
            return new Sample(est, p, Gaussians.vector(rnd, p.dim()), Gaussians.vector(rnd, p.dim()));
        });
    }

    /** P(P x) = P x for the projector onto the kept Fisher eigenvectors, within {@link Rounding#projector} ||x||. */
    @Test
    void fisherProjectorIsIdempotent() {
        Laws.qt(12).forAll(projectorSamples()).checkAssert(s -> {
            double[] px = s.p().apply(s.x());
            Bounds.atMost(Vec.norm(Vec.sub(s.p().apply(px), px)), Rounding.projector(s.p().dim()) * Vec.norm(s.x()),
                s + ": ||P(Px) - Px||");
        });
    }

    /** &lt;P x, y&gt; = &lt;x, P y&gt;, within {@link Rounding#projector} ||x|| ||y||. */
    @Test
    void fisherProjectorIsSymmetric() {
        Laws.qt(12).forAll(projectorSamples()).checkAssert(s -> {
            double lhs = Vec.dot(s.p().apply(s.x()), s.y());
            double rhs = Vec.dot(s.x(), s.p().apply(s.y()));
            Bounds.close(lhs, rhs, Rounding.projector(s.p().dim()) * Vec.norm(s.x()) * Vec.norm(s.y()), s + ": <Px, y> vs <x, Py>");
        });
    }

    /** P x + (I - P) x = x and &lt;P x, (I - P) y&gt; = 0: the alignment and task parts add up and are orthogonal. */
    @Test
    void fisherProjectorAndItsComplementSplitEveryUpdate() {
        Laws.qt(12).forAll(projectorSamples()).checkAssert(s -> {
            double tol = Rounding.projector(s.p().dim());
            double[] sum = s.p().apply(s.x());
            Vec.axpy(1, s.p().complement(s.x()), sum);
            Bounds.atMost(Vec.norm(Vec.sub(sum, s.x())), tol * Vec.norm(s.x()), s + ": ||Px + (I-P)x - x||");
            double inner = Vec.dot(s.p().apply(s.x()), s.p().complement(s.y()));
            Bounds.atMost(Math.abs(inner), tol * Vec.norm(s.x()) * Vec.norm(s.y()), s + ": <Px, (I-P)y>");
        });
    }
}
