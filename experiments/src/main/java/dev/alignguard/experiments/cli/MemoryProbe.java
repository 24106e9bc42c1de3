package dev.alignguard.experiments.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The memory figures the step benchmarks print: bytes allocated by every thread of this JVM (the
 * allocation rate of a step is the difference over its steps), the heap still reachable after a
 * full collection (the live set), and the process's peak resident set. Reported, never asserted.
 */
final class MemoryProbe {

    private MemoryProbe() {
    }

    /** Bytes allocated on the heap so far by all threads (live and ended), or -1 where the JVM cannot say. */
    static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()
            && t.isThreadAllocatedMemoryEnabled()) {
            return t.getTotalThreadAllocatedBytes();
        }
        return -1;
    }

    /** Heap in use right after a full collection (System.gc(); ParallelGC honours it), in bytes. */
    static long liveHeapAfterFullGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The maximum heap this JVM may grow to (-Xmx or the JVM's default), in bytes. */
    static long maxHeap() {
        return Runtime.getRuntime().maxMemory();
    }

    /** VmHWM of this process (Linux), in KiB; 0 where /proc is missing. */
    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return 0;
    }
}
