package org.e3j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.e3j.engine.E3jException;
import org.e3j.graph.io.ExtXyzReader;
import org.e3j.graph.io.Frame;
import org.e3j.md.AtomsSystem;

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

    /** Role of the files this class reads, in error messages: "structure file t.xyz: no such file". */
    static final String ROLE = "structure file";

    /**
     * The first frame of an extended-XYZ file; any problem with the file (missing, unreadable, not
     * extended XYZ, no frames, a bad structure) is one {@link InputFiles.InputFileException} naming it.
     */
    static AtomsSystem firstFrame(Path file) {
        Frame f = readFirstFrame(file);
        try {
            return AtomsSystem.of(f);
        } catch (E3jException e) {
            throw InputFiles.whileReading(ROLE, file, e);
        }
    }

    /**
     * The first frame of an extended-XYZ file, read alone: the frames after it are not parsed (a
     * trajectory still being written, or one of many gigabytes, serves as a starting structure).
     */
    static Frame readFirstFrame(Path file) {
        InputFiles.requireReadable(ROLE, file);
        try (ExtXyzReader r = ExtXyzReader.open(file)) {
            Frame f = r.readFrame();
            if (f == null) {
                throw new InputFiles.InputFileException(ROLE + " " + file + ": no frames (empty file?)", null);
            }
            return f;
        } catch (InputFiles.InputFileException e) {
            throw e;
        } catch (IOException | UncheckedIOException | E3jException e) {
            throw InputFiles.whileReading(ROLE, file, e);
        }
    }
}
