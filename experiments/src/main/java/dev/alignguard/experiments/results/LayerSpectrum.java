package dev.alignguard.experiments.results;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The alignment Fisher spectrum of one layer as estimated at the aligned model (first seed):
 * the kept eigenvalues before normalisation, the cumulative fraction of the layer's Fisher trace
 * they capture (energy curve), and the normalisation divisor.
 */
public record LayerSpectrum(@JsonProperty("layer") String layer,
                            @JsonProperty("raw_eigenvalues") double[] rawEigenvalues,
                            @JsonProperty("cumulative_energy") double[] cumulativeEnergy,
                            @JsonProperty("raw_scale") double rawScale) {
}
