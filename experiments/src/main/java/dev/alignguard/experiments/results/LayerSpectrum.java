package dev.alignguard.experiments.results;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.alignguard.training.fisher.LayerSubspace;

/**
 * The alignment Fisher spectrum of one layer as estimated at the aligned model (first seed):
 * the kept eigenvalues before normalisation, the cumulative fraction of the layer's Fisher trace
 * they capture (energy curve), and the normalisation divisor.
 */
public record LayerSpectrum(@JsonProperty("layer") String layer,
                            @JsonProperty("raw_eigenvalues") double[] rawEigenvalues,
                            @JsonProperty("cumulative_energy") double[] cumulativeEnergy,
                            @JsonProperty("raw_scale") double rawScale) {

    /**
     * The spectrum of an estimated subspace: raw eigenvalues ({@code eigenvalues[k] * rawScale}) and the
     * running share of the layer's trace they capture (scaled to the estimate's captured energy when known).
     */
    public static LayerSpectrum of(LayerSubspace l) {
        double[] raw = new double[l.rank()];
        double[] cumulative = new double[l.rank()];
        double total = 0;
        for (int k = 0; k < raw.length; k++) {
            raw[k] = l.eigenvalues()[k] * l.rawScale();
            total += raw[k];
        }
        double running = 0;
        for (int k = 0; k < raw.length; k++) {
            running += raw[k];
            cumulative[k] = Double.isNaN(l.capturedEnergy()) ? running / total : l.capturedEnergy() * running / total;
        }
        return new LayerSpectrum(l.layer(), raw, cumulative, l.rawScale());
    }
}
