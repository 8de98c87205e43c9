package org.e3j.md.ipi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3j.md.Units;

/** Builds i-PI server byte streams by hand (for fuzzing the driver), remembering message boundaries. */
final class Wire {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final List<Integer> boundaries = new ArrayList<>();
    int posdata;

    Wire header(String word) {
        byte[] b = new byte[12];
        Arrays.fill(b, (byte) ' ');
        byte[] w = word.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(w, 0, b, 0, Math.min(12, w.length));
        out.writeBytes(b);
        return this;
    }

    Wire i32(int v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        return this;
    }

    Wire f64(double v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(v).array());
        return this;
    }

    Wire raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** Marks the end of a complete message. */
    Wire end() {
        boundaries.add(out.size());
        return this;
    }

    Wire status() {
        return header("STATUS").end();
    }

    Wire init() {
        return header("INIT").i32(0).i32(1).raw(new byte[] {0}).end();
    }

    /** POSDATA of a cell (rows = lattice vectors, Å) and positions (Å), as ASE sends it. */
    Wire posdata(double[] cell, double[] pos) {
        header("POSDATA");
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                f64(cell[3 * c + r] / Units.BOHR);
            }
        }
        for (int k = 0; k < 9; k++) {
            f64(k % 4 == 0 && cell[k] != 0 ? Units.BOHR / cell[k] : 0); // inverse of a diagonal cell
        }
        i32(pos.length / 3);
        for (double x : pos) {
            f64(x / Units.BOHR);
        }
        posdata++;
        return end();
    }

    Wire getforce() {
        return header("GETFORCE").end();
    }

    Wire exit() {
        return header("EXIT").end();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
