/**
 * Everything a person reads from a summary: report.md, the plots, the Pareto frontier. A pure function of summary.json; uses results only.
 */
package dev.alignguard.experiments.report;
