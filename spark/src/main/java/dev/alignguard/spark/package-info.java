/**
 * The Spark executor for sweeps beyond one machine, offered to the command through the service loader, and the Spark launcher. Uses the experiments module; nothing depends on it.
 */
package dev.alignguard.spark;
