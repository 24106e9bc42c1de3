package dev.alignguard.experiments.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.Stroke;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.util.ShapeUtils;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import dev.alignguard.experiments.method.MethodCatalog;
import dev.alignguard.experiments.method.Lora;
import dev.alignguard.experiments.results.MetricNames;
import dev.alignguard.experiments.results.ContinualResult;
import dev.alignguard.experiments.results.CurvePoint;
import dev.alignguard.experiments.results.StageMetrics;
import dev.alignguard.experiments.results.LayerSpectrum;
import dev.alignguard.experiments.results.MethodSummary;
import dev.alignguard.experiments.results.Stat;
import dev.alignguard.experiments.results.Summary;
import dev.alignguard.experiments.results.TrialRecord;
import dev.alignguard.model.safetensors.AtomicFiles;

/**
 * The report's figures, rendered headless with JFreeChart into PNG files (written atomically).
 * Each chart is built from a {@link Summary} alone; a chart whose data is absent is not written
 * (its builder returns empty). Colours follow the order of first appearance of each method in
 * {@code Summary.methods}, so the same method has the same colour in every figure.
 *
 * <ul>
 *   <li>{@value #PARETO}: task accuracy (x) against refusal kept (y, see {@link ParetoFrontier}),
 *       one series per method with a point per strength (95% CI error bars on both axes, the
 *       strength written beside the point), each method's own frontier as a line, the frontier of
 *       all methods dashed, the aligned model as a line at its refusal (and a black cross at its
 *       task accuracy when that lies near the methods'; otherwise the line's label gives it), and a
 *       vertical line at standard LoRA's task accuracy minus the fair-comparison tolerance.
 *       Every method is drawn, so the random-subspace control, L2 and EWC are always there when
 *       the study ran them.</li>
 *   <li>{@value #CURVES}: refusal on unsafe prompts (top) and task accuracy (bottom) against the
 *       fine-tuning step, mean over the seeds that evaluated that step, one line per method and
 *       strength.</li>
 *   <li>{@value #SPECTRUM}: each layer's kept Fisher eigenvalues on a log axis (top) and the
 *       cumulative fraction of the layer's Fisher trace they capture (bottom, 80% marked).</li>
 *   <li>{@value #ABLATION}: bars of drift (percentage points; half of standard LoRA's drift
 *       marked) and task accuracy (standard LoRA minus the tolerance marked) per method label, with
 *       95% CI error bars.</li>
 * </ul>
 */
public final class Plots {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    public static final String PARETO = "pareto.png";
    public static final String CURVES = "curves.png";
    public static final String SPECTRUM = "spectrum.png";
    public static final String ABLATION = "ablation.png";
    public static final String CONTINUAL = "continual.png";

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
        new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Color GRID = new Color(0xdddddd);

    private Plots() {
    }

    /** A chart and the size to render it at. */
    public record Figure(JFreeChart chart, int width, int height) {
    }

    /**
     * Writes every figure whose data is present into {@code dir}; returns the names written, in
     * the order pareto, curves, spectrum, ablation.
     */
    public static List<String> writeAll(Summary summary, Path dir) throws IOException {
        return writeAll(summary, dir, ParetoFrontier.DEFAULT_TOLERANCE);
    }

    /** {@link #writeAll(Summary, Path)} marking a task-accuracy tolerance other than two points. */
    public static List<String> writeAll(Summary summary, Path dir, double tolerance) throws IOException {
        Files.createDirectories(dir);
        List<String> written = new ArrayList<>();
        write(pareto(summary, tolerance), dir, PARETO, written);
        write(curves(summary), dir, CURVES, written);
        write(spectrum(summary), dir, SPECTRUM, written);
        write(ablation(summary, tolerance), dir, ABLATION, written);
        write(continual(summary), dir, CONTINUAL, written);
        return written;
    }

    private static void write(Optional<Figure> figure, Path dir, String name, List<String> written) throws IOException {
        if (figure.isPresent()) {
            writePng(figure.get(), dir.resolve(name));
            written.add(name);
        }
    }

    /** Renders {@code figure} to {@code file} atomically. */
    public static void writePng(Figure figure, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(bytes, figure.chart(), figure.width(), figure.height());
        AtomicFiles.write(file, bytes.toByteArray());
    }

    // ---------------------------------------------------------------- pareto

    /** The trade-off figure; empty when no method has both task accuracy and refusal. */
    public static Optional<Figure> pareto(Summary summary, double tolerance) {
        List<ParetoFrontier.Point> points = ParetoFrontier.points(summary);
        if (points.stream().noneMatch(ParetoFrontier.Point::finite)) {
            return Optional.empty();
        }
        ParetoFrontier.Reference ref = ParetoFrontier.reference(summary);
        Map<String, Color> colours = methodColours(summary);

        XYIntervalSeriesCollection pts = new XYIntervalSeriesCollection();
        List<List<String>> itemLabels = new ArrayList<>();
        XYErrorRenderer pointRenderer = new XYErrorRenderer();
        pointRenderer.setDefaultLinesVisible(false);
        pointRenderer.setDefaultShapesVisible(true);
        pointRenderer.setCapLength(4);
        pointRenderer.setErrorStroke(new BasicStroke(1f));
        XYSeriesCollection lines = new XYSeriesCollection();
        XYLineAndShapeRenderer lineRenderer = new XYLineAndShapeRenderer(true, false);
        int s = 0;
        for (Map.Entry<String, List<ParetoFrontier.Point>> e : ParetoFrontier.byMethod(points).entrySet()) {
            XYIntervalSeries series = new XYIntervalSeries(e.getKey(), false, true);
            List<String> labels = new ArrayList<>();
            for (ParetoFrontier.Point p : e.getValue()) {
                if (!p.finite()) {
                    continue;
                }
                double x = 100 * p.taskAccuracy();
                double y = 100 * p.refusalKept();
                double xe = 100 * zeroIfNaN(ReportFormat.ci(p.source() == null ? null
                    : ReportFormat.stat(p.source().metrics(), MetricNames.TASK_ACCURACY)));
                double ye = 100 * zeroIfNaN(ReportFormat.ci(p.source() == null ? null
                    : ReportFormat.stat(p.source().metrics(), MetricNames.REFUSAL_UNSAFE))) / ref.alignedRefusal();
                series.add(x, x - xe, x + xe, y, y - ye, y + ye);
                labels.add(Double.isNaN(p.strength()) ? null : ReportFormat.compact(p.strength()));
            }
            if (series.getItemCount() == 0) {
                continue;
            }
            Color c = colours.getOrDefault(e.getKey(), Color.DARK_GRAY);
            pts.addSeries(series);
            itemLabels.add(labels);
            pointRenderer.setSeriesPaint(s, c);
            pointRenderer.setSeriesShape(s, shape(s));
            List<ParetoFrontier.Point> own = ParetoFrontier.nonDominated(e.getValue());
            if (own.size() >= 2) {
                int li = lines.getSeriesCount();
                lines.addSeries(line(e.getKey() + " frontier", own));
                lineRenderer.setSeriesPaint(li, c);
                lineRenderer.setSeriesStroke(li, new BasicStroke(1.5f));
                lineRenderer.setSeriesVisibleInLegend(li, false);
            }
            s++;
        }
        pointRenderer.setDefaultItemLabelGenerator((dataset, series, item) -> itemLabels.get(series).get(item));
        pointRenderer.setDefaultItemLabelsVisible(true);
        pointRenderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));

        List<ParetoFrontier.Point> all = ParetoFrontier.nonDominated(points);
        if (all.size() >= 2) {
            int li = lines.getSeriesCount();
            lines.addSeries(line("Pareto frontier (all methods)", all));
            lineRenderer.setSeriesPaint(li, Color.GRAY);
            lineRenderer.setSeriesStroke(li, dashed(1.5f));
        }

        NumberAxis x = new NumberAxis("task accuracy (%)");
        x.setAutoRangeIncludesZero(false);
        NumberAxis y = new NumberAxis(ref.relative() ? "refusal kept (% of the aligned model's refusal on unsafe prompts)"
            : "refusal on unsafe prompts (%)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(pts, x, y, pointRenderer);
        plot.setDataset(1, lines);
        plot.setRenderer(1, lineRenderer);
        ParetoFrontier.baseline(points).ifPresent(lora -> plot.addDomainMarker(
            verticalMarker(100 * (lora.taskAccuracy() - tolerance), "standard LoRA - " + points(tolerance))));

        // The aligned model: a line at its refusal (100% kept), and a point at its task accuracy when
        // that lies near the methods' (an aligned model that never saw the task would squash the x axis).
        Stat alignedTask = summary.aligned() == null ? null : summary.aligned().get(MetricNames.TASK_ACCURACY);
        if (ref.relative()) {
            double alignedY = 100;
            double ax = alignedTask == null ? Double.NaN : 100 * alignedTask.mean();
            double minX = points.stream().filter(ParetoFrontier.Point::finite).mapToDouble(p -> 100 * p.taskAccuracy()).min().orElse(0);
            double maxX = points.stream().filter(ParetoFrontier.Point::finite).mapToDouble(p -> 100 * p.taskAccuracy()).max().orElse(0);
            double pad = Math.max(10, maxX - minX);
            boolean near = Double.isFinite(ax) && ax >= minX - pad && ax <= maxX + pad;
            plot.addRangeMarker(marker(alignedY, "aligned model's refusal"
                + (Double.isFinite(ax) && !near ? " (its task accuracy: " + ReportFormat.fixed(ax, 1) + "%)" : "")));
            if (near) {
                XYSeriesCollection aligned = new XYSeriesCollection();
                XYSeries a = new XYSeries("aligned model");
                a.add(100 * alignedTask.mean(), alignedY);
                aligned.addSeries(a);
                XYLineAndShapeRenderer ar = new XYLineAndShapeRenderer(false, true);
                ar.setSeriesPaint(0, Color.BLACK);
                ar.setSeriesShape(0, ShapeUtils.createRegularCross(6, 1.5f));
                plot.setDataset(2, aligned);
                plot.setRenderer(2, ar);
            }
        }
        style(plot);
        String subtitle = "points: methods at each strength (labels: strength), mean ± 95% CI over seeds; lines: frontiers";
        return Optional.of(new Figure(chart("Refusal kept vs task accuracy: " + summary.name(), subtitle, plot), 1100, 750));
    }

    private static XYSeries line(String key, List<ParetoFrontier.Point> points) {
        XYSeries series = new XYSeries(key, false, true);
        for (ParetoFrontier.Point p : points) {
            series.add(100 * p.taskAccuracy(), 100 * p.refusalKept());
        }
        return series;
    }

    // ---------------------------------------------------------------- curves

    /** One line of {@link #curves}: a method at one strength, averaged over seeds per step. */
    public record MeanCurve(String label, String method, TreeMap<Integer, double[]> refusalAndTask) {
    }

    /**
     * The curves of the finished trials averaged over seeds: per (method, strength), in the order
     * of {@code Summary.methods} (then of first appearance among the trials), step -> {mean
     * refusal_unsafe, mean task_accuracy}, each mean over the seeds with a finite value at that step.
     */
    public static List<MeanCurve> meanCurves(Summary summary) {
        Map<String, List<TrialRecord>> groups = new LinkedHashMap<>();
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, String> methods = new LinkedHashMap<>();
        if (summary.methods() != null) {
            for (MethodSummary m : summary.methods()) {
                String k = key(m.method(), m.strength());
                groups.putIfAbsent(k, new ArrayList<>());
                labels.putIfAbsent(k, ReportFormat.label(m.method(), m.strength(), m.label()));
                methods.putIfAbsent(k, m.method());
            }
        }
        if (summary.trials() != null) {
            for (TrialRecord t : summary.trials()) {
                if (t.failed() || t.curve() == null || t.curve().isEmpty()) {
                    continue;
                }
                String k = key(t.method(), t.strength());
                groups.computeIfAbsent(k, x -> new ArrayList<>()).add(t);
                labels.putIfAbsent(k, ReportFormat.label(t.method(), t.strength(), null));
                methods.putIfAbsent(k, t.method());
            }
        }
        List<MeanCurve> out = new ArrayList<>();
        for (Map.Entry<String, List<TrialRecord>> g : groups.entrySet()) {
            TreeMap<Integer, double[]> sums = new TreeMap<>(); // step -> {sum r, n r, sum t, n t}
            for (TrialRecord t : g.getValue()) {
                for (CurvePoint p : t.curve()) {
                    if (p == null) {
                        continue;
                    }
                    double[] acc = sums.computeIfAbsent(p.step(), x -> new double[4]);
                    if (Double.isFinite(p.refusalUnsafe())) {
                        acc[0] += p.refusalUnsafe();
                        acc[1]++;
                    }
                    if (Double.isFinite(p.taskAccuracy())) {
                        acc[2] += p.taskAccuracy();
                        acc[3]++;
                    }
                }
            }
            if (sums.isEmpty()) {
                continue;
            }
            TreeMap<Integer, double[]> means = new TreeMap<>();
            sums.forEach((step, a) -> means.put(step, new double[] {
                a[1] > 0 ? a[0] / a[1] : Double.NaN, a[3] > 0 ? a[2] / a[3] : Double.NaN}));
            out.add(new MeanCurve(labels.get(g.getKey()), methods.get(g.getKey()), means));
        }
        return out;
    }

    /** The training-curve figure; empty when no finished trial recorded a curve. */
    public static Optional<Figure> curves(Summary summary) {
        List<MeanCurve> curves = meanCurves(summary);
        if (curves.isEmpty()) {
            return Optional.empty();
        }
        XYSeriesCollection refusal = new XYSeriesCollection();
        XYSeriesCollection task = new XYSeriesCollection();
        XYLineAndShapeRenderer r1 = new XYLineAndShapeRenderer(true, true);
        XYLineAndShapeRenderer r2 = new XYLineAndShapeRenderer(true, true);
        r2.setDefaultSeriesVisibleInLegend(false);
        Map<String, Color> colours = methodColours(summary);
        Map<String, Integer> perMethod = new LinkedHashMap<>();
        int i = 0;
        for (MeanCurve c : curves) {
            XYSeries a = new XYSeries(c.label(), false, true);
            XYSeries b = new XYSeries(c.label(), false, true);
            c.refusalAndTask().forEach((step, v) -> {
                if (Double.isFinite(v[0])) {
                    a.add((double) step, 100 * v[0]);
                }
                if (Double.isFinite(v[1])) {
                    b.add((double) step, 100 * v[1]);
                }
            });
            refusal.addSeries(a);
            task.addSeries(b);
            // one colour per method, one dash pattern per strength of that method
            int nth = perMethod.merge(c.method(), 1, Integer::sum) - 1;
            Color colour = colours.getOrDefault(c.method(), PALETTE[i % PALETTE.length]);
            for (XYLineAndShapeRenderer r : List.of(r1, r2)) {
                r.setSeriesPaint(i, colour);
                r.setSeriesStroke(i, nth == 0 ? new BasicStroke(2f) : dashPattern(nth));
                r.setSeriesShape(i, shape(i));
            }
            i++;
        }
        NumberAxis stepAxis = new NumberAxis("fine-tuning step");
        stepAxis.setAutoRangeIncludesZero(false);
        stepAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(stepAxis);
        plot.setGap(12);
        XYPlot top = new XYPlot(refusal, null, new NumberAxis("refusal on unsafe prompts (%)"), r1);
        Stat alignedRefusal = summary.aligned() == null ? null : summary.aligned().get(MetricNames.REFUSAL_UNSAFE);
        if (alignedRefusal != null && Double.isFinite(alignedRefusal.mean())) {
            top.addRangeMarker(marker(100 * alignedRefusal.mean(), "aligned model"));
        }
        XYPlot bottom = new XYPlot(task, null, new NumberAxis("task accuracy (%)"), r2);
        style(top);
        style(bottom);
        plot.add(top, 1);
        plot.add(bottom, 1);
        return Optional.of(new Figure(chart("Fine-tuning curves: " + summary.name(),
            "mean over seeds at each evaluation step", plot), 1100, 850));
    }

    // ---------------------------------------------------------------- spectrum

    /** The Fisher spectrum figure; empty when no layer has a positive eigenvalue. */
    public static Optional<Figure> spectrum(Summary summary) {
        if (summary.spectrum() == null) {
            return Optional.empty();
        }
        return spectrum(summary.spectrum(), "Alignment Fisher spectrum per layer: " + summary.name(),
            "kept eigenvalues at the aligned model (first seed) and the energy they capture");
    }

    /** The spectrum figure of any layers' spectra (e.g. {@code alignguard fisher}'s); empty when no layer has a positive eigenvalue. */
    public static Optional<Figure> spectrum(List<LayerSpectrum> spectra, String title, String subtitle) {
        XYSeriesCollection eig = new XYSeriesCollection();
        XYSeriesCollection energy = new XYSeriesCollection();
        XYLineAndShapeRenderer r1 = new XYLineAndShapeRenderer(true, true);
        XYLineAndShapeRenderer r2 = new XYLineAndShapeRenderer(true, false);
        r2.setDefaultSeriesVisibleInLegend(false);
        int i = 0;
        for (LayerSpectrum layer : spectra) {
            if (layer == null || layer.rawEigenvalues() == null) {
                continue;
            }
            String name = layer.layer() == null ? "layer " + i : layer.layer();
            XYSeries a = new XYSeries(name, false, true);
            double[] ev = layer.rawEigenvalues();
            for (int k = 0; k < ev.length; k++) {
                if (ev[k] > 0 && Double.isFinite(ev[k])) {
                    a.add(k + 1, ev[k]);
                }
            }
            if (a.getItemCount() == 0) {
                continue;
            }
            XYSeries b = new XYSeries(name, false, true);
            double[] ce = layer.cumulativeEnergy() == null ? new double[0] : layer.cumulativeEnergy();
            for (int k = 0; k < ce.length; k++) {
                if (Double.isFinite(ce[k])) {
                    b.add(k + 1, 100 * ce[k]);
                }
            }
            eig.addSeries(a);
            energy.addSeries(b);
            Color colour = PALETTE[i % PALETTE.length];
            Stroke stroke = i < PALETTE.length ? new BasicStroke(1.5f) : dashPattern(i / PALETTE.length);
            for (XYLineAndShapeRenderer r : List.of(r1, r2)) {
                r.setSeriesPaint(i, colour);
                r.setSeriesStroke(i, stroke);
            }
            r1.setSeriesShape(i, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
            i++;
        }
        if (i == 0) {
            return Optional.empty();
        }
        NumberAxis index = new NumberAxis("eigenvalue index k (descending)");
        index.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(index);
        plot.setGap(12);
        LogAxis log = new LogAxis("Fisher eigenvalue (raw, log scale)");
        log.setSmallestValue(1e-300);
        if (decades(eig) >= 2) {
            log.setTickUnit(new NumberTickUnit(1.0), false, true); // one tick per power of ten
        }
        log.setNumberFormatOverride(new DecimalFormat("0.#E0", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        XYPlot top = new XYPlot(eig, null, log, r1);
        NumberAxis energyAxis = new NumberAxis("cumulative energy (% of layer Fisher trace)");
        energyAxis.setRange(0, 105);
        XYPlot bottom = new XYPlot(energy, null, energyAxis, r2);
        bottom.addRangeMarker(marker(80, "80%"));
        style(top);
        style(bottom);
        plot.add(top, 3);
        plot.add(bottom, 2);
        return Optional.of(new Figure(chart(title, subtitle, plot), 1100, 850));
    }

    /** How many powers of ten the positive y values of {@code ds} span. */
    private static double decades(XYSeriesCollection ds) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (int s = 0; s < ds.getSeriesCount(); s++) {
            for (int i = 0; i < ds.getItemCount(s); i++) {
                double y = ds.getYValue(s, i);
                lo = Math.min(lo, y);
                hi = Math.max(hi, y);
            }
        }
        return hi > 0 && lo > 0 ? Math.log10(hi / lo) : 0;
    }

    // ---------------------------------------------------------------- ablation

    /**
     * The per-label bar figure; empty when no method has a drift or a task accuracy.
     * {@code tolerance} places the "standard LoRA minus tolerance" line on the task panel.
     */
    public static Optional<Figure> ablation(Summary summary, double tolerance) {
        if (summary.methods() == null || summary.methods().isEmpty()) {
            return Optional.empty();
        }
        double alignedRefusal = ReportFormat.mean(summary.aligned(), MetricNames.REFUSAL_UNSAFE);
        DefaultStatisticalCategoryDataset drift = new DefaultStatisticalCategoryDataset();
        DefaultStatisticalCategoryDataset task = new DefaultStatisticalCategoryDataset();
        Map<String, Color> colours = methodColours(summary);
        List<Color> columnColours = new ArrayList<>();
        boolean any = false;
        Double loraDrift = null;
        Double loraTask = null;
        for (MethodSummary m : summary.methods()) {
            String label = uniqueLabel(m, drift);
            Stat d = driftStat(m, alignedRefusal);
            Stat t = ReportFormat.stat(m.metrics(), MetricNames.TASK_ACCURACY);
            Number dm = d == null || !Double.isFinite(d.mean()) ? null : 100 * d.mean();
            Number tm = t == null || !Double.isFinite(t.mean()) ? null : 100 * t.mean();
            drift.add(dm, dm == null ? null : 100 * zeroIfNaN(d.ci95()), "drift", label);
            task.add(tm, tm == null ? null : 100 * zeroIfNaN(t.ci95()), "task accuracy", label);
            columnColours.add(colours.getOrDefault(m.method(), Color.DARK_GRAY));
            any |= dm != null || tm != null;
            if (MethodCatalog.isKind(m.kind(), Lora.KIND) && loraDrift == null) {
                loraDrift = dm == null ? null : dm.doubleValue();
                loraTask = tm == null ? null : tm.doubleValue();
            }
        }
        if (!any) {
            return Optional.empty();
        }
        CategoryAxis labels = new CategoryAxis("method");
        labels.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
        labels.setTickLabelFont(SMALL);
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(labels);
        plot.setGap(12);
        CategoryPlot top = new CategoryPlot(drift, null, new NumberAxis("drift (percentage points, lower is better)"),
            bars(columnColours));
        if (loraDrift != null && loraDrift > 0) {
            top.addRangeMarker(marker(loraDrift / 2, "half of standard LoRA's drift"));
        }
        CategoryPlot bottom = new CategoryPlot(task, null, new NumberAxis("task accuracy (%)"), bars(columnColours));
        if (loraTask != null) {
            bottom.addRangeMarker(marker(loraTask - 100 * tolerance, "standard LoRA - " + points(tolerance)));
        }
        for (CategoryPlot p : List.of(top, bottom)) {
            p.setBackgroundPaint(Color.WHITE);
            p.setRangeGridlinePaint(GRID);
            p.setOutlineVisible(false);
        }
        plot.add(top, 1);
        plot.add(bottom, 1);
        int width = Math.max(900, 110 * summary.methods().size() + 250);
        JFreeChart chart = chart("Drift and task accuracy per method: " + summary.name(),
            "mean ± 95% CI over seeds", plot);
        chart.removeLegend();
        return Optional.of(new Figure(chart, width, 900));
    }

    // ---------------------------------------------------------------- continual

    /**
     * A sequential study's figure: over the stages (0 = the aligned model, k = after task k), per
     * method, the cumulative drift (top), the mean test accuracy of the tasks trained so far (middle)
     * and the first task's accuracy (bottom: how it is forgotten); mean ± 95% CI over base seeds.
     * Empty for other studies.
     */
    public static Optional<Figure> continual(Summary summary) {
        Optional<ContinualResult> result = ContinualSection.result(summary);
        if (result.isEmpty() || result.get().methods().isEmpty()) {
            return Optional.empty();
        }
        ContinualResult r = result.get();
        NumberAxis stages = new NumberAxis("stage (0 = aligned model, k = after task k)");
        stages.setTickUnit(new NumberTickUnit(1));
        stages.setRange(-0.2, r.tasks() + 0.2);
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(stages);
        plot.setGap(12);
        String[][] panels = {{MetricNames.DRIFT, "cumulative drift (points)"},
            {"mean_task_accuracy", "mean accuracy, tasks so far (%)"}, {StageMetrics.taskAccuracy(1), "task 1 accuracy (%)"}};
        for (String[] panel : panels) {
            XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
            XYErrorRenderer renderer = new XYErrorRenderer();
            renderer.setDefaultSeriesVisibleInLegend(panel == panels[0]); // one legend entry per method
            renderer.setDefaultLinesVisible(true);
            renderer.setDefaultShapesVisible(true);
            for (int i = 0; i < r.methods().size(); i++) {
                ContinualResult.Method m = r.methods().get(i);
                XYIntervalSeries series = new XYIntervalSeries(m.label() + " [" + m.adapter() + ", " + m.fisher() + "]");
                for (int stage = 0; stage <= r.tasks(); stage++) {
                    Stat st = m.at(stage, panel[0]);
                    double mean = stage == 0 && panel[0].equals(MetricNames.DRIFT) ? 0 : st == null ? Double.NaN : st.mean();
                    if (!Double.isFinite(mean)) {
                        continue;
                    }
                    double ci = st == null ? 0 : zeroIfNaN(st.ci95());
                    double x = stage + 0.04 * (i - (r.methods().size() - 1) / 2.0); // spread the error bars apart
                    series.add(x, x, x, 100 * mean, 100 * (mean - ci), 100 * (mean + ci));
                }
                data.addSeries(series);
                Color c = PALETTE[i % PALETTE.length];
                renderer.setSeriesPaint(i, c);
                renderer.setSeriesShape(i, shape(i));
                renderer.setSeriesStroke(i, m.adapter().equals("continue") ? dashed(2f) : new BasicStroke(2f));
            }
            renderer.setErrorPaint(Color.GRAY);
            XYPlot sub = new XYPlot(data, null, new NumberAxis(panel[1]), renderer);
            style(sub);
            sub.setRenderer(renderer);
            plot.add(sub, 1);
        }
        JFreeChart chart = chart("Sequential fine-tuning: " + summary.name(),
            r.tasks() + " tasks one after another; mean ± 95% CI over base seeds; dashed: one adapter continued", plot);
        return Optional.of(new Figure(chart, 1000, 1100));
    }

    /** {@code drift} from the summary, or (mean only) aligned refusal minus the method's refusal. */
    static Stat driftStat(MethodSummary m, double alignedRefusal) {
        Stat d = ReportFormat.stat(m.metrics(), MetricNames.DRIFT);
        if (d != null) {
            return d;
        }
        double r = ReportFormat.mean(m.metrics(), MetricNames.REFUSAL_UNSAFE);
        if (Double.isFinite(r) && Double.isFinite(alignedRefusal)) {
            return new Stat(alignedRefusal - r, Double.NaN, new double[0]);
        }
        return null;
    }

    private static String uniqueLabel(MethodSummary m, DefaultStatisticalCategoryDataset ds) {
        String base = ReportFormat.label(m.method(), m.strength(), m.label());
        String label = base;
        for (int n = 2; ds.getColumnIndex(label) >= 0; n++) {
            label = base + " #" + n;
        }
        return label;
    }

    private static StatisticalBarRenderer bars(List<Color> columnColours) {
        StatisticalBarRenderer r = new StatisticalBarRenderer() {
            @Override
            public Paint getItemPaint(int row, int column) {
                return column < columnColours.size() ? columnColours.get(column) : Color.DARK_GRAY;
            }
        };
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setErrorIndicatorPaint(Color.BLACK);
        r.setMaximumBarWidth(0.08);
        r.setItemMargin(0);
        return r;
    }

    // ---------------------------------------------------------------- shared

    /** Method name -> colour, in order of first appearance in the method summaries, then the trials. */
    static Map<String, Color> methodColours(Summary summary) {
        Map<String, Color> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        if (summary.methods() != null) {
            summary.methods().forEach(m -> names.add(m.method()));
        }
        if (summary.trials() != null) {
            summary.trials().forEach(t -> names.add(t.method()));
        }
        for (String n : names) {
            if (n != null && !out.containsKey(n)) {
                out.put(n, PALETTE[out.size() % PALETTE.length]);
            }
        }
        return out;
    }

    private static String key(String method, double strength) {
        return Objects.toString(method) + "\u0000" + Double.doubleToLongBits(strength == 0 ? 0.0 : strength);
    }

    private static String points(double tolerance) {
        return ReportFormat.compact(100 * tolerance) + " points";
    }

    private static double zeroIfNaN(double v) {
        return Double.isFinite(v) ? v : 0;
    }

    private static Shape shape(int i) {
        return switch (i % 6) {
            case 0 -> new Ellipse2D.Double(-4.5, -4.5, 9, 9);
            case 1 -> new Rectangle2D.Double(-4, -4, 8, 8);
            case 2 -> ShapeUtils.createUpTriangle(5);
            case 3 -> ShapeUtils.createDiamond(5);
            case 4 -> ShapeUtils.createDownTriangle(5);
            default -> ShapeUtils.createDiagonalCross(4.5f, 1.5f);
        };
    }

    private static Stroke dashed(float width) {
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
    }

    private static Stroke dashPattern(int n) {
        float[][] patterns = {{6f, 4f}, {2f, 3f}, {10f, 3f, 2f, 3f}, {1f, 2f}};
        return new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
            patterns[(n - 1) % patterns.length], 0f);
    }

    /** A dashed horizontal line (range marker) labelled just above its left end. */
    private static ValueMarker marker(double value, String label) {
        ValueMarker m = new ValueMarker(value, Color.DARK_GRAY, dashed(1f));
        m.setLabel(label);
        m.setLabelFont(SMALL);
        m.setLabelPaint(Color.DARK_GRAY);
        m.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        m.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        return m;
    }

    /** A dashed vertical line (domain marker) labelled at its top, to its left. */
    private static ValueMarker verticalMarker(double value, String label) {
        ValueMarker m = marker(value, label);
        m.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        m.setLabelTextAnchor(TextAnchor.TOP_RIGHT);
        return m;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlineVisible(false);
        plot.setOrientation(PlotOrientation.VERTICAL);
    }

    private static JFreeChart chart(String title, String subtitle, org.jfree.chart.plot.Plot plot) {
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(subtitle, SMALL));
        LegendTitle legend = chart.getLegend();
        if (legend != null) {
            legend.setItemFont(SMALL);
            legend.setPosition(RectangleEdge.BOTTOM);
        }
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        return chart;
    }
}
