package org.e3j.layers.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    /** Builds a file the way the format says: u64 header length, JSON header, data. */
    static ByteBuffer file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.flip();
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static final String GOOD = "{\"__metadata__\":{\"e3j_config\":\"{\\\"a\\\":1}\"},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void readsValidFile(@TempDir Path dir) throws Exception {
        ByteBuffer buf = file(GOOD, f32(1f, 2f, 3f));
        Path p = dir.resolve("m.safetensors");
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        Files.write(p, bytes);
        SafeTensors st = SafeTensors.open(p);
        assertArrayEquals(new float[] {1f, 2f}, st.floats("a"));
        assertArrayEquals(new float[] {3f}, st.floats("b"));
        assertEquals(1L, st.metadataJson("e3j_config").get("a"));
        assertArrayEquals(new long[] {2}, st.info("a").shape());
    }

    private static void rejects(String header, byte[] data, String expectedFragment) {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> SafeTensors.parse("t", file(header, data)));
        assertTrue(e.getMessage().contains(expectedFragment), () -> "message was: " + e.getMessage());
    }

    @Test
    void rejectsTruncatedData() {
        rejects(GOOD, f32(1f, 2f), "cover");
    }

    @Test
    void rejectsTrailingBytes() {
        rejects(GOOD, f32(1f, 2f, 3f, 4f), "cover");
    }

    @Test
    void rejectsOverlapAndGaps() {
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", f32(1, 2), "contiguous");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", f32(1, 2), "contiguous");
    }

    @Test
    void rejectsShapeThatLies() {
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", f32(1, 2), "needs 12");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", f32(1, 2),
                "overflows");
    }

    @Test
    void rejectsUnknownDtypeAndFields() {
        rejects("{\"a\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,4]}}", f32(1), "unknown dtype");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", f32(1), "unknown field");
    }

    @Test
    void rejectsBadHeaders() {
        rejects("[1,2]", new byte[0], "start with '{'");
        rejects("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", f32(1), "invalid JSON");
        rejects("{\"a\":1,\"a\":2}", new byte[0], "duplicate key");
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).putLong(0).flip();
        assertThrows(ModelFormatException.class, () -> SafeTensors.parse("t", huge));
        ByteBuffer beyond = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(100).putLong(0).flip();
        assertThrows(ModelFormatException.class, () -> SafeTensors.parse("t", beyond));
        assertThrows(ModelFormatException.class, () -> SafeTensors.parse("t", ByteBuffer.allocate(3)));
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).flip();
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafeTensors.parse("t", b));
        assertTrue(e.getMessage().contains("UTF-8"));
    }

    @Test
    void missingTensorIsNamed() {
        SafeTensors st = SafeTensors.parse("t", file(GOOD, f32(1, 2, 3)));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> st.floats("nope"));
        assertTrue(e.getMessage().contains("\"nope\""));
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> SafeTensors.open(dir.resolve("absent.safetensors")));
        assertTrue(e.getMessage().contains("absent.safetensors"));
    }
}
