package dev.edgewise.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Output files that appear whole or not at all: each is written to a temporary file beside its
 * target and moved into place only when every file of the set is complete.
 */
final class AtomicOutput implements AutoCloseable {
    private final List<Path[]> pending = new ArrayList<>();
    private boolean committed;

    /** A temporary path to write; it becomes {@code target} on {@link #commit()}. */
    Path stage(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) throw new IOException("output directory does not exist: " + dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        pending.add(new Path[]{tmp, target});
        return tmp;
    }

    void commit() throws IOException {
        for (Path[] p : pending) Files.move(p[0], p[1], StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    @Override
    public void close() throws IOException {
        if (!committed) for (Path[] p : pending) Files.deleteIfExists(p[0]);
    }
}
