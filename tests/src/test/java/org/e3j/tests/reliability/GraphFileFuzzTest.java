package org.e3j.tests.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.e3j.engine.E3jException;
import org.e3j.layers.graph.GraphExecutor;
import org.e3j.plan.GraphPlanner;
import org.e3j.plan.PlanWorkspace;
import org.e3j.layers.graph.ModelGraph;
import org.e3j.layers.io.Json;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ModelInput;

/**
 * Fuzz target for the model-graph loader and executor (format version 2, issue 12): byte 0 picks a
 * graph fixture ({@code tests/fixtures/graph/<case>}) whose tensors are kept, the rest (UTF-8)
 * replaces its {@code e3j_config}. Whatever loads is run (forward and reverse), by the double executor
 * and by the compiled float32 plan, on the fixture's
 * structure. Only {@link E3jException}s with a message may come out. Seeds: the six fixture configs
 * ({@code GraphFileFuzzTestInputs/graphConfig/}); {@code scripts/fuzz 300 GraphFileFuzzTest#graphConfig}
 * fuzzes it for real.
 */
class GraphFileFuzzTest {
    static final int MAX_BYTES = 1 << 20;

    record Case(ModelFiles.Parts parts, ModelInput input, double[] cell) {}

    private static volatile List<Case> cases;

    static List<Case> cases() {
        List<Case> c = cases;
        if (c == null) {
            try (Stream<Path> s = Files.list(ModelFiles.fixtureRoot().resolve("graph"))) {
                c = s.filter(p -> Files.isRegularFile(p.resolve("model.safetensors"))).sorted()
                        .map(GraphFileFuzzTest::load).toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cases = c;
        }
        return c;
    }

    @SuppressWarnings("unchecked")
    private static Case load(Path dir) {
        try {
            Map<String, Object> exp = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("expected.json")));
            Map<String, Object> s = (Map<String, Object>) exp.get("structure");
            int[] z = ints(s.get("atomic_numbers"));
            ModelInput in = new ModelInput(z, flat(s.get("positions")), ints(s.get("senders")), ints(s.get("receivers")),
                    flat(s.get("shifts")), new int[] {z.length});
            double[] cell = Boolean.TRUE.equals(s.get("pbc")) ? flat(s.get("cell")) : null;
            return new Case(ModelFiles.split(dir.resolve("model.safetensors")), in, cell);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(Object o) {
        return ((List<?>) o).stream().mapToInt(x -> (int) (long) (Long) x).toArray();
    }

    static double[] flat(Object o) {
        return ((List<?>) o).stream().flatMapToDouble(r -> r instanceof List<?> l
                ? l.stream().mapToDouble(x -> ((Number) x).doubleValue())
                : java.util.stream.DoubleStream.of(((Number) r).doubleValue())).toArray();
    }

    @FuzzTest(maxDuration = "5m")
    void graphConfig(byte[] data) {
        if (data.length < 1 || data.length > MAX_BYTES) {
            return;
        }
        List<Case> all = cases();
        Case base = all.get((data[0] & 0xff) % all.size());
        String config;
        try {
            config = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, 1, data.length - 1)).toString();
        } catch (CharacterCodingException e) {
            return;
        }
        byte[] file = ModelFiles.write(config, base.parts().tensors());
        ModelGraph graph;
        try {
            graph = ModelGraph.load(SafeTensors.parse("fuzz", ByteBuffer.wrap(file)));
        } catch (ModelFormatException e) {
            ModelFiles.requireMessage(e);
            return;
        }
        try {
            new GraphExecutor(graph).compute(base.input(), base.cell(), null);
        } catch (E3jException e) {
            ModelFiles.requireMessage(e);
        }
        // the graph planner compiles whatever the loader accepts, and runs it or refuses with a message
        try (PlanWorkspace ws = new PlanWorkspace(GraphPlanner.compile(graph), 1)) {
            var in = base.input();
            ws.evaluate(in.numNodes(), in.numEdges(), in.positions(), in.numbers(), in.senders(), in.receivers(),
                    in.shifts(), in.nNode(), true);
        } catch (E3jException e) {
            ModelFiles.requireMessage(e);
        }
    }
}
