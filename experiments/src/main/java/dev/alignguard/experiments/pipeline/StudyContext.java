package dev.alignguard.experiments.pipeline;

import java.io.PrintStream;
import java.nio.file.Path;

import dev.alignguard.math.kernels.Backend;

/**
 * What trials need besides themselves: where to write logs, where to report progress, the base
 * cache, and the kernel backend the run chose (workers build their kernels from it).
 */
public record StudyContext(Path runDir, PrintStream progress, BaseModelCache bases, Backend backend) {
}
