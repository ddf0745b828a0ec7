package dev.edgewise.loader;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Files that appear whole or not at all, the one place that writes them: the content goes to a
 * temporary file in the target's directory (readable like any other file, {@code rw-r--r--}, not
 * the temporary file's owner-only mode), is forced to disk, and is then moved over the target; on
 * any failure the temporary file is deleted and the target is untouched. Model and adapter files
 * ({@link #write}) are then mapped: a finished one is dropped from the page cache
 * ({@link PageCache#evict}) so that its next mapping reads it back in huge pages. A {@link Group}
 * moves several files into place once all of them are complete.
 *
 * <p>A writer killed mid-way (SIGKILL, the OOM killer, a power cut) cannot delete its temporary
 * file, which for a model is as large as the model. So a writer holds a lock on its temporary file
 * while it writes (the OS releases it when the process dies), and every {@link #write} of a
 * target first deletes the temporary files of that target's name that no live writer holds:
 * unlocked and unmodified for {@link #STALE_AFTER_MILLIS} (a writer takes its lock just after
 * creating the file). Rerunning the command that was killed thus frees the space it left.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** What writes the content; the stream is buffered and flushed by {@link #write}. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A model or adapter file: written whole or not at all, then dropped from the page cache. */
    public static void write(Path target, Content content) throws IOException {
        write(target.toAbsolutePath(), content, true);
    }

    /** A text file in UTF-8 (a saved conversation, a cache's rewrite), whole or not at all. */
    public static void writeString(Path target, CharSequence text) throws IOException {
        write(target.toAbsolutePath(), out -> out.write(text.toString().getBytes(StandardCharsets.UTF_8)), false);
    }

    /** How long a temporary file must have been left untouched, and unlocked, to be deleted as a dead writer's. */
    static final long STALE_AFTER_MILLIS = 60_000;

    private static void write(Path abs, Content content, boolean evict) throws IOException {
        deleteStaleTemporaries(abs);
        Path tmp = temporaryBeside(abs);
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.lock(); // held until the channel closes, or the process dies: see deleteStaleTemporaries
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            moveIntoPlace(tmp, abs);
            done = true;
            if (evict) PageCache.evict(abs); // written in small pieces; read back fresh, it maps in huge pages
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    /**
     * Output files moved into place together: each {@link #stage staged} path is written by the
     * caller, and only {@link #commit} moves them over their targets; closed without a commit, the
     * staged files are deleted and the targets are untouched. The caller writes a staged file
     * through its own channel, so it is not locked: a {@link AtomicFile#write} of the same target
     * name by another process, once it has been left untouched for a minute, takes it for a dead
     * writer's (and the commit then fails, naming it).
     */
    public static final class Group implements AutoCloseable {
        private final List<Path[]> pending = new ArrayList<>();
        private boolean committed;

        /** A temporary path to write beside {@code target}; it becomes {@code target} on {@link #commit}. */
        public Path stage(Path target) throws IOException {
            Path abs = target.toAbsolutePath();
            Path tmp = temporaryBeside(abs);
            pending.add(new Path[] {tmp, abs});
            return tmp;
        }

        /** Forces every staged file to disk, then moves each over its target. */
        public void commit() throws IOException {
            for (Path[] p : pending) {
                try (FileChannel ch = FileChannel.open(p[0], StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            for (Path[] p : pending) moveIntoPlace(p[0], p[1]);
            committed = true;
        }

        @Override
        public void close() throws IOException {
            if (!committed) for (Path[] p : pending) Files.deleteIfExists(p[0]);
        }
    }

    /**
     * Deletes the temporary files beside {@code abs} that writes of its name left behind: named
     * {@code .NAME.*.tmp} (see {@link #temporaryBeside}), not locked by a live writer, not modified
     * for {@link #STALE_AFTER_MILLIS}. Returns how many; one that cannot be examined is left alone.
     */
    static int deleteStaleTemporaries(Path abs) {
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) return 0;
        String prefix = "." + abs.getFileName() + ".";
        long before = System.currentTimeMillis() - STALE_AFTER_MILLIS;
        int deleted = 0;
        try (DirectoryStream<Path> candidates = Files.newDirectoryStream(dir, p -> {
            String name = p.getFileName().toString();
            return name.startsWith(prefix) && name.endsWith(".tmp") && name.length() > prefix.length() + 4;
        })) {
            for (Path tmp : candidates) {
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    if (!Files.isRegularFile(tmp, LinkOption.NOFOLLOW_LINKS)
                            || Files.getLastModifiedTime(tmp).toMillis() > before) continue;
                    FileLock lock = ch.tryLock();
                    if (lock == null) continue; // a live writer in another process
                    Files.delete(tmp);
                    deleted++;
                } catch (OverlappingFileLockException live) {
                    // a writer in this process
                } catch (IOException unreadable) {
                    // not ours to judge: left alone
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // an unreadable directory: the write itself will say so
        }
        return deleted;
    }

    /** A new temporary file in {@code abs}'s directory, named after it and hidden, readable as an ordinary file. */
    private static Path temporaryBeside(Path abs) throws IOException {
        Path dir = abs.getParent();
        if (dir != null && !Files.isDirectory(dir)) throw new IOException("output directory does not exist: " + dir);
        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        try {
            // temporary files are private; the result should be readable like any other file
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        return tmp;
    }

    private static void moveIntoPlace(Path tmp, Path abs) throws IOException {
        try {
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
