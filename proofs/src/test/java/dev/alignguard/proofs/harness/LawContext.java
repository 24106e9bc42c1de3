package dev.alignguard.proofs.harness;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Tells {@link Laws} which law is running: the concrete test class and the method, as JUnit selects
 * them ({@code BasisProjectorProperties#idempotent}, even where the method is a default method
 * inherited from a laws interface). The name fixes the law's default seed and goes into the replay
 * command of a failure. It also begins and ends the law's {@link LawRun}, the record of its seed,
 * examples and worst error against its bound that {@code alignguard verify} reports.
 *
 * <p>Registered for every test class of this module through JUnit's extension auto-detection
 * ({@code junit-platform.properties} and {@code META-INF/services}); outside JUnit the name falls
 * back to the calling class and method.
 */
public final class LawContext implements BeforeEachCallback, AfterEachCallback {

    /** Where the run a law replaces (one that started it from inside another test) waits to be restored. */
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LawContext.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        String law = context.getRequiredTestClass().getSimpleName() + "#" + context.getRequiredTestMethod().getName();
        LawRun previous = LawRun.begin(context.getUniqueId(), law);
        if (previous != null) {
            context.getStore(NAMESPACE).put("previous", previous);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        LawRun.end(context.getStore(NAMESPACE).remove("previous", LawRun.class));
    }

    /** {@code TestClass#method} of the running law. */
    static String currentLaw() {
        LawRun run = LawRun.current();
        if (run != null) {
            return run.law();
        }
        return StackWalker.getInstance().walk(frames -> frames
            .filter(f -> !f.getClassName().startsWith(Laws.class.getPackageName() + "."))
            .findFirst()
            .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "#" + f.getMethodName())
            .orElse("unknown#law"));
    }
}
