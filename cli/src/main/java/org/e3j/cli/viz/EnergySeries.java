package org.e3j.cli.viz;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.e3j.graph.Elements;
import org.e3j.graph.io.Frame;
import org.e3j.graph.io.Property;
import org.e3j.md.MdRun;
import org.e3j.md.Units;

/**
 * The data behind an energy plot: per frame, the time (or step), the potential, kinetic and total
 * energy (eV) and the temperature (K). Kinetic energy, total energy and temperature are null when
 * the source does not carry them (a trajectory written without momenta).
 *
 * @param xLabel      what {@code x} is: "time (fs)", "step" or "frame"
 * @param note        why some curves are missing, or null
 */
public record EnergySeries(String source, String xLabel, double[] x, double[] potential, double[] kinetic,
        double[] total, double[] temperature, String note) {

    public int size() {
        return x.length;
    }

    public boolean hasKinetic() {
        return kinetic != null;
    }

    /**
     * From extended-XYZ frames: {@code energy} (potential, eV) is required in every frame; the time
     * is info {@code time} (fs), else {@code step}, else the frame index. Kinetic energy is info
     * {@code kinetic_energy} (eV) when every frame has it, else computed from ASE's {@code momenta}
     * (and {@code masses}, default ASE's standard masses); the temperature is info {@code temperature}
     * (K) when present, else {@code 2 Ekin / (3 N kB)} (3N degrees of freedom, as ASE and e3j md).
     */
    public static EnergySeries fromFrames(List<Frame> frames, String source) {
        int n = frames.size();
        if (n == 0) {
            throw new IllegalArgumentException(source + ": no frames, nothing to plot");
        }
        double[] epot = new double[n];
        for (int i = 0; i < n; i++) {
            Double e = frames.get(i).energy();
            if (e == null) {
                throw new IllegalArgumentException(source + ": frame " + i + " has no energy (no energy=... in its "
                        + "comment line), so there is nothing to plot; e3j plot needs the potential energy of every "
                        + "frame, as e3j md and ASE write it");
            }
            if (!Double.isFinite(e)) {
                throw new IllegalArgumentException(source + ": frame " + i + " has energy " + e);
            }
            epot[i] = e;
        }
        String xLabel;
        double[] x = infoColumn(frames, "time");
        if (x != null) {
            xLabel = "time (fs)";
        } else if ((x = infoColumn(frames, "step")) != null) {
            xLabel = "step";
        } else {
            x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = i;
            }
            xLabel = "frame";
        }
        double[] ekin = infoColumn(frames, "kinetic_energy");
        if (ekin == null) {
            ekin = new double[n];
            for (int i = 0; i < n && ekin != null; i++) {
                double k = kineticFromMomenta(frames.get(i));
                if (Double.isNaN(k)) {
                    ekin = null;
                } else {
                    ekin[i] = k;
                }
            }
        }
        if (ekin == null) {
            return new EnergySeries(source, xLabel, x, epot, null, null, null,
                    "no kinetic energy in " + source + " (frames carry neither momenta nor kinetic_energy): "
                            + "plotting the potential energy only");
        }
        double[] temp = infoColumn(frames, "temperature");
        double[] etot = new double[n];
        if (temp == null) {
            temp = new double[n];
            for (int i = 0; i < n; i++) {
                temp[i] = temperature(ekin[i], frames.get(i).structure().size());
            }
        }
        for (int i = 0; i < n; i++) {
            etot[i] = epot[i] + ekin[i];
        }
        return new EnergySeries(source, xLabel, x, epot, ekin, etot, temp, null);
    }

    /** Temperature (K) of a kinetic energy (eV) over 3N degrees of freedom. */
    public static double temperature(double kineticEnergy, int atoms) {
        return 2 * kineticEnergy / (3.0 * atoms * Units.KB);
    }

    /** A numeric info value present in every frame, or null. */
    private static double[] infoColumn(List<Frame> frames, String key) {
        double[] v = new double[frames.size()];
        for (int i = 0; i < v.length; i++) {
            Object o = frames.get(i).info().get(key);
            if (!(o instanceof Number num) || !Double.isFinite(num.doubleValue())) {
                return null;
            }
            v[i] = num.doubleValue();
        }
        return v;
    }

    /** sum p^2 / 2m from ASE's momenta (amu A / ASE time) and masses (amu), or NaN without momenta. */
    static double kineticFromMomenta(Frame f) {
        Map<String, Property> arrays = f.arrays();
        Property p = arrays.get("momenta");
        int n = f.structure().size();
        if (p == null || p.type() != Property.Type.R || p.columns() != 3) {
            return Double.NaN;
        }
        Property m = arrays.get("masses");
        double[] masses = m != null && m.type() == Property.Type.R && m.columns() == 1 ? m.doubles()
                : Elements.masses(f.structure().numbers());
        double[] mom = p.doubles();
        double e = 0;
        for (int i = 0; i < n; i++) {
            double p2 = mom[3 * i] * mom[3 * i] + mom[3 * i + 1] * mom[3 * i + 1] + mom[3 * i + 2] * mom[3 * i + 2];
            e += 0.5 * p2 / masses[i];
        }
        return e;
    }

    /**
     * Records an MD run as it goes (use as an observer: {@code run.observe(every, recorder)}):
     * step time, potential, kinetic and total energy and temperature from the run's getters.
     */
    public static final class Recorder implements MdRun.Observer {
        private double[] t = new double[64];
        private double[] epot = new double[64];
        private double[] ekin = new double[64];
        private double[] temp = new double[64];
        private int n;

        @Override
        public void observe(MdRun run) {
            if (n == t.length) {
                t = Arrays.copyOf(t, 2 * n);
                epot = Arrays.copyOf(epot, 2 * n);
                ekin = Arrays.copyOf(ekin, 2 * n);
                temp = Arrays.copyOf(temp, 2 * n);
            }
            t[n] = run.timeFs();
            epot[n] = run.potentialEnergy();
            ekin[n] = run.kineticEnergy();
            temp[n] = run.temperature();
            n++;
        }

        public int size() {
            return n;
        }

        public EnergySeries series(String source) {
            if (n == 0) {
                throw new IllegalStateException("nothing recorded");
            }
            double[] ep = Arrays.copyOf(epot, n);
            double[] ek = Arrays.copyOf(ekin, n);
            double[] et = new double[n];
            for (int i = 0; i < n; i++) {
                et[i] = ep[i] + ek[i];
            }
            return new EnergySeries(source, "time (fs)", Arrays.copyOf(t, n), ep, ek, et, Arrays.copyOf(temp, n), null);
        }
    }
}
