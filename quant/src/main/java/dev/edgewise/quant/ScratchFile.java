package dev.edgewise.quant;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * File-backed scratch memory for whole converted tensors: each {@link #allocate} maps a fresh
 * region of a temporary file, so a model larger than the heap (or than RAM) can be quantized
 * tensor by tensor and then streamed to its output while the OS pages the scratch in and out.
 *
 * <p>The file's name is removed as soon as it is open (POSIX file systems keep an open, unlinked
 * file's data until the last handle and mapping go), so a process killed mid-way (SIGKILL, the OOM
 * killer) leaves no hidden multi-gigabyte file beside the output; where a file cannot be removed
 * while open (Windows), it is opened to be deleted when its handle closes, which the OS does for a
 * killed process too. Every segment is unmapped, and the file deleted if it is still there, on
 * {@link #close}.
 */
public final class ScratchFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final Arena arena = Arena.ofShared();
    private long size;

    private ScratchFile(Path path) throws IOException {
        this.path = path;
        try {
            this.channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(path);
            throw e;
        }
        try {
            Files.delete(path);
        } catch (IOException notWhileOpen) {
            // Windows: DELETE_ON_CLOSE removes it when the handle closes
        }
    }

    /** A new, empty scratch file in {@code directory} (best on the output's file system). */
    public static ScratchFile create(Path directory) throws IOException {
        Objects.requireNonNull(directory, "directory");
        return new ScratchFile(Files.createTempFile(directory, ".edgewise-scratch-", ".tmp"));
    }

    /**
     * A zero-filled, writable segment of {@code bytes} bytes, valid until {@link #close}. Regions
     * start on 4096-byte boundaries so each maps whole pages.
     */
    public synchronized MemorySegment allocate(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative size " + bytes);
        if (bytes == 0) return MemorySegment.NULL.reinterpret(0);
        final long at = (size + 4095) & ~4095L;
        try {
            final MemorySegment segment = channel.map(FileChannel.MapMode.READ_WRITE, at, bytes, arena);
            size = at + bytes;
            return segment;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + bytes + " bytes of scratch space in " + path
                    + " (is the disk full?)", e);
        }
    }

    /** Bytes of the scratch file used so far. */
    public synchronized long size() {
        return size;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            arena.close();
            channel.close();
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
