package org.e3j.md.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.e3j.layers.io.ModelFormatException;
import org.e3j.layers.io.SafeTensors;
import org.e3j.layers.model.ReferenceModel;
import org.e3j.layers.fast.FastModel;

/**
 * The models that ship inside the e3j-md jar, so a Java project that depends on {@code org.e3j:e3j-md}
 * has one to start from without the e3j source tree: {@code models/cu-emt.safetensors}, a copper
 * {@code Potential} trained on EMT (docs/bundled-model.md; a toy for trying e3j, not for science),
 * as the class-path resource {@value #COPPER_RESOURCE}.
 */
public final class BundledModels {
    private BundledModels() {}

    /** Where the copper model is on the class path. */
    public static final String COPPER_RESOURCE = "/org/e3j/md/model/cu-emt.safetensors";

    /** The bundled copper model, read and validated from the class path. */
    public static ReferenceModel copper() {
        return ReferenceModel.load(SafeTensors.parse("classpath:" + COPPER_RESOURCE, ByteBuffer.wrap(bytes(COPPER_RESOURCE))));
    }

    /**
     * The bundled copper model as a fast force field with {@code threads} workers (1 = the calling
     * thread only); close it when done. Needs {@code --add-modules jdk.incubator.vector} (README).
     */
    public static FastForceField copperForceField(int threads) {
        return new FastForceField(FastModel.compile(copper()), threads, FastForceField.DEFAULT_SKIN);
    }

    private static byte[] bytes(String resource) {
        try (InputStream in = BundledModels.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ModelFormatException("classpath:" + resource + ": not on the class path (is e3j-md a dependency?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading classpath:" + resource, e);
        }
    }
}
