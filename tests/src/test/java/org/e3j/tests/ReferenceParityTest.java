package org.e3j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ReferenceModel;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The double-precision reference execution against e3nn-jax's float32 outputs, tensor by tensor
 * (every intermediate the fixture holds), within {@code |diff| <= 1e-5 * max(1, |ref|)}.
 * Prints the worst error of each fixture.
 */
class ReferenceParityTest {
    static final double TOLERANCE = 1e-5;

    @TestFactory
    Stream<DynamicTest> everyFixtureMatchesE3nnJax() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path dir : Fixtures.cases()) {
            tests.add(DynamicTest.dynamicTest(dir.getFileName().toString(), () -> check(dir)));
        }
        assertFalse(tests.isEmpty(), "no fixtures found");
        return tests.stream();
    }

    private static void check(Path dir) {
        ReferenceModel model = ReferenceModel.load(dir.resolve("model.safetensors"));
        SafeTensors f = SafeTensors.open(dir.resolve("fixture.safetensors"));
        ReferenceModel.Result r = model.forward(Fixtures.input(f));
        double worst = 0;
        String worstName = "";
        int compared = 0;
        for (var entry : r.tensors.entrySet()) {
            String name = entry.getKey();
            if (!f.contains(name)) {
                continue;
            }
            double[] ref = f.doubles(name);
            double[] got = entry.getValue().data();
            assertEquals(ref.length, got.length, () -> dir.getFileName() + " " + name + ": size");
            for (int i = 0; i < ref.length; i++) {
                double err = Math.abs(got[i] - ref[i]) / Math.max(1.0, Math.abs(ref[i]));
                if (!(err <= worst)) {
                    worst = err;
                    worstName = name + "[" + i + "]";
                }
            }
            compared++;
        }
        System.out.printf("parity %-28s %2d tensors  worst |diff|/max(1,|ref|) = %.2e at %s%n",
                dir.getFileName(), compared, worst, worstName);
        assertTrue(compared >= 8, "too few tensors compared: " + compared);
        assertTrue(worst <= TOLERANCE, dir.getFileName() + ": worst error " + worst + " at " + worstName);
        assertTrue(f.contains("output/node_features"));
    }

}
