package org.e3j.cli.viz;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.e3j.graph.io.SafeOutput;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Energies and temperature against time, four panels each on its own scale (so the small drift of
 * the total energy shows as well as the large swings of the potential): potential, kinetic, total
 * energy and temperature. Without kinetic energy, one panel: the potential energy. Series are named
 * {@value #POTENTIAL}, {@value #KINETIC}, {@value #TOTAL}, {@value #TEMPERATURE} and hold the
 * series' numbers unchanged.
 */
public final class EnergyPlot {
    public static final String POTENTIAL = "potential";
    public static final String KINETIC = "kinetic";
    public static final String TOTAL = "total";
    public static final String TEMPERATURE = "temperature";

    static final Color BLUE = new Color(31, 119, 180);
    static final Color ORANGE = new Color(230, 110, 0);
    static final Color GREEN = new Color(44, 160, 44);
    static final Color RED = new Color(214, 39, 40);

    private EnergyPlot() {}

    public static PanelChart chart(EnergySeries s, int width, int height, String title) {
        Figures.headless();
        Figures.checkSize(width, height);
        List<XYChart> panels = new ArrayList<>();
        boolean full = s.hasKinetic();
        int rows = full ? 2 : 1;
        int cols = full ? 2 : 1;
        panels.add(panel(s, s.potential(), POTENTIAL, "potential energy", "eV", BLUE, width, height, rows, cols, 0));
        if (full) {
            panels.add(panel(s, s.kinetic(), KINETIC, "kinetic energy", "eV", GREEN, width, height, rows, cols, 1));
            panels.add(panel(s, s.total(), TOTAL, "total energy", "eV", RED, width, height, rows, cols, 2));
            panels.add(panel(s, s.temperature(), TEMPERATURE, "temperature", "K", ORANGE, width, height, rows, cols, 3));
        }
        return new PanelChart(width, height, rows, cols, title, panels);
    }

    /** Writes the plot, never onto one of {@code inputs} (see {@link Figures#write}). */
    public static void write(EnergySeries s, Path out, int width, int height, String title,
            SafeOutput.Input... inputs) throws IOException {
        Figures.write(chart(s, width, height, title), out, inputs);
    }

    private static XYChart panel(EnergySeries s, double[] y, String name, String title, String unit, Color colour,
            int width, int height, int rows, int cols, int k) {
        int[] b = PanelChart.cell(k, rows, cols, width, height, true);
        XYChart c = new XYChart(b[2], b[3]);
        c.setTitle(title);
        c.setXAxisTitle(s.xLabel());
        c.setYAxisTitle(unit);
        XYStyler st = c.getStyler();
        st.setLegendVisible(false);
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBorderColor(Color.GRAY);
        st.setPlotGridLinesColor(new Color(225, 225, 225));
        st.setChartTitleBoxVisible(false);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        st.setMarkerSize(5);
        st.setChartPadding(8);
        st.setYAxisDecimalPattern(pattern(y));
        XYSeries series = c.addSeries(name, s.x(), y);
        series.setLineColor(colour);
        series.setMarkerColor(colour);
        series.setLineStyle(SeriesLines.SOLID);
        series.setLineWidth(1.8f);
        series.setMarker(s.size() <= 40 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        return c;
    }

    /** A y tick pattern with enough decimals to tell ticks of this data apart (about 5 per axis). */
    static String pattern(double[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            lo = Math.min(lo, d);
            hi = Math.max(hi, d);
        }
        double span = hi - lo;
        double scale = Math.max(Math.abs(lo), Math.abs(hi));
        if (!(span > 1e-12 * scale) || !(span > 0)) {
            span = Math.max(scale * 1e-3, 1e-6);
        }
        int digits = (int) Math.max(0, Math.min(8, Math.ceil(-Math.log10(span / 5))));
        return digits == 0 ? "0" : "0." + "0".repeat(digits);
    }
}
