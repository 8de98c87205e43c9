package org.e3j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;
import org.e3j.engine.E3jException;

/**
 * File errors as one line that says which file, in which role, and what is wrong with it:
 * {@code structure file t.xyz: no such file}. Commands check their input files here before opening
 * them; {@link Main}'s handler formats any other file-system error with {@link #describe}.
 */
final class InputFiles {
    private InputFiles() {}

    /** An input file that cannot be used; the message names its role and path. */
    static final class InputFileException extends E3jException {
        InputFileException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Returns {@code file} if it is a readable regular file, else throws an {@link InputFileException}
     * such as {@code model file m.safetensors: is a directory, not a file}.
     */
    static Path requireReadable(String role, Path file) {
        String what = null;
        if (Files.isDirectory(file)) {
            what = "is a directory, not a file";
        } else if (!Files.exists(file)) {
            Path parent = file.toAbsolutePath().getParent();
            what = parent != null && !Files.isDirectory(parent) ? "no such file (folder " + parent + " does not exist)"
                    : "no such file";
        } else if (!Files.isReadable(file)) {
            what = "permission denied (not readable)";
        } else if (!Files.isRegularFile(file)) {
            what = "not a regular file";
        }
        if (what != null) {
            throw new InputFileException(role + " " + file + ": " + what, null);
        }
        return file;
    }

    /** An input error found while reading {@code file}, with its role and path in front. */
    static InputFileException whileReading(String role, Path file, Exception e) {
        String detail = e instanceof IOException io ? describe(io)
                : e instanceof UncheckedIOException u ? describe(u.getCause()) : e.getMessage();
        String name = file.toString();
        // Readers often start their message with the path already; do not say it twice.
        if (detail != null && detail.startsWith(name + ": ")) {
            detail = detail.substring(name.length() + 2);
        }
        return new InputFileException(role + " " + file + ": " + detail, e);
    }

    /**
     * One line for an I/O failure: {@code FILE: no such file or directory}, {@code FILE: permission
     * denied}, {@code FILE: is a directory}, ... for the file-system exceptions (which carry the path),
     * else the exception's own message.
     */
    static String describe(IOException e) {
        if (!(e instanceof FileSystemException fs)) {
            return e.getMessage() != null ? e.getMessage() : e.toString();
        }
        String file = fs.getFile() != null ? fs.getFile() : "?";
        String what;
        if (e instanceof NoSuchFileException) {
            Path parent = parentOf(file);
            what = parent != null && !Files.isDirectory(parent) ? "no such file or directory (folder " + parent
                    + " does not exist)" : "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            what = "permission denied";
        } else if (e instanceof FileAlreadyExistsException) {
            what = "already exists";
        } else if (e instanceof NotDirectoryException) {
            what = "not a directory";
        } else if (e instanceof DirectoryNotEmptyException) {
            what = "directory not empty";
        } else if (e instanceof FileSystemLoopException) {
            what = "symbolic link loop";
        } else if (fs.getReason() != null) {
            what = fs.getReason().isEmpty() ? fs.getReason()
                    : fs.getReason().substring(0, 1).toLowerCase(Locale.ROOT) + fs.getReason().substring(1);
        } else {
            what = "input/output error";
        }
        String other = fs.getOtherFile() != null ? " (and " + fs.getOtherFile() + ")" : "";
        return file + other + ": " + what;
    }

    private static Path parentOf(String file) {
        try {
            return Path.of(file).toAbsolutePath().getParent();
        } catch (RuntimeException e) {
            return null;
        }
    }
}
