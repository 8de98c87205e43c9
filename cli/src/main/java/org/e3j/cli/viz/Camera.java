package org.e3j.cli.viz;

/**
 * A fixed orthographic camera: screen axes {@code right} and {@code up}, and {@code toward}, the
 * direction to the viewer (larger depth is nearer). Rows of an orthonormal, right-handed matrix.
 */
public record Camera(double[] right, double[] up, double[] toward) {

    /** Looking down -z, turned by {@code azimuth} about y, then tilted by {@code elevation} about x (degrees). */
    public static Camera of(double azimuthDeg, double elevationDeg) {
        double a = Math.toRadians(azimuthDeg);
        double e = Math.toRadians(elevationDeg);
        double ca = Math.cos(a);
        double sa = Math.sin(a);
        double ce = Math.cos(e);
        double se = Math.sin(e);
        // V = Rx(e) Ry(a); rows are the camera axes in world coordinates.
        double[] right = {ca, 0, sa};
        double[] up = {se * sa, ce, -se * ca};
        double[] toward = {-ce * sa, se, ce * ca};
        return new Camera(right, up, toward);
    }

    /** The camera e3j viz uses: a three-quarter view, so that no axis points at the viewer. */
    public static Camera standard() {
        return of(-35, 25);
    }

    public double u(double x, double y, double z) {
        return right[0] * x + right[1] * y + right[2] * z;
    }

    public double v(double x, double y, double z) {
        return up[0] * x + up[1] * y + up[2] * z;
    }

    public double depth(double x, double y, double z) {
        return toward[0] * x + toward[1] * y + toward[2] * z;
    }
}
