package dev.alignguard.verify;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.experiments.cli.VersionProvider;
import dev.alignguard.math.kernels.Backends;
import dev.alignguard.math.kernels.opencl.OpenClKernels;
import dev.alignguard.proofs.harness.LawTags;
import dev.alignguard.proofs.harness.Laws;
import org.junit.platform.engine.Filter;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * One verification run: selects the laws (package, {@code --laws}, {@code --backend}), sets the
 * harness's settings (examples, seed, model, backend) as the system properties the laws read, runs
 * them through the JUnit Platform launcher with a {@link LawProgress} listener, restores the
 * properties, and returns the report.
 *
 * <p>The OpenCL laws run last, in a second launcher execution after every other law, so that the
 * native OpenCL stack is loaded into this JVM only once the rest has been checked ({@code ./test}
 * runs them in a JVM of their own for the same reason).
 */
public final class Verification {

    /** Where the laws are: the proofs module's test classes. */
    public static final String LAWS_PACKAGE = "dev.alignguard.proofs";

    /**
     * What to run.
     *
     * @param laws      the laws to run, or null for all
     * @param intensity the examples factor (ignored when {@code tries} is given)
     * @param tries     examples per law, or null
     * @param seed      a seed (a long) or "random", or null for each law's fixed seed
     * @param backend   the backend whose laws run and on which the model laws run, or null for every backend's laws
     * @param model     the model folder the model laws run on, or null for the tiny one
     * @param packages  the packages to look for laws in ({@link #LAWS_PACKAGE}; tests add their fixtures')
     */
    public record Settings(LawPattern laws, Intensity intensity, Integer tries, String seed, String backend, Path model,
                           List<String> packages) {

        public Settings {
            if (tries != null && tries < 1) {
                throw new IllegalArgumentException("--tries must be at least 1, not " + tries);
            }
            if (seed != null && !seed.equalsIgnoreCase("random")) {
                try {
                    Long.parseLong(seed);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--seed must be a number (a long) or 'random', not '" + seed + "'");
                }
            }
            if (backend != null && !Backends.NAMES.contains(backend)) {
                throw new IllegalArgumentException("--backend must be one of " + Backends.NAMES + ", not '" + backend + "'");
            }
            packages = List.copyOf(packages);
        }
    }

    private final Settings settings;

    public Verification(Settings settings) {
        this.settings = settings;
    }

    // ---------------------------------------------------------------- selection

    /** The selected laws as test plans: every law but the OpenCL ones, then (unless another backend is chosen) the OpenCL ones. */
    List<TestPlan> discover(Launcher launcher) {
        List<String> excluded = new ArrayList<>(List.of(LawTags.HARNESS, LawTags.REPOSITORY, LawTags.OPENCL));
        if (settings.backend() != null) {
            for (String name : Backends.NAMES) {
                if (!name.equals(settings.backend())) {
                    excluded.add(LawTags.BACKEND_PREFIX + name);
                }
            }
        }
        TestPlan rest = launcher.discover(request(TagFilter.excludeTags(excluded)));
        if (settings.backend() != null && !settings.backend().equals("opencl")) {
            return List.of(rest);
        }
        return List.of(rest, launcher.discover(request(TagFilter.includeTags(LawTags.OPENCL))));
    }

    private LauncherDiscoveryRequest request(Filter<?> tags) {
        PostDiscoveryFilter byName = descriptor -> {
            if (settings.laws() == null || descriptor.getType() != TestDescriptor.Type.TEST) {
                return FilterResult.included("not filtered by name");
            }
            return descriptor.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                .map(m -> FilterResult.includedIf(settings.laws().matches(m.getJavaClass(), m.getJavaMethod().getDeclaringClass(),
                    m.getMethodName()), () -> "matches --laws", () -> "does not match --laws"))
                .orElse(FilterResult.excluded("not a law method"));
        };
        return LauncherDiscoveryRequestBuilder.request()
            .selectors(settings.packages().stream().map(p -> selectPackage(p)).toList())
            .filters(tags, byName)
            // LawContext (the harness's extension) names the running law and records its examples and bounds
            .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
            .build();
    }

    /** The selected laws, {@code Class#method}, in the order they will run. */
    public List<String> list() {
        List<String> laws = new ArrayList<>();
        for (TestPlan plan : discover(LauncherFactory.create())) {
            for (TestIdentifier id : tests(plan)) {
                id.getSource().filter(MethodSource.class::isInstance).map(MethodSource.class::cast)
                    .ifPresent(m -> laws.add(m.getJavaClass().getSimpleName() + "#" + m.getMethodName()));
            }
        }
        return laws;
    }

    private static List<TestIdentifier> tests(TestPlan plan) {
        List<TestIdentifier> out = new ArrayList<>();
        for (TestIdentifier root : plan.getRoots()) {
            collect(plan, root, out);
        }
        return out;
    }

    private static void collect(TestPlan plan, TestIdentifier id, List<TestIdentifier> out) {
        if (id.isTest()) {
            out.add(id);
        }
        for (TestIdentifier child : plan.getChildren(id)) {
            collect(plan, child, out);
        }
    }

    // ---------------------------------------------------------------- running

    /** The system properties the harness reads, as this run sets them (absent: the harness's default). */
    Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(Laws.SEED, settings.seed());
        p.put(Laws.EXAMPLES, settings.tries() == null ? null : settings.tries().toString());
        p.put(Laws.EXAMPLES_FACTOR, settings.tries() != null || settings.intensity().factor() == 1 ? null
            : Integer.toString(settings.intensity().factor()));
        p.put(Laws.MODEL, settings.model() == null ? null : settings.model().toString());
        p.put(Laws.BACKEND, settings.backend());
        // The OpenCL laws test the device kernels: no op placed on the host for being small.
        p.put(OpenClKernels.MIN_DEVICE_FLOPS_PROPERTY, "0");
        return p;
    }

    /**
     * Runs the selected laws, printing a progress line per law to {@code out}, and returns the report.
     *
     * @param command the command line, for the report
     * @throws IllegalArgumentException when no law is selected
     */
    public VerificationReport run(String command, PrintStream out) {
        Launcher launcher = LauncherFactory.create();
        List<TestPlan> plans = discover(launcher);
        int total = plans.stream().mapToInt(p -> (int) p.countTestIdentifiers(TestIdentifier::isTest)).sum();
        if (total == 0) {
            throw new IllegalArgumentException("no law matches" + (settings.laws() == null ? "" : " --laws '" + settings.laws() + "'")
                + (settings.backend() == null ? "" : " with --backend " + settings.backend()) + " (./alignguard verify --list shows them)");
        }
        Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        long t0 = System.nanoTime();
        out.println("alignguard verify: " + total + (total == 1 ? " law, " : " laws, ") + describeExamples() + ", "
            + (settings.seed() == null ? "each law's fixed seed" : "seed " + settings.seed()) + ", backend "
            + (settings.backend() == null ? "all" : settings.backend()) + (settings.model() == null ? "" : ", model " + settings.model()));
        out.flush();
        Map<String, String> saved = new LinkedHashMap<>();
        LawProgress progress = new LawProgress(out, total, this::replay);
        try {
            properties().forEach((key, value) -> {
                saved.put(key, System.getProperty(key));
                set(key, value);
            });
            for (TestPlan plan : plans) {
                if (plan.containsTests()) {
                    launcher.execute(plan, progress);
                }
            }
        } finally {
            saved.forEach(Verification::set);
        }
        List<LawResult> results = progress.results();
        VerificationReport.Counts counts = VerificationReport.Counts.of(results);
        boolean passed = counts.passed() == counts.laws();
        return new VerificationReport(VersionProvider.version(), Git.commit(), Git.dirty(), started.toString(),
            (System.nanoTime() - t0) / 1e9, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
            System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors()
                + " cores",
            settings.backend() == null ? "all" : settings.backend(),
            settings.backend() == null ? "vector" : settings.backend(),
            settings.model() == null ? null : settings.model().toString(),
            settings.seed() == null ? "fixed" : settings.seed(),
            settings.tries() == null ? settings.intensity().label() : null,
            settings.tries() == null ? settings.intensity().factor() : null,
            settings.tries(), settings.laws() == null ? null : settings.laws().toString(), command, passed, counts, results);
    }

    private String describeExamples() {
        return settings.tries() != null ? settings.tries() + " examples per law"
            : "intensity " + settings.intensity() + " (each law's examples x " + settings.intensity().factor() + ")";
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    /** The {@code ./alignguard verify} command that runs {@code law} again as it ran here, from {@code seed} (null: its own). */
    String replay(String law, Long seed) {
        List<String> words = new ArrayList<>(List.of("./alignguard", "verify", "--laws", Laws.shellWord(law)));
        if (seed != null) {
            words.addAll(List.of("--seed", seed.toString()));
        }
        if (settings.tries() != null) {
            words.addAll(List.of("--tries", settings.tries().toString()));
        } else {
            words.addAll(List.of("--intensity", settings.intensity().label()));
        }
        if (settings.backend() != null) {
            words.addAll(List.of("--backend", settings.backend()));
        }
        if (settings.model() != null) {
            words.addAll(List.of("--model", Laws.shellWord(settings.model().toString())));
        }
        return String.join(" ", words);
    }

    /** The git commit of the checkout ({@code -Dalignguard.home}, set by the launcher, else the working directory). */
    static final class Git {

        private Git() {
        }

        static String commit() {
            String out = git("rev-parse", "HEAD");
            return out != null && out.matches("[0-9a-f]{40}") ? out : VersionProvider.gitCommit();
        }

        static Boolean dirty() {
            String out = git("status", "--porcelain", "--untracked-files=no");
            return out == null ? null : !out.isEmpty();
        }

        private static String git(String... args) {
            List<String> cmd = new ArrayList<>(List.of("git", "-C", System.getProperty("alignguard.home", ".")));
            cmd.addAll(List.of(args));
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                return p.waitFor() == 0 ? out : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
