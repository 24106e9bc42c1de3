package dev.alignguard.proofs.harness;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Tells {@link Laws} which law is running: the concrete test class and the method, as JUnit selects
 * them ({@code BasisProjectorProperties#idempotent}, even where the method is a default method
 * inherited from a laws interface). The name fixes the law's default seed and goes into the replay
 * command of a failure.
 *
 * <p>Registered for every test class of this module through JUnit's extension auto-detection
 * ({@code junit-platform.properties} and {@code META-INF/services}); outside JUnit the name falls
 * back to the calling class and method.
 */
public final class LawContext implements BeforeEachCallback, AfterEachCallback {

    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    @Override
    public void beforeEach(ExtensionContext context) {
        CURRENT.set(context.getRequiredTestClass().getSimpleName() + "#" + context.getRequiredTestMethod().getName());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        CURRENT.remove();
    }

    /** {@code TestClass#method} of the running law. */
    static String currentLaw() {
        String law = CURRENT.get();
        if (law != null) {
            return law;
        }
        return StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().startsWith(Laws.class.getPackageName() + "."))
                .findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "#" + f.getMethodName())
                .orElse("unknown#law"));
    }
}
