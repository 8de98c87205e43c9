package org.e3j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.e3j.layers.io.ModelFormatException;

/** Where the bundled files live: {@code -De3j.home} or the folder holding the jar's project. */
final class Defaults {
    private Defaults() {}

    static Path home() {
        String prop = System.getProperty("e3j.home");
        if (prop != null) {
            return Path.of(prop);
        }
        try {
            // cli/target/e3j.jar -> the project root
            Path jar = Path.of(Defaults.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path p = jar.getParent();
            while (p != null && !Files.isDirectory(p.resolve("models"))) {
                p = p.getParent();
            }
            if (p != null) {
                return p;
            }
        } catch (Exception ignored) {
            // fall through to the working directory
        }
        return Path.of(".");
    }

    static Path bundledModel() {
        Path p = home().resolve("models/cu-emt.safetensors");
        if (!Files.isRegularFile(p)) {
            throw new ModelFormatException("the bundled model " + p + " is missing (set -De3j.home to the e3j folder)");
        }
        return p;
    }
}
