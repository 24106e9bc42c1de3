package dev.alignguard.experiments.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.alignguard.experiments.results.Summary;

class PlotsTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @TempDir
    Path dir;

    static void assertPng(Path file, int width, int height) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 1000, file + " is " + bytes.length + " bytes");
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(bytes, 8), file + " starts with the PNG signature");
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " decodes");
        assertEquals(width, image.getWidth());
        assertEquals(height, image.getHeight());
    }

    @Test
    void writesAllFourFiguresAsValidPngs() throws IOException {
        Summary s = SyntheticSummary.good();
        List<String> written = Plots.writeAll(s, dir);
        assertEquals(List.of(Plots.PARETO, Plots.CURVES, Plots.SPECTRUM, Plots.ABLATION), written);
        assertPng(dir.resolve(Plots.PARETO), 1100, 750);
        assertPng(dir.resolve(Plots.CURVES), 1100, 850);
        assertPng(dir.resolve(Plots.SPECTRUM), 1100, 850);
        assertPng(dir.resolve(Plots.ABLATION), Plots.ablation(s, 0.02).orElseThrow().width(), 900);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(4, files.count(), "no temporary files left");
        }
        String keepDir = System.getenv("ALIGNGUARD_PLOTS_KEEP"); // to look at the figures by eye
        if (keepDir != null && !keepDir.isBlank()) {
            Path keep = Path.of(keepDir);
            Files.createDirectories(keep);
            for (String name : written) {
                Files.copy(dir.resolve(name), keep.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void everyMethodIsOnTheParetoPlot() {
        Plots.Figure f = Plots.pareto(SyntheticSummary.good(), 0.02).orElseThrow();
        var points = f.chart().getXYPlot().getDataset(0);
        List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < points.getSeriesCount(); i++) {
            keys.add(points.getSeriesKey(i).toString());
        }
        assertEquals(List.of("lora", "alignguard", "l2", "ewc", "random_subspace"), keys);
        assertEquals(2, points.getItemCount(1), "AlignGuard at both strengths");
        assertEquals(100 * 0.83 / 0.95, points.getYValue(1, 0), 1e-9);
        var markers = f.chart().getXYPlot().getRangeMarkers(org.jfree.chart.ui.Layer.FOREGROUND);
        assertEquals("aligned model's refusal (its task accuracy: 21.0%)",
            ((org.jfree.chart.plot.Marker) markers.iterator().next()).getLabel(),
            "an aligned model far to the left is a line whose label gives its task accuracy");
        assertEquals(null, f.chart().getXYPlot().getDataset(2));

        Summary s = SyntheticSummary.good();
        Map<String, dev.alignguard.experiments.results.Stat> aligned = new java.util.LinkedHashMap<>(s.aligned());
        aligned.put("task_accuracy", dev.alignguard.experiments.results.Stat.of(new double[] {0.74, 0.75, 0.76}));
        Summary near = new Summary(s.name(), null, null, null, s.seeds(), null, aligned, null, s.methods(),
            s.trials(), List.of(), s.spectrum(), Map.of(), 0);
        var alignedPoint = Plots.pareto(near, 0.02).orElseThrow().chart().getXYPlot().getDataset(2);
        assertNotNull(alignedPoint, "an aligned model near the methods is a point");
        assertEquals(75.0, alignedPoint.getXValue(0, 0), 1e-9);
        assertEquals(100.0, alignedPoint.getYValue(0, 0), 1e-9);
    }

    @Test
    void figuresWithoutDataAreSkipped() throws IOException {
        Summary s = SyntheticSummary.good();
        Summary bare = new Summary(s.name(), null, null, null, s.seeds(), null, s.aligned(), null, s.methods(),
            List.of(), List.of(), null, Map.of(), 0);
        assertEquals(List.of(Plots.PARETO, Plots.ABLATION), Plots.writeAll(bare, dir.resolve("bare")));

        Summary empty = new Summary("empty", null, null, null, new long[0], null, null, null, null, null, null,
            List.of(), null, 0);
        assertEquals(List.of(), Plots.writeAll(empty, dir.resolve("empty")));
        try (Stream<Path> files = Files.list(dir.resolve("empty"))) {
            assertEquals(0, files.count());
        }
        assertFalse(Plots.spectrum(new Summary("z", null, null, null, new long[0], null, null, null, null, null, null,
            List.of(new dev.alignguard.experiments.results.LayerSpectrum("l", new double[] {0, -1}, new double[] {0, 0}, 1)),
            null, 0)).isPresent(), "no positive eigenvalue: nothing to put on a log axis");
    }

    @Test
    void curvesAreMeansOverSeeds() {
        List<Plots.MeanCurve> curves = Plots.meanCurves(SyntheticSummary.good());
        assertEquals(6, curves.size());
        Plots.MeanCurve lora = curves.get(0);
        assertEquals("lora", lora.label());
        assertEquals(List.of(0, 50, 100), List.copyOf(lora.refusalAndTask().keySet()));
        assertEquals(0.95, lora.refusalAndTask().get(0)[0], 1e-12);
        assertEquals(0.60, lora.refusalAndTask().get(100)[0], 1e-12);
        assertEquals(0.81, lora.refusalAndTask().get(100)[1], 1e-12);
        assertEquals("alignguard [λ=1]", curves.get(2).label());
    }
}
