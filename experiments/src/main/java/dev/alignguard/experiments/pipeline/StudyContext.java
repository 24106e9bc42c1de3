package dev.alignguard.experiments.pipeline;

import java.io.PrintStream;
import java.nio.file.Path;

/** What trials need besides themselves: where to write logs, where to report progress, the base cache. */
public record StudyContext(Path runDir, PrintStream progress, BaseModelCache bases) {
}
