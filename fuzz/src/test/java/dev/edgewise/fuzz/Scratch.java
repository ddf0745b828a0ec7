package dev.edgewise.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One scratch directory per fork, in memory where Linux has it, for targets that read files. */
final class Scratch {
    private static final Path DIR = create();

    private Scratch() {}

    private static Path create() {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "edgewise-fuzz") : Files.createTempDirectory("edgewise-fuzz");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to {@code name} in the scratch directory (replacing it) and returns its path. */
    static Path file(String name, byte[] bytes) {
        try {
            Path p = DIR.resolve(name);
            Files.write(p, bytes);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path dir(String name) {
        try {
            return Files.createDirectories(DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
