package org.e3j.cli.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.util.List;
import org.knowm.xchart.XYChart;

/**
 * Several XY charts laid out in a grid, under an optional title line, drawn as one picture, so
 * that both encoders (PNG and SVG) see a single chart of exactly the requested size.
 */
public final class PanelChart extends XYChart {
    /** Height of the title line, pixels. */
    public static final int TITLE_HEIGHT = 30;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);

    private final List<XYChart> panels;
    private final int rows;
    private final int cols;
    private final String title;

    public PanelChart(int width, int height, int rows, int cols, String title, List<XYChart> panels) {
        super(width, height);
        if (panels.size() > rows * cols) {
            throw new IllegalArgumentException(panels.size() + " panels do not fit a " + rows + "x" + cols + " grid");
        }
        this.panels = List.copyOf(panels);
        this.rows = rows;
        this.cols = cols;
        this.title = title;
    }

    public List<XYChart> panels() {
        return panels;
    }

    @Override
    public String getTitle() {
        return title;
    }

    /** {x, y, width, height} of cell k of a {@code rows x cols} grid, under the title line if any. */
    public static int[] cell(int k, int rows, int cols, int width, int height, boolean titled) {
        int top = titled ? TITLE_HEIGHT : 0;
        int h = height - top;
        int r = k / cols;
        int c = k % cols;
        int x0 = c * width / cols;
        int x1 = (c + 1) * width / cols;
        int y0 = top + r * h / rows;
        int y1 = top + (r + 1) * h / rows;
        return new int[] {x0, y0, x1 - x0, y1 - y0};
    }

    @Override
    public void paint(Graphics2D g, int width, int height) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        if (title != null) {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(TITLE_FONT);
            FontMetrics fm = g.getFontMetrics();
            g.drawString(title, Math.max(4, (width - fm.stringWidth(title)) / 2),
                    (TITLE_HEIGHT + fm.getAscent() - fm.getDescent()) / 2);
        }
        for (int k = 0; k < panels.size(); k++) {
            int[] b = cell(k, rows, cols, width, height, title != null);
            Graphics2D sub = (Graphics2D) g.create(b[0], b[1], b[2], b[3]);
            try {
                panels.get(k).paint(sub, b[2], b[3]);
            } finally {
                sub.dispose();
            }
        }
    }
}
