package dev.edgewise.loader;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes a file so that it appears whole or not at all: the content goes to a temporary file in
 * the same directory, is forced to disk, and is then moved over the target; on any failure the
 * temporary file is deleted and the target is untouched. Its callers write model and adapter files,
 * which are then mapped: a finished file is dropped from the page cache ({@link PageCache#evict})
 * so that its next mapping reads it back in huge pages.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** What writes the content; the stream is buffered and flushed by {@link #write}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        Path tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try {
                // temporary files are private; the result should be readable like any other file
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            PageCache.evict(abs); // written in small pieces; read back fresh, it maps in huge pages
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }
}
