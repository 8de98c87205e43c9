package org.e3j.cli.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.e3j.cli.OptionException;
import org.e3j.graph.Elements;
import org.e3j.graph.io.SafeOutput;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a {@link FeatureScene}: two panels side by side, the structure and its rotated copy, seen
 * by the same fixed orthographic camera. Atoms are discs (colour: first scalar channel on a
 * blue-white-red scale; radius: the second scalar channel's magnitude, else the first's); each
 * vector channel is a set of arrows; the higher-l signal is a glyph, the outline of the polar surface
 * {@code |f(n)| n} (red where f &gt; 0, blue where f &lt; 0). Scales are shared by both panels, and
 * the axes have equal units, so lengths and angles compare across the picture.
 */
public final class FeaturePlot {
    static final Color[] ARROW_COLOURS = {new Color(0, 130, 0), new Color(120, 40, 170), new Color(230, 120, 0),
        new Color(20, 20, 20), new Color(0, 130, 140), new Color(150, 80, 20)};
    static final String[] ARROW_COLOUR_NAMES = {"green", "purple", "orange", "black", "teal", "brown"};
    private static final Color POSITIVE = new Color(214, 39, 40);
    private static final Color NEGATIVE = new Color(31, 90, 200);
    private static final int CIRCLE_POINTS = 72;
    private static final int GLYPH_BINS = 144;

    private FeaturePlot() {}

    /** The two panels; {@code name} describes the structure in the left title. */
    public static PanelChart chart(FeatureScene s, int width, int height, Camera cam, String name, String rotationNote) {
        Figures.headless();
        Figures.checkSize(width, height);
        if (s.vectors.size() > ARROW_COLOURS.length) {
            throw new OptionException("--channel selects " + s.vectors.size() + " vector channels; at most "
                    + ARROW_COLOURS.length + " sets of arrows can be told apart in one picture");
        }
        Scales sc = new Scales(s);
        String legend = legend(s);
        String check = String.format(Locale.ROOT, "%s; |arrows - R arrows of the original| / max |arrow| = %.0e",
                rotationNote, s.arrowError());
        int[] b = PanelChart.cell(0, 1, 2, width, height, false);
        XYChart left = panel(s, s.original, sc, cam, b[2], b[3], name + ", " + s.tensor, legend);
        XYChart right = panel(s, s.rotated, sc, cam, b[2], b[3], "rotated copy, features recomputed", check);
        equalAspect(left, b[2], b[3], sc.half);
        equalAspect(right, b[2], b[3], sc.half);
        return new PanelChart(width, height, 1, 2, null, List.of(left, right));
    }

    public static void write(PanelChart chart, Path out, SafeOutput.Input... inputs) throws IOException {
        Figures.write(chart, out, inputs);
    }

    /** Sizes shared by both panels so that they compare. */
    static final class Scales {
        final double minDistance;
        final double maxColour;
        final double maxSize;
        final double arrowScale;
        final double glyphScale;
        final double half;

        Scales(FeatureScene s) {
            FeatureScene.Panel p = s.original;
            double d = Double.POSITIVE_INFINITY;
            for (int i = 0; i < p.atoms(); i++) {
                for (int j = i + 1; j < p.atoms(); j++) {
                    d = Math.min(d, dist(p.positions(), i, j));
                }
            }
            minDistance = Math.max(d, 0.3);
            maxColour = Math.max(maxAbs(s.original.colour()), maxAbs(s.rotated.colour()));
            double[] so = s.original.size() != null ? s.original.size() : s.original.colour();
            double[] sr = s.rotated.size() != null ? s.rotated.size() : s.rotated.colour();
            maxSize = Math.max(maxAbs(so), maxAbs(sr));
            double maxV = 0;
            for (FeatureScene.Panel q : List.of(s.original, s.rotated)) {
                for (double[] v : q.vectors()) {
                    for (int i = 0; i < q.atoms(); i++) {
                        maxV = Math.max(maxV, Math.sqrt(v[3 * i] * v[3 * i] + v[3 * i + 1] * v[3 * i + 1]
                                + v[3 * i + 2] * v[3 * i + 2]));
                    }
                }
            }
            arrowScale = maxV > 0 ? 0.65 * minDistance / maxV : 0;
            double maxG = 0;
            for (FeatureScene.Panel q : List.of(s.original, s.rotated)) {
                for (Glyph g : q.glyphs()) {
                    maxG = Math.max(maxG, g.maxAbs());
                }
            }
            glyphScale = maxG > 0 ? 0.42 * minDistance / maxG : 0;
            double r = 0;
            for (FeatureScene.Panel q : List.of(s.original, s.rotated)) {
                for (int i = 0; i < q.atoms(); i++) {
                    double x = q.positions()[3 * i] - s.centroid[0];
                    double y = q.positions()[3 * i + 1] - s.centroid[1];
                    double z = q.positions()[3 * i + 2] - s.centroid[2];
                    r = Math.max(r, Math.sqrt(x * x + y * y + z * z));
                }
            }
            half = r + 0.6 * minDistance;
        }

        double radius(double[] size, int i) {
            double t = maxSize > 0 && size != null ? Math.abs(size[i]) / maxSize : 1;
            return minDistance * (0.06 + 0.14 * t);
        }
    }

    private static double dist(double[] p, int i, int j) {
        double dx = p[3 * i] - p[3 * j];
        double dy = p[3 * i + 1] - p[3 * j + 1];
        double dz = p[3 * i + 2] - p[3 * j + 2];
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        if (v != null) {
            for (double x : v) {
                m = Math.max(m, Math.abs(x));
            }
        }
        return m;
    }

    /** Blue (-1) - light grey (0) - red (+1), a diverging scale. */
    static Color diverging(double t) {
        t = Math.max(-1, Math.min(1, t));
        int[] mid = {235, 235, 235};
        int[] end = t >= 0 ? new int[] {200, 30, 40} : new int[] {40, 80, 200};
        double a = Math.abs(t);
        return new Color((int) Math.round(mid[0] + a * (end[0] - mid[0])), (int) Math.round(mid[1] + a * (end[1] - mid[1])),
                (int) Math.round(mid[2] + a * (end[2] - mid[2])));
    }

    private static String legend(FeatureScene s) {
        List<String> parts = new ArrayList<>();
        if (!s.scalars.isEmpty()) {
            parts.add("colour " + s.scalars.get(0).label());
            parts.add("size |" + (s.scalars.size() > 1 ? s.scalars.get(1) : s.scalars.get(0)).label() + "|");
        }
        if (!s.vectors.isEmpty()) {
            parts.add("arrows " + IntStream.range(0, s.vectors.size())
                    .mapToObj(k -> s.vectors.get(k).label() + (s.vectors.size() > 1 ? " " + ARROW_COLOUR_NAMES[k] : ""))
                    .collect(Collectors.joining(", ")));
        }
        if (!s.higher.isEmpty()) {
            parts.add("glyph " + s.higher.stream().map(Channel::label).collect(Collectors.joining("+")));
        }
        return String.join(" | ", parts);
    }

    private static XYChart panel(FeatureScene s, FeatureScene.Panel p, Scales sc, Camera cam, int w, int h,
            String title, String caption) {
        XYChart c = new XYChart(w, h);
        c.setTitle(title);
        c.setXAxisTitle(caption);
        XYStyler st = c.getStyler();
        st.setLegendVisible(false);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(new Color(200, 200, 200));
        st.setPlotGridLinesVisible(false);
        st.setAxisTicksVisible(false);
        st.setYAxisTitleVisible(false);
        st.setXAxisTitleVisible(true);
        st.setChartTitleBoxVisible(false);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        st.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        st.setAnnotationTextFontColor(Color.BLACK);
        st.setChartPadding(8);
        st.setPlotMargin(0);
        st.setXAxisMin(-sc.half);
        st.setXAxisMax(sc.half);
        st.setYAxisMin(-sc.half);
        st.setYAxisMax(sc.half);

        int n = p.atoms();
        double[] u = new double[n];
        double[] v = new double[n];
        double[] depth = new double[n];
        for (int i = 0; i < n; i++) {
            double x = p.positions()[3 * i] - s.centroid[0];
            double y = p.positions()[3 * i + 1] - s.centroid[1];
            double z = p.positions()[3 * i + 2] - s.centroid[2];
            u[i] = cam.u(x, y, z);
            v[i] = cam.v(x, y, z);
            depth[i] = cam.depth(x, y, z);
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, Comparator.comparingDouble(i -> depth[i])); // far to near
        double headLen = 0.16 * sc.minDistance;
        int[][] g0 = p.graph();
        java.util.Set<Long> drawn = new java.util.HashSet<>();
        for (int e = 0; e < g0[0].length; e++) {
            int a = Math.min(g0[0][e], g0[1][e]);
            int b = Math.max(g0[0][e], g0[1][e]);
            if (a != b && drawn.add((long) a * n + b)) {
                XYSeries bond = c.addSeries("edge" + a + "-" + b, new double[] {u[a], u[b]}, new double[] {v[a], v[b]});
                bond.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                bond.setMarker(SeriesMarkers.NONE);
                bond.setLineColor(new Color(190, 190, 190));
                bond.setLineStyle(stroke(1.5f));
            }
        }
        for (int i : order) {
            double r = sc.radius(p.size() != null ? p.size() : p.colour(), i);
            double[] cu = new double[CIRCLE_POINTS + 1];
            double[] cv = new double[CIRCLE_POINTS + 1];
            for (int k = 0; k <= CIRCLE_POINTS; k++) {
                double t = 2 * Math.PI * k / CIRCLE_POINTS;
                cu[k] = u[i] + r * Math.cos(t);
                cv[k] = v[i] + r * Math.sin(t);
            }
            Color fill = p.colour() != null && sc.maxColour > 0 ? diverging(p.colour()[i] / sc.maxColour)
                    : new Color(200, 200, 200);
            polygon(c, "atom" + i, cu, cv, fill, new Color(60, 60, 60), 1.2f);
            // The glyph over its atom (translucent), so that a small glyph is not hidden by the disc.
            Glyph g = p.glyphs()[i];
            if (!g.isEmpty() && sc.glyphScale > 0) {
                for (boolean positive : new boolean[] {false, true}) {
                    double[][] o = g.outline(cam, positive, GLYPH_BINS, sc.glyphScale);
                    if (o != null) {
                        Color col = positive ? POSITIVE : NEGATIVE;
                        polygon(c, "glyph" + (positive ? "+" : "-") + i, shift(o[0], u[i]), shift(o[1], v[i]),
                                new Color(col.getRed(), col.getGreen(), col.getBlue(), 90), col, 1.0f);
                    }
                }
            }
            for (int k = 0; k < p.vectors().length; k++) {
                double[] vec = p.vectors()[k];
                double x = vec[3 * i] * sc.arrowScale;
                double y = vec[3 * i + 1] * sc.arrowScale;
                double z = vec[3 * i + 2] * sc.arrowScale;
                double du = cam.u(x, y, z);
                double dv = cam.v(x, y, z);
                double len = Math.hypot(du, dv);
                double tu = u[i] + du;
                double tv = v[i] + dv;
                double[] xs;
                double[] ys;
                if (len > 1e-3 * sc.minDistance) {
                    double hl = Math.min(headLen, 0.5 * len);
                    double eu = du / len;
                    double ev = dv / len;
                    xs = new double[] {u[i], tu, tu - hl * eu - 0.5 * hl * ev, tu, tu - hl * eu + 0.5 * hl * ev};
                    ys = new double[] {v[i], tv, tv - hl * ev + 0.5 * hl * eu, tv, tv - hl * ev - 0.5 * hl * eu};
                } else {
                    xs = new double[] {u[i], tu};
                    ys = new double[] {v[i], tv};
                }
                XYSeries a = c.addSeries("arrow" + k + "-" + i, xs, ys);
                a.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
                a.setMarker(SeriesMarkers.NONE);
                a.setLineColor(ARROW_COLOURS[k]);
                a.setLineStyle(stroke(2.4f));
            }
            c.addAnnotation(new AnnotationText(Elements.symbol(p.numbers()[i]), u[i], v[i], false));
        }
        return c;
    }

    private static double[] shift(double[] a, double d) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + d;
        }
        return out;
    }

    private static void polygon(XYChart c, String name, double[] x, double[] y, Color fill, Color line, float width) {
        XYSeries s = c.addSeries(name, x, y);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.PolygonArea);
        s.setMarker(SeriesMarkers.NONE);
        s.setFillColor(fill);
        s.setLineColor(line);
        s.setLineStyle(stroke(width));
    }

    private static java.awt.BasicStroke stroke(float width) {
        return new java.awt.BasicStroke(width, java.awt.BasicStroke.CAP_ROUND, java.awt.BasicStroke.JOIN_ROUND);
    }

    /**
     * Widens one axis so that a data unit is as long across as up: paints once off-screen to learn
     * where XChart put the plot area.
     */
    static void equalAspect(XYChart c, int w, int h, double half) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            c.paint(g, w, h);
        } finally {
            g.dispose();
        }
        double sx = Math.abs(c.getScreenXFromChart(half) - c.getScreenXFromChart(-half)) / (2 * half);
        double sy = Math.abs(c.getScreenYFromChart(half) - c.getScreenYFromChart(-half)) / (2 * half);
        if (!(sx > 0) || !(sy > 0)) {
            return;
        }
        XYStyler st = c.getStyler();
        if (sx > sy) {
            double hx = half * sx / sy;
            st.setXAxisMin(-hx);
            st.setXAxisMax(hx);
        } else {
            double hy = half * sy / sx;
            st.setYAxisMin(-hy);
            st.setYAxisMax(hy);
        }
    }

    /** Pixels per data unit along x and y of a painted panel (equal after {@link #equalAspect}). */
    static double[] pixelsPerUnit(XYChart c, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            c.paint(g, w, h);
        } finally {
            g.dispose();
        }
        return new double[] {Math.abs(c.getScreenXFromChart(1) - c.getScreenXFromChart(0)),
            Math.abs(c.getScreenYFromChart(1) - c.getScreenYFromChart(0))};
    }
}
