package org.e3j.layers.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped reader of the safetensors format, validating the way the reference implementation
 * does before any tensor is touched: header size cap, strict UTF-8 JSON, known dtypes, checked
 * shape x dtype arithmetic, offsets that start at zero, are contiguous and non-overlapping, and cover
 * the whole data buffer. Nothing a header says can make us read outside the file.
 */
public final class SafeTensors {
    /** The reference implementation's cap on the JSON header. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Element types of the format, with their sizes in bytes. */
    public enum DType {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2),
        I32(4), U32(4), F32(4), F64(8), I64(8), U64(8);

        public final int size;

        DType(int size) {
            this.size = size;
        }
    }

    /** One tensor's header entry; {@code offset} is absolute within the mapped file. */
    public record Info(String name, DType dtype, long[] shape, long offset, long byteLength) {
        public long elementCount() {
            return byteLength / dtype.size;
        }

        public String shapeString() {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < shape.length; i++) {
                sb.append(i == 0 ? "" : ", ").append(shape[i]);
            }
            return sb.append(']').toString();
        }
    }

    private final String source;
    private final ByteBuffer data;
    private final Map<String, Info> tensors;
    private final Map<String, String> metadata;

    private SafeTensors(String source, ByteBuffer data, Map<String, Info> tensors, Map<String, String> metadata) {
        this.source = source;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates a file. */
    public static SafeTensors open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new ModelFormatException(path + ": file of " + size + " bytes is larger than the 2 GiB e3j reads");
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return parse(path.toString(), map);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(path + ": no such file", e);
        } catch (IOException e) {
            throw new ModelFormatException(path + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Validates bytes already in memory (tests, fuzzing); {@code source} names them in errors. */
    public static SafeTensors parse(String source, ByteBuffer buffer) {
        ByteBuffer buf = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        buf.position(0);
        long fileSize = buf.limit();
        if (fileSize < 8) {
            throw new ModelFormatException(source + ": " + fileSize + " bytes is too short for a safetensors header");
        }
        long headerLen = buf.getLong(0);
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw new ModelFormatException(source + ": header length " + Long.toUnsignedString(headerLen)
                    + " exceeds the cap of " + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + headerLen > fileSize) {
            throw new ModelFormatException(source + ": header claims " + headerLen + " bytes but the file has only "
                    + (fileSize - 8) + " after the length prefix (truncated file?)");
        }
        byte[] headerBytes = new byte[(int) headerLen];
        buf.get(8, headerBytes);
        String headerText;
        try {
            headerText = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(source + ": header is not valid UTF-8", e);
        }
        if (!headerText.startsWith("{")) {
            throw new ModelFormatException(source + ": header does not start with '{'");
        }
        Object parsed;
        try {
            parsed = Json.parse(headerText);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(source + ": header: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> root)) {
            throw new ModelFormatException(source + ": header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataLen = fileSize - dataStart;
        Map<String, String> metadata = Map.of();
        List<Info> infos = new ArrayList<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            String name = (String) e.getKey();
            if (name.equals("__metadata__")) {
                metadata = readMetadata(source, e.getValue());
                continue;
            }
            infos.add(readInfo(source, name, e.getValue(), dataStart));
        }
        // Offsets must tile [0, dataLen) exactly, in order: the reference implementation's rule.
        infos.sort(Comparator.comparingLong(Info::offset).thenComparing(Info::name));
        long expected = dataStart;
        for (Info info : infos) {
            if (info.offset() != expected) {
                throw new ModelFormatException(source + ": tensor \"" + info.name() + "\" starts at byte "
                        + (info.offset() - dataStart) + " of the data, expected " + (expected - dataStart)
                        + " (offsets must be contiguous and non-overlapping)");
            }
            expected += info.byteLength();
        }
        if (expected != fileSize) {
            throw new ModelFormatException(source + ": tensors cover " + (expected - dataStart) + " bytes but the data "
                    + "buffer has " + dataLen + " (truncated file, or trailing bytes)");
        }
        Map<String, Info> byName = new LinkedHashMap<>();
        for (Info info : infos) {
            byName.put(info.name(), info);
        }
        return new SafeTensors(source, buf.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN),
                Collections.unmodifiableMap(byName), metadata);
    }

    private static Map<String, String> readMetadata(String source, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new ModelFormatException(source + ": __metadata__ must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s)) {
                throw new ModelFormatException(source + ": __metadata__ value of \"" + e.getKey() + "\" is not a string");
            }
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static Info readInfo(String source, String name, Object value, long dataStart) {
        String where = source + ": tensor \"" + name + "\"";
        if (!(value instanceof Map<?, ?> entry)) {
            throw new ModelFormatException(where + ": entry is not an object");
        }
        for (Object key : entry.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw new ModelFormatException(where + ": unknown field \"" + key + "\"");
            }
        }
        if (!(entry.get("dtype") instanceof String dtypeName)) {
            throw new ModelFormatException(where + ": missing or non-string dtype");
        }
        DType dtype;
        try {
            dtype = DType.valueOf(dtypeName);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(where + ": unknown dtype \"" + dtypeName + "\"");
        }
        if (!(entry.get("shape") instanceof List<?> shapeList)) {
            throw new ModelFormatException(where + ": missing or non-array shape");
        }
        long[] shape = new long[shapeList.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                throw new ModelFormatException(where + ": shape entry " + i + " is not a non-negative integer");
            }
            shape[i] = d;
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException overflow) {
                throw new ModelFormatException(where + ": shape " + shapeList + " overflows");
            }
        }
        long nbytes;
        try {
            nbytes = Math.multiplyExact(elements, (long) dtype.size);
        } catch (ArithmeticException overflow) {
            throw new ModelFormatException(where + ": shape " + shapeList + " x " + dtype + " overflows");
        }
        if (!(entry.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end)) {
            throw new ModelFormatException(where + ": data_offsets must be two integers");
        }
        if (begin < 0 || end < begin) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] are not a valid range");
        }
        if (end - begin != nbytes) {
            throw new ModelFormatException(where + ": data_offsets span " + (end - begin) + " bytes but shape "
                    + shapeList + " of " + dtype + " needs " + nbytes);
        }
        if (begin > Integer.MAX_VALUE) {
            throw new ModelFormatException(where + ": data_offsets beyond the file");
        }
        return new Info(name, dtype, shape, dataStart + begin, nbytes);
    }

    public String source() {
        return source;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Info info(String name) {
        Info info = tensors.get(name);
        if (info == null) {
            throw new ModelFormatException(source + ": missing tensor \"" + name + "\"");
        }
        return info;
    }

    /** The tensor as float32 values (F32 read as is, F64 rounded); other dtypes are refused. */
    public float[] floats(String name) {
        Info info = info(name);
        int n = (int) info.elementCount();
        float[] out = new float[n];
        switch (info.dtype()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data.getFloat((int) info.offset() + 4 * i);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) data.getDouble((int) info.offset() + 8 * i);
                }
            }
            default -> throw new ModelFormatException(source + ": tensor \"" + name + "\" has dtype " + info.dtype()
                    + ", expected F32 or F64");
        }
        return out;
    }

    /** The tensor as doubles (exact for F32 and F64). */
    public double[] doubles(String name) {
        Info info = info(name);
        int n = (int) info.elementCount();
        double[] out = new double[n];
        switch (info.dtype()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data.getFloat((int) info.offset() + 4 * i);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data.getDouble((int) info.offset() + 8 * i);
                }
            }
            default -> throw new ModelFormatException(source + ": tensor \"" + name + "\" has dtype " + info.dtype()
                    + ", expected F32 or F64");
        }
        return out;
    }

    /** The tensor as ints (I32, or I64 values that fit). */
    public int[] ints(String name) {
        Info info = info(name);
        int n = (int) info.elementCount();
        int[] out = new int[n];
        switch (info.dtype()) {
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data.getInt((int) info.offset() + 4 * i);
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    long v = data.getLong((int) info.offset() + 8 * i);
                    if (v != (int) v) {
                        throw new ModelFormatException(source + ": tensor \"" + name + "\" element " + i
                                + " = " + v + " does not fit in 32 bits");
                    }
                    out[i] = (int) v;
                }
            }
            default -> throw new ModelFormatException(source + ": tensor \"" + name + "\" has dtype " + info.dtype()
                    + ", expected I32 or I64");
        }
        return out;
    }

    /** Decodes a metadata value that holds JSON (as e3j's {@code e3j_config}). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> metadataJson(String key) {
        String text = metadata.get(key);
        if (text == null) {
            throw new ModelFormatException(source + ": __metadata__ has no \"" + key + "\" entry (not an e3j file?)");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(source + ": __metadata__." + key + ": " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map)) {
            throw new ModelFormatException(source + ": __metadata__." + key + " is not a JSON object");
        }
        return (Map<String, Object>) parsed;
    }

}
