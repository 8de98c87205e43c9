package org.e3j.layers.graph;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.e3j.layers.io.Json;
import org.e3j.layers.io.SafeTensors;

/**
 * A model-graph file opened for editing in tests: the config as a mutable JSON tree and the tensors
 * as (shape, floats), written back into an in-memory safetensors container (contiguous offsets).
 */
final class GraphFiles {
    record Tensor(long[] shape, float[] data) {}

    final Map<String, Object> config;
    final Map<String, Tensor> tensors = new TreeMap<>();

    @SuppressWarnings("unchecked")
    GraphFiles(Path path) {
        SafeTensors f = SafeTensors.open(path);
        config = (Map<String, Object>) Json.parse(f.metadata().get("e3j_config"));
        for (String n : f.names()) {
            tensors.put(n, new Tensor(f.info(n).shape(), f.floats(n)));
        }
    }

    static final Path FIXTURES = Path.of("../tests/fixtures/graph");

    static GraphFiles fixture(String name) {
        return new GraphFiles(FIXTURES.resolve(name).resolve("model.safetensors"));
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> nodes() {
        return (List<Map<String, Object>>) ((Map<String, Object>) config.get("graph")).get("nodes");
    }

    Map<String, Object> node(String name) {
        return nodes().stream().filter(n -> n.get("name").equals(name)).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> attrs(Map<String, Object> node) {
        return (Map<String, Object>) node.get("attrs");
    }

    SafeTensors build() {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("e3j_config", write(config));
        header.put("__metadata__", meta);
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            int begin = data.size();
            ByteBuffer b = ByteBuffer.allocate(4 * e.getValue().data().length).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : e.getValue().data()) {
                b.putFloat(v);
            }
            data.writeBytes(b.array());
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", "F32");
            info.put("shape", java.util.Arrays.stream(e.getValue().shape()).boxed().toList());
            info.put("data_offsets", List.of((long) begin, (long) data.size()));
            header.put(e.getKey(), info);
        }
        StringBuilder h = new StringBuilder(write(header));
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + hb.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(hb.length).put(hb).put(data.toByteArray()).flip();
        return SafeTensors.parse("edited.safetensors", out);
    }

    /** Minimal JSON writer (sorted as given; doubles in Java's shortest round-trip form). */
    static String write(Object o) {
        StringBuilder sb = new StringBuilder();
        write(o, sb);
        return sb.toString();
    }

    private static void write(Object o, StringBuilder sb) {
        if (o == null) {
            sb.append("null");
        } else if (o instanceof String s) {
            sb.append('"');
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20 || c > 0x7e) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('"');
        } else if (o instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(String.valueOf(e.getKey()), sb);
                sb.append(':');
                write(e.getValue(), sb);
            }
            sb.append('}');
        } else if (o instanceof List<?> l) {
            sb.append('[');
            for (int k = 0; k < l.size(); k++) {
                if (k > 0) {
                    sb.append(',');
                }
                write(l.get(k), sb);
            }
            sb.append(']');
        } else {
            sb.append(o);
        }
    }
}
