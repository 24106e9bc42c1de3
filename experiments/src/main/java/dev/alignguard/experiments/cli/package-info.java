/**
 * The alignguard command (picocli): the composition root, where the kernel backend and the logging are chosen once and passed down. May use every package of the experiments module.
 */
package dev.alignguard.experiments.cli;
