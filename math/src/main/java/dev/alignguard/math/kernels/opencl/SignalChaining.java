package dev.alignguard.math.kernels.opencl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the JDK's signal-chaining library ({@code libjsig}) is loaded in this JVM.
 *
 * <p>Native code that installs its own handlers for the signals the JVM relies on (SIGSEGV for
 * safepoint polls and null checks, SIGFPE for integer division, SIGUSR2 for thread suspension) can
 * make an ordinary JVM event kill the process with a bare "Segmentation fault" and no crash log.
 * PoCL's LLVM does exactly that while it compiles a kernel. With {@code libjsig} preloaded the JVM
 * keeps its handlers and forwards foreign signals to the library's, which is the JDK's documented
 * remedy ("Signal Chaining" in the JDK troubleshooting guide).
 */
public final class SignalChaining {

    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private SignalChaining() {
    }

    /**
     * True when {@code libjsig} is mapped into this process; false when it is not or when this
     * cannot be told (no {@code /proc}, as off Linux).
     */
    public static boolean isActive() {
        try {
            return Files.readString(MAPS).contains("libjsig");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Prints one warning per JVM to standard error when on Linux without {@code libjsig}. */
    static void warnIfAbsent() {
        if (Files.isReadable(MAPS) && !isActive() && WARNED.compareAndSet(false, true)) {
            System.err.println("warning: OpenCL native code may replace the JVM's signal handlers; start java with"
                + " LD_PRELOAD=" + Path.of(System.getProperty("java.home"), "lib", "libjsig.so")
                + " (the alignguard launchers and the build do) to keep them");
        }
    }
}
