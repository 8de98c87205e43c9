package org.e3j.engine.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HotSpot never JIT-compiles a method whose bytecode exceeds 8000 bytes (-XX:-DontCompileHugeMethods
 * is off by default): every method of the kernel classes must stay below it. Reads the class files
 * with a minimal parser (constant pool, fields, methods, Code attribute length).
 */
class BytecodeSizeTest {

    static final int HUGE_METHOD_LIMIT = 8000;

    static final List<Class<?>> KERNEL_CLASSES = List.of(Kernels.class, ScalarKernels.class, FloatMath.class,
            KernelProvider.class);
    static final List<String> VECTOR_CLASSES = List.of("VectorKernels", "VectorGemm", "VectorMath",
            "VectorActivations", "VectorEdge");

    @Test
    void everyKernelMethodIsSmallEnoughToCompile() throws IOException {
        List<String> names = new ArrayList<>();
        for (Class<?> c : KERNEL_CLASSES) {
            names.add(c.getSimpleName());
        }
        names.addAll(VECTOR_CLASSES);
        int largest = 0;
        String largestName = "";
        for (String simple : names) {
            try (InputStream in = KernelProvider.class.getResourceAsStream(simple + ".class")) {
                assertTrue(in != null, simple + ".class not found");
                for (var e : codeLengths(new DataInputStream(in))) {
                    String name = simple + "." + e.name();
                    assertTrue(e.length() < HUGE_METHOD_LIMIT, name + " has " + e.length() + " bytecode bytes");
                    if (e.length() > largest) {
                        largest = e.length();
                        largestName = name;
                    }
                }
            }
        }
        System.out.println("largest kernel method: " + largestName + " = " + largest + " bytecode bytes");
    }

    record MethodSize(String name, int length) {}

    static List<MethodSize> codeLengths(DataInputStream in) throws IOException {
        in.readInt(); // magic
        in.readUnsignedShort();
        in.readUnsignedShort();
        int cpCount = in.readUnsignedShort();
        String[] utf8 = new String[cpCount];
        for (int i = 1; i < cpCount; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++;
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException("bad constant pool tag " + tag);
            }
        }
        in.skipNBytes(6); // access, this, super
        in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
        int fields = in.readUnsignedShort();
        for (int f = 0; f < fields; f++) {
            in.skipNBytes(6);
            skipAttributes(in);
        }
        List<MethodSize> out = new ArrayList<>();
        int methods = in.readUnsignedShort();
        for (int m = 0; m < methods; m++) {
            in.skipNBytes(2);
            String name = utf8[in.readUnsignedShort()];
            in.skipNBytes(2);
            int attrs = in.readUnsignedShort();
            for (int a = 0; a < attrs; a++) {
                String an = utf8[in.readUnsignedShort()];
                int len = in.readInt();
                if (an.equals("Code")) {
                    in.skipNBytes(4);
                    int codeLength = in.readInt();
                    out.add(new MethodSize(name, codeLength));
                    in.skipNBytes(len - 8);
                } else {
                    in.skipNBytes(len);
                }
            }
        }
        return out;
    }

    private static void skipAttributes(DataInputStream in) throws IOException {
        int attrs = in.readUnsignedShort();
        for (int a = 0; a < attrs; a++) {
            in.skipNBytes(2);
            in.skipNBytes(in.readInt());
        }
    }
}
