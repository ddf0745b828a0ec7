package dev.edgewise.cli;

import dev.edgewise.loader.AtomicFile;

import org.apache.batik.svggen.SVGGraphics2D;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.text.TextUtils;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.awt.Dimension;
import java.awt.Paint;
import java.awt.Shape;
import java.awt.Rectangle;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The plot of an eval sweep: accuracy against mean generated tokens per question (left) and against median
 * latency (right), sharing the accuracy axis, one curve per reasoning mode and branch count (its points are
 * the budgets). Drawn by JFreeChart; PNG through ImageIO, SVG through Batik's SVGGraphics2D. Written whole
 * or not at all.
 */
final class SweepPlot {
    static final int WIDTH = 1100, HEIGHT = 520;
    static final String TOKENS_AXIS = "mean generated tokens per question (all branches)";
    static final String LATENCY_AXIS = "median latency per question (ms)";
    static final String ACCURACY_AXIS = "accuracy";

    private SweepPlot() {}

    /** Fails early, before any run, on a file name that is neither .svg nor .png. */
    static void checkFormat(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".svg") && !name.endsWith(".png")) throw new UsageException("--plot " + file + ": expected a .svg or .png file");
    }

    static void write(Path file, List<Map<String, Object>> cells, String title) throws IOException {
        checkFormat(file);
        System.setProperty("java.awt.headless", "true");
        JFreeChart chart = chart(cells, title);
        try (AtomicFile.Group output = new AtomicFile.Group()) {
            Path tmp = output.stage(file);
            if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                ChartUtils.saveChartAsPNG(tmp.toFile(), chart, WIDTH, HEIGHT);
            } else {
                writeSvg(tmp, chart);
            }
            output.commit();
        }
    }

    static JFreeChart chart(List<Map<String, Object>> cells, String title) {
        XYSeriesCollection byTokens = new XYSeriesCollection(), byLatency = new XYSeriesCollection();
        for (Map<String, Object> c : cells) {
            String name = c.get("reasoning") + ", " + c.get("branches_per_question") + " branch" + (((Number) c.get("branches_per_question")).intValue() == 1 ? "" : "es");
            double accuracy = ((Number) c.get("accuracy")).doubleValue();
            series(byTokens, name).add(((Number) c.get("mean_tokens_per_question")).doubleValue(), accuracy);
            series(byLatency, name).add(EvalSweep.p(c, "latency_ms", "p50"), accuracy);
        }
        NumberAxis accuracyAxis = new NumberAxis(ACCURACY_AXIS);
        accuracyAxis.setRange(0, 1.05);
        CombinedRangeXYPlot plot = new CombinedRangeXYPlot(accuracyAxis);
        plot.setGap(16);
        plot.add(subplot(byTokens, TOKENS_AXIS, true), 1);
        plot.add(subplot(byLatency, LATENCY_AXIS, false), 1); // same series, same colours: one legend
        return new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    }

    private static XYSeries series(XYSeriesCollection c, String name) {
        int i = c.getSeriesIndex(name);
        if (i >= 0) return c.getSeries(i);
        XYSeries s = new XYSeries(name, true, true); // sorted by x: a curve through the budgets
        c.addSeries(s);
        return s;
    }

    private static XYPlot subplot(XYSeriesCollection data, String xLabel, boolean inLegend) {
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(true);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        Paint[] paints = DefaultDrawingSupplier.DEFAULT_PAINT_SEQUENCE;
        Shape[] shapes = DefaultDrawingSupplier.createStandardSeriesShapes();
        for (int i = 0; i < data.getSeriesCount(); i++) {
            r.setSeriesPaint(i, paints[i % paints.length]);
            r.setSeriesShape(i, shapes[i % shapes.length]);
        }
        r.setDefaultSeriesVisibleInLegend(inLegend);
        return new XYPlot(data, x, null, r);
    }

    private static void writeSvg(Path file, JFreeChart chart) throws IOException {
        Document doc;
        try {
            doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().newDocument();
        } catch (ParserConfigurationException e) {
            throw new IOException("no XML DOM for the SVG plot: " + e.getMessage(), e);
        }
        // rotated labels (the accuracy axis) as <text> elements, not glyph outlines, so the SVG stays searchable
        TextUtils.setUseDrawRotatedStringWorkaround(false);
        SVGGraphics2D g = new SVGGraphics2D(doc);
        g.setSVGCanvasSize(new Dimension(WIDTH, HEIGHT));
        chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            g.stream(w, true);
        }
    }
}
