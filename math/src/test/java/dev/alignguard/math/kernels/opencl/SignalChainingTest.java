package dev.alignguard.math.kernels.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The build starts test JVMs with the JDK's signal-chaining library (see the parent pom and
 * {@link OpenClKernels}), and {@link SignalChaining} tells whether a JVM has it.
 */
class SignalChainingTest {

    @Test
    void theBuildsTestJvmsChainSignals() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs /proc (Linux)");
        assertTrue(SignalChaining.isActive(), "libjsig is not loaded; LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
    }

    @Test
    void aJvmStartedWithoutItIsToldApart() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs /proc (Linux)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
            SignalChainingProbe.class.getName()).redirectErrorStream(true);
        pb.environment().remove("LD_PRELOAD");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("active=false"), out);
    }
}
