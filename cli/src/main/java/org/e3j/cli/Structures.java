package org.e3j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.e3j.graph.io.ExtXyz;
import org.e3j.graph.io.Frame;
import org.e3j.md.AtomsSystem;
import org.e3j.md.MdException;

/** Structures the commands start from: a file's first frame, or the built-in fcc copper crystal. */
final class Structures {
    private Structures() {}

    /** EMT's fcc lattice constant of copper is close to this; the demo starts here. */
    static final double CU_LATTICE = 3.61;

    /** fcc Cu, reps x reps x reps conventional cells of 4 atoms (reps = 4 gives 256 atoms). */
    static AtomsSystem fccCopper(int reps, double a) {
        int n = 4 * reps * reps * reps;
        double[][] basis = {{0, 0, 0}, {0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
        int[] numbers = new int[n];
        double[] pos = new double[3 * n];
        int i = 0;
        for (int x = 0; x < reps; x++) {
            for (int y = 0; y < reps; y++) {
                for (int z = 0; z < reps; z++) {
                    for (double[] b : basis) {
                        numbers[i] = 29;
                        pos[3 * i] = (x + b[0]) * a;
                        pos[3 * i + 1] = (y + b[1]) * a;
                        pos[3 * i + 2] = (z + b[2]) * a;
                        i++;
                    }
                }
            }
        }
        double l = reps * a;
        return new AtomsSystem(numbers, pos, null, null, new double[] {l, 0, 0, 0, l, 0, 0, 0, l},
                new boolean[] {true, true, true});
    }

    static AtomsSystem firstFrame(Path file) throws IOException {
        List<Frame> frames = ExtXyz.read(file);
        if (frames.isEmpty()) {
            throw new MdException(file + ": no frames");
        }
        return AtomsSystem.of(frames.get(0));
    }
}
